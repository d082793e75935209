/*
 * The server's clock, ticking in this browser: a turn's deadline (`endsAt`)
 * is server time, and `now` follows it four times a second while shown.
 */
export class Countdown {
  #now = $state.raw(0);
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly serverNow: () => number) {
    this.#now = serverNow();
  }

  /** The server's time at the last tick. */
  get now(): number {
    return this.#now;
  }

  /** Starts ticking; returns the stop function (for an $effect's cleanup). */
  start(): () => void {
    this.#now = this.serverNow();
    this.#timer ??= setInterval(() => (this.#now = this.serverNow()), 250);
    return () => {
      if (this.#timer !== null) clearInterval(this.#timer);
      this.#timer = null;
    };
  }
}
