/*
 * The page's notices: refusals and news in words, the newest four, each until
 * it is dismissed. The session and the room add to it; Banners shows it. Also
 * the words of the connection banner, and the screen reader's summaries of new
 * log lines (at most one a second).
 */
import type { Link } from './connection.svelte.ts';

export interface Notice {
  id: number;
  text: string;
  /** What the seed notebook prints for this refusal, when it prints something. */
  seedLine?: string;
}

/** A room code as people see one: the real format (shared/protocol/schemas.ts, `roomCode`). */
export const CODE_EXAMPLE = 'KXQ7M';

/**
 * A refusal in words a person can act on. The edge's schema errors name the event and the
 * field ("Invalid payload for room:join: code: A room code has 5 characters"): a person
 * typed a wrong code or name, so they hear what is wrong with what they typed.
 */
export function friendly(message: string): string {
  const schema = /^Invalid payload for [\w:]+: (?:([\w.]+): )?(.*)$/s.exec(message);
  if (!schema) return message;
  const [, field, rule] = schema;
  if (field === 'code') {
    return `That is not a room code. Room codes are 5 letters and digits, like ${CODE_EXAMPLE}: check the code and try again.`;
  }
  const said = rule!.trim();
  return /[.!?]$/.test(said) ? said : `${said}.`;
}

export class Notices {
  #list = $state.raw<Notice[]>([]);
  #nextId = 1;

  get list(): Notice[] {
    return this.#list;
  }

  /** A refusal (its `message`, and its `seedLine` if any) or a `text` of our own. */
  notify(error: { message?: string; text?: string; seedLine?: string }): void {
    const text = error.text ?? (error.message ? friendly(error.message) : 'Something went wrong.');
    const notice: Notice = { id: this.#nextId++, text };
    if (error.seedLine) notice.seedLine = error.seedLine;
    this.#list = [...this.#list.slice(-3), notice];
  }

  dismiss(id: number): void {
    this.#list = this.#list.filter((n) => n.id !== id);
  }
}

/**
 * What the connection banner says, or null when there is nothing to say. Only a seated
 * player has a seat to keep: the host, a spectator and the projector just reconnect.
 */
export function linkBanner(
  link: Link,
  seated: boolean,
): { kind: 'lost' | 'back'; text: string } | null {
  if (link === 'lost') {
    return {
      kind: 'lost',
      text: `Connection lost. Reconnecting…${seated ? ' your seat is kept.' : ''} Buttons wait until you are back.`,
    };
  }
  if (link === 'back') {
    return {
      kind: 'back',
      text: seated ? 'Connected again. You are back in your seat.' : 'Connected again.',
    };
  }
  return null;
}

/**
 * New log lines for a screen reader, at most one summary per `everyMs`: a burst of lines (a
 * propose loop prints twenty) is one sentence, "3 new lines. The last: Amy chose : Dune".
 * `later` is the page's timer (tests pass their own).
 */
export class LineAnnouncer {
  #text = $state('');
  #waiting = 0;
  #last = '';
  #quietUntil = 0;
  #scheduled = false;

  constructor(
    private readonly clock: () => number,
    private readonly later: (run: () => void, ms: number) => void,
    private readonly everyMs = 1000,
  ) {}

  /** The summary a live region says now. */
  get text(): string {
    return this.#text;
  }

  /** `count` new lines arrived, the last of them `last`. */
  add(count: number, last: string): void {
    if (count <= 0) return;
    this.#waiting += count;
    if (last.trim() !== '') this.#last = last.trim();
    if (this.#scheduled) return;
    const wait = this.#quietUntil - this.clock();
    if (wait <= 0) {
      this.#say();
      return;
    }
    this.#scheduled = true;
    this.later(() => {
      this.#scheduled = false;
      this.#say();
    }, wait);
  }

  #say(): void {
    if (this.#waiting === 0) return;
    const n = this.#waiting;
    this.#text = n === 1 ? `New line: ${this.#last}` : `${n} new lines. The last: ${this.#last}`;
    this.#waiting = 0;
    this.#quietUntil = this.clock() + this.everyMs;
  }
}
