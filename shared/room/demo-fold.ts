import type { DemoEvent, DemoState } from './demo-types.ts';
import type { RoomEvent, RoomState, Round } from './types.ts';

/*
 * A guided demo's events folded into the room (the rules that make them: shared/room/demo.ts).
 * Apart from the rules, so that the player view's fold (evolve.ts) carries no deciders.
 */

/** A guided demo's event: every one's type starts with `demo`. */
export const isDemoEvent = (e: RoomEvent): e is DemoEvent => e.type.startsWith('demo');

/**
 * Folds a demo event into the round (evolveRoom's part). Kept short: it is in the player
 * view. A reveal counts each answer in `stats.predictions`: answered, and right when it was
 * the answer (a question without one has no right answer: `null` equals no choice).
 */
export function evolveDemo(round: Round, e: DemoEvent, seq: number): Round {
  const d = round.demo!;
  const ask = d?.ask;
  let demo: DemoState | undefined = d;
  let stats = round.stats;
  switch (e.type) {
    case 'demoLoaded':
      demo = {
        title: e.title,
        total: e.total,
        played: 0,
        cursor: 0,
        ends: [seq],
        caption: null,
        ask: null,
      };
      if (e.steps) demo.steps = e.steps;
      break;
    case 'demoStepped':
      demo = {
        ...d,
        played: e.step,
        cursor: e.step,
        ends: [...d.ends, seq],
        caption: e.say ?? d.caption,
        ask: e.ask ? { step: e.step, ...e.ask, answers: {}, revealed: false, answer: null } : null,
      };
      break;
    case 'demoPredicted':
      demo = { ...d, ask: { ...ask!, answers: { ...ask!.answers, [e.playerId]: e.choice } } };
      break;
    case 'demoRevealed': {
      const p = { ...stats.predictions };
      for (const [id, choice] of Object.entries(ask!.answers)) {
        const { answered, right } = p[id] ?? { answered: 0, right: 0 };
        p[id] = { answered: answered + 1, right: right + +(choice === e.answer) };
      }
      stats = { ...stats, predictions: p };
      demo = { ...d, ask: { ...ask!, revealed: true, answer: e.answer } };
      break;
    }
    case 'demoMoved':
      demo = { ...d, cursor: e.cursor };
      break;
    case 'demoLive':
      demo = undefined;
  }
  const next: Round = { ...round, stats, demo };
  if (!demo) delete next.demo;
  return next;
}

/** The seq every screen shows: the end of the cursor's step while it is behind, else null (now). */
export function demoShownSeq(demo: DemoState | null | undefined): number | null {
  if (!demo || demo.cursor >= demo.played) return null;
  return demo.ends[demo.cursor] ?? null;
}

/** The demo as a non-host audience may see it: without its script. */
export function withoutScript(state: RoomState): RoomState {
  const demo = state.round?.demo;
  if (!demo?.steps) return state;
  const hidden = { ...demo };
  delete hidden.steps;
  return { ...state, round: { ...state.round!, demo: hidden } };
}

/** An event as a non-host audience may receive it: a loaded demo without its script. */
export function eventWithoutScript(event: RoomEvent): RoomEvent {
  if (event.type !== 'demoLoaded' || event.steps === undefined) return event;
  const hidden = { ...event };
  delete hidden.steps;
  return hidden;
}
