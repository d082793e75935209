import type { Actor, RoomState } from '../shared/room/index.ts';
import { autoplaySpeed } from '../shared/room/index.ts';
import type { Logger } from './log.ts';
import type { RoomHost, RoomListener } from './rooms.ts';
import type { Scheduler } from './timers.ts';

const SYSTEM: Actor = { role: 'system' };

/** After a step that failed (the disk), the driver tries again this much later. */
const RETRY_MS = 1000;

/**
 * Auto-play, a driver beside the turn timers: while a room's round has
 * auto-play on (`host:autoplay`; the speed is in the room's state, so it
 * carries on after a restart), one timer per room sends `system:step` every
 * `1000 / speed` ms through `rooms.run`, like any command. The engine decides
 * what a step does, and stops auto-play when nothing is left to deliver; the
 * round's end, a pause or the room closing stop the timer too
 * (`autoplaySpeed` is 0 then).
 */
export class AutoPlay implements RoomListener {
  /** The room's next step, and the speed it was set for. */
  private readonly timers = new Map<string, { speed: number; handle: unknown }>();
  /** Rooms whose step is being run now: their next timer is set when it is done. */
  private readonly busy = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly deps: { rooms: RoomHost; scheduler: Scheduler; logger: Logger }) {}

  changed(code: string, state: RoomState): void {
    if (!this.busy.has(code)) this.arm(code, autoplaySpeed(state));
  }

  holds(code: string): boolean {
    return this.timers.has(code) || this.busy.has(code);
  }

  released(): void {}

  /** No step is sent after this; resolves once the steps being run are done (the server is closing). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const { handle } of this.timers.values()) this.deps.scheduler.clearTimeout(handle);
    this.timers.clear();
    await Promise.all(this.running);
  }

  /** Keeps the room's one timer set for `speed` (none for 0); a new speed starts a new interval. */
  private arm(code: string, speed: number, ms = 1000 / speed): void {
    const current = this.timers.get(code);
    if (current?.speed === speed) return;
    if (current) {
      this.deps.scheduler.clearTimeout(current.handle);
      this.timers.delete(code);
    }
    if (speed <= 0 || this.stopped) return;
    const handle = this.deps.scheduler.setTimeout(() => this.fire(code, speed), ms);
    this.timers.set(code, { speed, handle });
  }

  private fire(code: string, speed: number): Promise<void> {
    if (this.timers.get(code)?.speed !== speed) return Promise.resolve();
    this.timers.delete(code);
    this.busy.add(code);
    const run = this.step(code).then((next) => {
      this.busy.delete(code);
      this.running.delete(run);
      this.after(code, next);
    });
    this.running.add(run);
    return run;
  }

  /**
   * One step. Only a failure (the disk) is tried again; a refusal (a full log, a room
   * that expired) ends the run until the room changes.
   */
  private async step(code: string): Promise<'next' | 'retry' | 'stop'> {
    try {
      const result = await this.deps.rooms.run(code, { type: 'system:step' }, SYSTEM);
      if (result.ok) return 'next';
      return result.error.code === 'internal' ? 'retry' : 'stop';
    } catch (err) {
      this.deps.logger.error(`room ${code}: auto-play failed`, err);
      return 'retry';
    }
  }

  /** After a step: the next one, at the speed the room has now; an idle room may leave memory. */
  private after(code: string, next: 'next' | 'retry' | 'stop'): void {
    const { rooms, logger } = this.deps;
    try {
      const state = next === 'stop' ? null : rooms.open(code);
      const speed = state ? autoplaySpeed(state) : 0;
      if (speed > 0) this.arm(code, speed, next === 'retry' ? RETRY_MS : 1000 / speed);
      if (!this.holds(code)) rooms.release(code);
    } catch (err) {
      logger.error(`room ${code}: auto-play failed`, err);
    }
  }
}
