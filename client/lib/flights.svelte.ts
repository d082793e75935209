/*
 * Messages in the air on the room map: each request and reply of a live
 * batch flies once from sender to receiver, then is forgotten. Cosmetic only:
 * the state has already changed when a flight starts.
 */
import type { FlightSpec } from './views.ts';

export interface Flight extends FlightSpec {
  key: number;
  /** Milliseconds to wait before it starts, so a burst of messages plays in order. */
  delay: number;
}

export const FLIGHT_MS = 900;

/** setTimeout that can all be cancelled at once, when the page leaves the room. */
export class Timers {
  // Bookkeeping, not state: nothing renders from it.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  #pending = new Set<ReturnType<typeof setTimeout>>();

  later(run: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.#pending.delete(t);
      run();
    }, ms);
    this.#pending.add(t);
  }

  clear(): void {
    for (const t of this.#pending) clearTimeout(t);
    this.#pending.clear();
  }
}

export class Flights {
  #list = $state.raw<Flight[]>([]);
  #key = 1;

  constructor(private readonly timers: Timers) {}

  /** The messages in the air now, oldest first. */
  get list(): Flight[] {
    return this.#list;
  }

  /** Plays a batch; a burst (a propose loop sends 20 messages) lasts about three seconds. */
  fly(specs: FlightSpec[]): void {
    if (specs.length === 0) return;
    const stagger = Math.min(450, 3000 / specs.length);
    const added = specs.map((s, i) => ({ ...s, key: this.#key++, delay: i * stagger }));
    this.#list = [...this.#list, ...added].slice(-60);
    const done = added.map((f) => f.key);
    this.timers.later(
      () => {
        this.#list = this.#list.filter((f) => !done.includes(f.key));
      },
      (specs.length - 1) * stagger + FLIGHT_MS + 100,
    );
  }
}
