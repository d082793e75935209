import type { ErrorBody } from '../shared/protocol/index.ts';
import type { Failed, RoomLog } from './hosted.ts';
import type { Logger } from './log.ts';
import type { SqliteStore, Write } from './store/sqlite.ts';

/** One write and what became of it. */
export interface Committed<T> {
  write: Write;
  /** The caller's own record of the write, handed back as it was given. */
  tag: T;
  ok: boolean;
  /** Why it did not commit, when the log says more than INTERNAL would (`LogError`). */
  error?: ErrorBody;
}

/**
 * A commit that failed with a sentence of its own for the people whose commands were in it
 * (cluster mode: the connection to Redis broke before its answer, so the writes may be in).
 */
export class LogError extends Error {
  constructor(readonly answer: ErrorBody) {
    super(answer.message);
  }
}

/**
 * Group commit: the writes that arrive in one turn of the event loop (from
 * every room) go to the log in ONE commit; the disk sees one commit instead of
 * dozens (profiling showed the per-command transaction as the server's largest
 * cost).
 *
 * It knows nothing of rooms in memory: it writes, then hands every write back
 * in order, each marked committed or not, in one synchronous call (`settle`).
 * Persist before ack or broadcast holds because nobody hears of a write before
 * `settle` is called with it. A log that answers later (cluster mode: Redis)
 * has one commit in flight at a time; what arrives meanwhile waits for the
 * next, larger, one, so batches keep their order.
 */
export class GroupCommit<T> {
  private queue: { write: Write; tag: T }[] = [];
  private scheduled = false;
  /** A commit of a log that answers later is in flight. */
  private busy = false;

  constructor(
    private readonly log: Pick<RoomLog, 'commit'>,
    private readonly logger: Logger,
    private readonly settle: (batch: Committed<T>[]) => void,
  ) {}

  /** Queues a write for the next flush. A write without events still comes back, in its place. */
  enqueue(write: Write, tag: T): void {
    this.queue.push({ write, tag });
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.busy || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Resolves once nothing is queued: what was written is durable and settled. */
  async idle(): Promise<void> {
    while (this.scheduled || this.busy) await new Promise((resolve) => setImmediate(resolve));
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    let error: ErrorBody | undefined;
    const done = (failed: Failed) =>
      this.settle(
        batch.map(({ write, tag }, i) => {
          if (!failed.has(i)) return { write, tag, ok: true };
          const why = failed instanceof Map ? (failed.get(i) as ErrorBody) : error;
          return { write, tag, ok: false, ...(why ? { error: why } : {}) };
        }),
      );
    const all = (err: unknown) => {
      if (err instanceof LogError) error = err.answer;
      return new Set(batch.keys());
    };
    let failed: Failed | Promise<Failed>;
    try {
      failed = this.log.commit(batch.map((item) => item.write));
    } catch (err) {
      this.logger.error('group commit failed', err);
      failed = all(err);
    }
    if (!(failed instanceof Promise)) return done(failed);
    this.busy = true;
    failed
      .catch((err: unknown) => {
        this.logger.error('group commit failed', err);
        return all(err);
      })
      .then(done)
      .catch((err: unknown) => this.logger.error('settling a group commit failed', err))
      .finally(() => {
        this.busy = false;
        this.schedule();
      });
  }
}

/**
 * The single process's log: the SQLite file. A batch is one transaction; if it fails, each
 * write is retried on its own, so one room's bad write fails only that room's writes: the
 * first that failed and those queued after it (they were decided on top of it).
 */
export function sqliteLog(store: SqliteStore, logger: Logger): RoomLog {
  return {
    commit(writes) {
      const real = writes.filter((w) => w.envelopes.length > 0);
      try {
        if (real.length > 0) store.appendBatch(real);
        return new Set();
      } catch (err) {
        logger.error(`a commit of ${real.length} writes failed; retrying one by one`, err);
      }
      const failed = new Set<number>();
      const broken = new Set<string>();
      writes.forEach((w, i) => {
        if (broken.has(w.room)) {
          failed.add(i);
          return;
        }
        try {
          if (w.envelopes.length > 0) store.appendBatch([w]);
        } catch (err) {
          logger.error(`room ${w.room}: commit failed`, err);
          broken.add(w.room);
          failed.add(i);
        }
      });
      return failed;
    },
    create(write) {
      store.appendBatch([write]);
      return Promise.resolve(true);
    },
    setScreenKey(room, keyHash) {
      store.setScreenKey(room, keyHash);
      return Promise.resolve();
    },
    addBrowser(room, browserHash, playerId) {
      store.addBrowser(room, browserHash, playerId);
      return Promise.resolve();
    },
  };
}
