// A failing disk (here: a row in the way of the next append) fails one command, not the server.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from './helpers.ts';
import { connect, data, errorCode, roomLog, startServer, tempDir } from './helpers.ts';

const tmp = tempDir();
const dbPath = join(tmp.dir, 'test.db');
let t: TestServer;
beforeAll(async () => {
  t = await startServer({ dbPath });
});
afterAll(async () => {
  await t.close();
  tmp.cleanup();
});

describe('a failing store', () => {
  it('answers internal, keeps the room as it was, logs, and serves the next command', async () => {
    const host = await connect(t.url);
    const code = data(await host.emitWithAck('room:create', { settings: {} })).identity.code;
    const other = await connect(t.url);
    const otherCode = data(await other.emitWithAck('room:create', { settings: {} })).identity.code;
    data(await host.emitWithAck('host:say', { text: 'one' }));
    const seen: number[] = [];
    host.on('room:events', ({ events }) => seen.push(...events.map((e) => e.seq)));

    // Another writer takes seq 3 of this room: our next append fails inside its transaction.
    const intruder = new Database(dbPath);
    intruder
      .prepare('INSERT INTO events (room, seq, at, event) VALUES (?, 3, 0, ?)')
      .run(code, JSON.stringify({ type: 'note', text: 'in the way' }));
    const failed = await host.emitWithAck('host:say', { text: 'two' });
    expect(errorCode(failed)).toBe('internal');
    expect(t.errors.join('\n')).toMatch(/UNIQUE constraint failed/);
    expect(seen).toEqual([]);

    // Other rooms and the HTTP side carry on.
    data(await other.emitWithAck('host:say', { text: 'elsewhere' }));
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);

    // Once the disk is right again, the room goes on from where it was: seq 3 again.
    intruder.prepare('DELETE FROM events WHERE room = ? AND seq = 3').run(code);
    intruder.close();
    expect(data(await host.emitWithAck('host:say', { text: 'three' })).seq).toBe(3);
    const log = await roomLog(t.url, code);
    expect(log.map((e) => e.event)).toMatchObject([
      { type: 'roomCreated' },
      { type: 'note', text: 'one' },
      { type: 'note', text: 'three' },
    ]);
    expect(seen).toEqual([3]);
    expect(otherCode).not.toBe(code);
    host.disconnect();
    other.disconnect();
  });
});
