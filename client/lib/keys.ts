/*
 * Presenter keys, what a presenter's remote sends: PageDown / ArrowRight step,
 * PageUp / ArrowLeft step back on the timeline, "." pauses or resumes
 * auto-play, Escape leaves the timeline. Used by the host's page (HostBar) and
 * the projector screen (both loaded on demand), never while someone types.
 * Auto-play's controls live here too, so the console and "." share its speed.
 */
import type { Game } from './game.svelte.ts';

export type KeyAction = 'forward' | 'back' | 'pause' | 'live';

/** The part of a KeyboardEvent the keys look at. */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  /** Where the key was typed: an input, a text area, a select or editable text is typing. */
  target: { tagName?: string; isContentEditable?: boolean } | null;
}

const TYPING = new Set(['INPUT', 'TEXTAREA', 'SELECT']);

const ACTIONS: Record<string, KeyAction> = {
  PageDown: 'forward',
  ArrowRight: 'forward',
  PageUp: 'back',
  ArrowLeft: 'back',
  '.': 'pause',
  Escape: 'live',
};

/** What a key press asks for, or null: not a presenter key, a shortcut, or typing. */
export function presenterAction(press: KeyPress): KeyAction | null {
  if (press.ctrlKey || press.metaKey || press.altKey) return null;
  const target = press.target;
  if (target && (TYPING.has(target.tagName ?? '') || target.isContentEditable)) return null;
  return ACTIONS[press.key] ?? null;
}

/** What an action does on this page: where the timeline is and whether this page is the host's. */
export function keyCommand(
  action: KeyAction,
  where: { viewing: boolean; host: boolean },
): 'step' | 'forward' | 'back' | 'pause' | 'live' | null {
  switch (action) {
    case 'forward':
      // Live, the host steps the network; looking back, anyone moves one event forward.
      return where.viewing ? 'forward' : where.host ? 'step' : null;
    case 'back':
      return 'back';
    case 'pause':
      return where.host ? 'pause' : null;
    case 'live':
      return where.viewing ? 'live' : null;
  }
}

/** What a presenter key does to a guided demo on the host's page (null: what it does anyway). */
export function demoKey(action: KeyAction): 'host:demoNext' | 'host:demoBack' | null {
  return action === 'forward' ? 'host:demoNext' : action === 'back' ? 'host:demoBack' : null;
}

/** The speed "." and "Play" resume auto-play at: the last one the host chose on this page. */
let resume = 1;

export const resumeSpeed = (): number => resume;

/** Auto-play's speed now, in steps a second (0: off). */
export const autoplayOf = (game: Game): number => game.state?.round?.autoplay ?? 0;

/** The host sets auto-play's speed, in steps a second (0 stops it). */
export function setAutoplay(game: Game, speed: number): Promise<boolean> {
  if (speed > 0) resume = speed;
  return game.command('host:autoplay', { speed });
}

/** Pauses auto-play, or resumes it at the last speed chosen. */
export const toggleAutoplay = (game: Game): Promise<boolean> =>
  setAutoplay(game, autoplayOf(game) > 0 ? 0 : resume);

/** A modal dialog or a popover is open: keys are theirs. */
function overlayOpen(): boolean {
  if (document.querySelector('dialog[open]')) return true;
  try {
    return document.querySelector(':popover-open') !== null;
  } catch {
    return false; // a browser without popovers has none open
  }
}

/**
 * Listens to the page's presenter keys for `game` until the returned function is called.
 * A key a dialog or a popover is open for is theirs (Escape closes them).
 */
export function listenPresenterKeys(game: Game): () => void {
  const onkey = (e: KeyboardEvent) => {
    if (e.defaultPrevented) return;
    const action = presenterAction({
      key: e.key,
      ctrlKey: e.ctrlKey,
      metaKey: e.metaKey,
      altKey: e.altKey,
      target: e.target instanceof HTMLElement ? e.target : null,
    });
    if (action === null || overlayOpen()) return;
    // While a guided demo plays, the host's forward and back keys step the demo itself.
    const round = game.state?.round;
    if (game.isHost && round?.status === 'playing' && round.demo && demoKey(action)) {
      e.preventDefault();
      if (!e.repeat) void game.command(demoKey(action)!, {});
      return;
    }
    const timeline = game.timeline;
    const command = keyCommand(action, { viewing: timeline?.viewing ?? false, host: game.isHost });
    if (command === null) return;
    e.preventDefault();
    // A held key scrubs the timeline; it does not send a command per repeat.
    if (e.repeat && (command === 'step' || command === 'pause')) return;
    if (command === 'step') void game.command('host:step', {});
    else if (command === 'pause') void toggleAutoplay(game);
    else if (command === 'forward') timeline?.forward();
    else if (command === 'back') timeline?.back();
    else timeline?.live();
  };
  addEventListener('keydown', onkey);
  return () => removeEventListener('keydown', onkey);
}
