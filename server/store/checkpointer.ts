import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/*
 * SQLite's automatic WAL checkpoint runs inside a commit and fsyncs the
 * database: on this kind of disk that stalls the event loop for 100 ms or
 * more, which every room would feel. So the store turns it off and this worker
 * thread checkpoints on its own connection instead. A PASSIVE checkpoint never
 * blocks the writer, and under the benchmark's load it keeps the WAL near
 * 10 MB (the writer starts the file again whenever a checkpoint caught up).
 * Only if the WAL still passes 256 MB does a RESTART checkpoint hold the
 * writer back once, to bound the file. Plain JavaScript, so it runs the same
 * under tsx, vitest and node.
 */
const SOURCE = `
const { workerData } = require('node:worker_threads');
const { statSync } = require('node:fs');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 100');
const walSize = () => { try { return statSync(workerData.path + '-wal').size; } catch { return 0; } };
const tick = () => {
  try {
    db.pragma(walSize() > workerData.restartBytes ? 'wal_checkpoint(RESTART)' : 'wal_checkpoint(PASSIVE)');
  } catch (err) {
    // Busy now: the next tick tries again.
  }
};
setInterval(tick, workerData.everyMs);
`;

export class Checkpointer {
  private readonly worker: Worker;

  constructor(path: string, options: { everyMs?: number; restartBytes?: number } = {}) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(SOURCE, {
      eval: true,
      workerData: {
        path,
        driver,
        everyMs: options.everyMs ?? 500,
        restartBytes: options.restartBytes ?? 256 * 2 ** 20,
      },
    });
    // A checkpointer never keeps the process alive on its own.
    this.worker.unref();
  }

  /**
   * Stops the thread. Cutting a checkpoint short is safe: SQLite treats it
   * like a crash of that connection and the WAL still holds every commit.
   */
  stop(): void {
    void this.worker.terminate();
  }
}
