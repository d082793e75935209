import type { Actor, RoomState } from '../shared/room/index.ts';
import type { Logger } from './log.ts';
import type { RoomHost, RoomListener } from './rooms.ts';

/** Timers, injected so that tests can run them on a fake clock. */
export interface Scheduler {
  /** Calls `fn` after `ms`; what `fn` returns (a promise) is for a fake scheduler to await. */
  setTimeout(fn: () => unknown, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realScheduler: Scheduler = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

const SYSTEM: Actor = { role: 'system' };

/** After a tick that failed (the disk), the timer tries again this much later. */
const RETRY_MS = 1000;

/** When the turn being played passes on its own, or null: no turn, paused, or no round. */
export function turnDeadline(state: RoomState): number | null {
  const round = state.round;
  if (state.status !== 'open' || round?.status !== 'playing' || state.paused) return null;
  return round.turn?.endsAt ?? null;
}

/**
 * Turn timers: time enters the engine as a `tick` command from the system.
 * Exactly one timer per room, set for the turn's `endsAt` after every commit
 * (and when a room is loaded); it runs the tick through `rooms.run` like any
 * command. The engine decides whether the turn has passed.
 */
export class TurnTimers implements RoomListener {
  private readonly timers = new Map<string, { at: number; handle: unknown }>();
  private stopped = false;

  constructor(
    private readonly deps: {
      rooms: RoomHost;
      clock: () => number;
      scheduler: Scheduler;
      logger: Logger;
    },
  ) {}

  changed(code: string, state: RoomState): void {
    this.arm(code, turnDeadline(state), 0);
  }

  holds(code: string): boolean {
    return this.timers.has(code);
  }

  released(): void {}

  /** Clears every timer; nothing is set after this (the server is closing). */
  stop(): void {
    this.stopped = true;
    for (const { handle } of this.timers.values()) this.deps.scheduler.clearTimeout(handle);
    this.timers.clear();
  }

  /** Keeps the room's one timer set for `at` (at least `minMs` from now), or none for null. */
  private arm(code: string, at: number | null, minMs: number): void {
    const current = this.timers.get(code);
    if (current && current.at === at && minMs === 0) return;
    if (current) {
      this.deps.scheduler.clearTimeout(current.handle);
      this.timers.delete(code);
    }
    if (at === null || this.stopped) return;
    const ms = Math.max(minMs, at - this.deps.clock());
    const handle = this.deps.scheduler.setTimeout(() => this.fire(code, at), ms);
    this.timers.set(code, { at, handle });
  }

  private async fire(code: string, at: number): Promise<void> {
    if (this.timers.get(code)?.at !== at) return;
    this.timers.delete(code);
    const { rooms, clock, logger } = this.deps;
    try {
      const result = await rooms.run(code, { type: 'system:tick', now: clock() }, SYSTEM);
      // A tick that came early changed nothing and committed nothing: set the timer again.
      // Only a failure (the disk) is retried: a room that expired or is full has no more turns.
      if (!result.ok) {
        if (result.error.code === 'internal') this.arm(code, at, RETRY_MS);
      } else {
        const state = rooms.open(code);
        if (state) this.arm(code, turnDeadline(state), 0);
      }
    } catch (err) {
      logger.error(`room ${code}: the turn timer failed`, err);
      this.arm(code, at, RETRY_MS);
    }
    try {
      if (!this.timers.has(code)) rooms.release(code);
    } catch (err) {
      logger.error(`room ${code}: releasing it failed`, err);
    }
  }
}
