import type { Logger } from './log.ts';
import type { RoomHost } from './rooms.ts';
import type { SqliteStore } from './store/sqlite.ts';
import type { Transcripts } from './transcripts.ts';

/*
 * Retention: nothing lives forever. A room nobody (no person: the host or a
 * player who is not a bot) has acted in for `idleMs`, or closed for
 * `closedMs`, is deleted: its log, its tokens, its cached transcript. Then
 * its code answers `not_found` everywhere, like a code that never was. A room
 * a socket is in is kept until nobody looks (a projector left on a closed room).
 */

export interface Retention {
  /** A room with no person's command (or join) for this long expires [14 days]. */
  idleMs: number;
  /** A closed room expires this long after `host:close` [2 days]. */
  closedMs: number;
  /** How often the server looks for expired rooms [10 minutes]. */
  everyMs: number;
}

const HOUR = 3_600_000;
export const DEFAULT_RETENTION: Retention = {
  idleMs: 14 * 24 * HOUR,
  closedMs: 2 * 24 * HOUR,
  everyMs: 10 * 60_000,
};

/** Rooms looked at per query, and events deleted per step (a step stays in the milliseconds). */
const BATCH = 100;
const DELETE_CHUNK = 2000;

const yieldNow = () => new Promise((resolve) => setImmediate(resolve));

export class RoomExpiry {
  /**
   * The sweep's own timer, always a real one and unref'd: it never keeps the
   * process alive, and a test's fake scheduler counts only turns and bots
   * (tests sweep by calling `sweep`).
   */
  private handle: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private running: Promise<string[]> | null = null;

  constructor(
    private readonly deps: {
      store: SqliteStore;
      rooms: RoomHost;
      transcripts: Transcripts;
      /** The server's clock: a room's age is measured in the time its events were stamped with. */
      clock: () => number;
      logger: Logger;
      retention: Retention;
    },
  ) {}

  /** Sweeps now, then every `everyMs`. */
  start(): void {
    this.arm(0);
  }

  /** No sweep after this; resolves once the one running (if any) is done. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.handle !== null) clearTimeout(this.handle);
    this.handle = null;
    await this.running;
  }

  private arm(ms: number): void {
    if (this.stopped) return;
    this.handle = setTimeout(() => {
      this.handle = null;
      void this.sweep().then(() => this.arm(this.deps.retention.everyMs));
    }, ms);
    this.handle.unref();
  }

  /** Deletes every room that expired by the clock's now; resolves to their codes. */
  sweep(): Promise<string[]> {
    this.running ??= this.run().finally(() => (this.running = null));
    return this.running;
  }

  private async run(): Promise<string[]> {
    const { store, rooms, transcripts, clock, retention, logger } = this.deps;
    const expired: string[] = [];
    const kept = new Set<string>();
    try {
      for (;;) {
        const now = clock();
        const due = store
          .expiredRooms(now - retention.idleMs, now - retention.closedMs, BATCH + kept.size)
          .filter((code) => !kept.has(code));
        if (due.length === 0) break;
        for (const code of due) {
          if (this.stopped) return expired;
          // In use (a socket looks at it, a command is queued): kept for the next sweep.
          if (!rooms.expire(code)) {
            kept.add(code);
            continue;
          }
          transcripts.forget(code);
          while (!store.deleteRoomStep(code, DELETE_CHUNK)) await yieldNow();
          transcripts.forget(code);
          rooms.forget(code);
          expired.push(code);
          await yieldNow();
        }
      }
    } catch (err) {
      logger.error('deleting expired rooms failed', err);
    }
    if (expired.length > 0) logger.info(`retention: ${expired.length} expired rooms deleted`);
    return expired;
  }
}
