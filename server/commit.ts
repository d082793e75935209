import type { Logger } from './log.ts';
import type { SqliteStore, Write } from './store/sqlite.ts';

/** One write and what became of it. */
export interface Committed<T> {
  write: Write;
  /** The caller's own record of the write, handed back as it was given. */
  tag: T;
  ok: boolean;
}

/**
 * Group commit: the writes that arrive in one turn of the event loop (from
 * every room) go to the store in ONE SQLite transaction; the disk sees one
 * commit instead of dozens (profiling showed the per-command transaction as
 * the server's largest cost). If the batch fails, each write is retried on
 * its own, so one room's bad write fails only that room's writes: the first
 * that failed and those queued after it (they were decided on top of it).
 *
 * It knows nothing of rooms in memory: it writes, then hands every write back
 * in order, each marked committed or not, in one synchronous call (`settle`).
 * Persist before ack or broadcast holds because nobody hears of a write before
 * `settle` is called with it.
 */
export class GroupCommit<T> {
  private queue: { write: Write; tag: T }[] = [];
  private scheduled = false;

  constructor(
    private readonly store: SqliteStore,
    private readonly logger: Logger,
    private readonly settle: (batch: Committed<T>[]) => void,
  ) {}

  /** Queues a write for the next flush. A write without events still comes back, in its place. */
  enqueue(write: Write, tag: T): void {
    this.queue.push({ write, tag });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Resolves once nothing is queued: what was written is on disk and settled. */
  async idle(): Promise<void> {
    while (this.scheduled) await new Promise((resolve) => setImmediate(resolve));
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    let failed: Set<number>;
    try {
      failed = this.write(batch.map((item) => item.write));
    } catch (err) {
      this.logger.error('group commit failed', err);
      failed = new Set(batch.keys());
    }
    this.settle(batch.map(({ write, tag }, i) => ({ write, tag, ok: !failed.has(i) })));
  }

  /** Writes the batch; returns the indexes of the writes that did not commit. */
  private write(writes: Write[]): Set<number> {
    const real = writes.filter((w) => w.envelopes.length > 0);
    try {
      if (real.length > 0) this.store.appendBatch(real);
      return new Set();
    } catch (err) {
      this.logger.error(`a commit of ${real.length} writes failed; retrying one by one`, err);
    }
    const failed = new Set<number>();
    const broken = new Set<string>();
    writes.forEach((w, i) => {
      if (broken.has(w.room)) {
        failed.add(i);
        return;
      }
      try {
        if (w.envelopes.length > 0) this.store.appendBatch([w]);
      } catch (err) {
        this.logger.error(`room ${w.room}: commit failed`, err);
        broken.add(w.room);
        failed.add(i);
      }
    });
    return failed;
  }
}
