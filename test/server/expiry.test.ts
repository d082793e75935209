// Retention: closed and idle rooms expire (log, tokens, cached transcript), on the server's
// clock; an expired code answers not_found everywhere; a room someone looks at is kept.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../server/ids.ts';
import { ACTIVITY_STEP_MS, SqliteStore } from '../../server/store/sqlite.ts';
import type { TestServer } from './helpers.ts';
import { connect, data, errorCode, fakeTime, startServer, tempDir } from './helpers.ts';

const MINUTE = 60_000;
const time = fakeTime();
const tmp = tempDir();
let t: TestServer;
beforeAll(async () => {
  t = await startServer({
    clock: time.clock,
    scheduler: time.scheduler,
    retention: { idleMs: 60 * MINUTE, closedMs: 10 * MINUTE },
    rateLimit: { perSecond: 1000, burst: 1000 },
  });
});
afterAll(async () => {
  await t.close();
  tmp.cleanup();
});

async function gone(code: string, hostToken: string): Promise<void> {
  const probe = await connect(t.url);
  expect(errorCode(await probe.emitWithAck('room:watch', { code }))).toBe('not_found');
  expect(errorCode(await probe.emitWithAck('room:join', { code, name: 'late' }))).toBe('not_found');
  expect(errorCode(await probe.emitWithAck('room:resume', { code, token: hostToken }))).toBe(
    'not_found',
  );
  probe.disconnect();
  for (const file of ['transcript.txt', 'transcript.json', 'qr.svg']) {
    expect((await fetch(`${t.url}/api/rooms/${code}/${file}`)).status).toBe(404);
  }
  expect(t.store.load(code)).toEqual([]);
  expect(t.store.credential(hashToken(hostToken))).toBeNull();
}

async function kept(code: string): Promise<void> {
  expect((await fetch(`${t.url}/api/rooms/${code}/transcript.txt`)).status).toBe(200);
}

describe('retention', () => {
  it('deletes closed rooms after closedMs and idle ones after idleMs; activity and watchers keep a room', async () => {
    const host = await connect(t.url);
    const make = async () => data(await host.emitWithAck('room:create', { settings: {} }));
    const closed = await make();
    const idle = await make();
    const active = await make();
    const watched = await make();
    data(
      await host.emitWithAck('room:resume', {
        code: closed.identity.code,
        token: closed.hostToken,
      }),
    );
    data(await host.emitWithAck('host:close', {}));
    // A player joins the idle room and leaves: its presence changes are the server's, not activity.
    const amy = await connect(t.url);
    data(await amy.emitWithAck('room:join', { code: idle.identity.code, name: 'amy' }));
    const screen = await connect(t.url);
    data(await screen.emitWithAck('room:watch', { code: watched.identity.code }));
    host.disconnect();
    // Fill the closed room's transcript cache, to see it go too.
    await kept(closed.identity.code);

    await time.advance(11 * MINUTE);
    amy.disconnect();
    expect(await t.server.expiry.sweep()).toEqual([closed.identity.code]);
    await gone(closed.identity.code, closed.hostToken);

    const actor = await connect(t.url);
    data(
      await actor.emitWithAck('room:resume', {
        code: active.identity.code,
        token: active.hostToken,
      }),
    );
    data(await actor.emitWithAck('host:say', { text: 'still here' }));
    actor.disconnect();
    await time.advance(50 * MINUTE);
    expect(await t.server.expiry.sweep()).toEqual([idle.identity.code]);
    await gone(idle.identity.code, idle.hostToken);
    for (const room of [active, watched]) await kept(room.identity.code);

    // Once nobody watches, the next sweep takes the watched room.
    screen.disconnect();
    await new Promise((r) => setTimeout(r, 50));
    expect(await t.server.expiry.sweep()).toEqual([watched.identity.code]);
    await gone(watched.identity.code, watched.hostToken);
    await kept(active.identity.code);
  });

  it('deletes a big room in steps, each leaving a prefix of its log', async () => {
    const host = await connect(t.url);
    const room = data(await host.emitWithAck('room:create', { settings: {} }));
    const { code } = room.identity;
    const says = Array.from({ length: 4499 }, (_, i) =>
      t.server.rooms.run(code, { type: 'host:say', text: `${i}` }, { role: 'host' }),
    );
    await Promise.all(says);
    host.disconnect();
    const store = t.store;
    expect(store.lastSeq(code)).toBe(4500);
    // The steps the sweep takes, one by one: tokens first, then the log from its end.
    expect(store.deleteRoomStep(code, 2000)).toBe(false);
    expect(store.credential(hashToken(room.hostToken))).toBeNull();
    expect(store.load(code).map((e) => e.seq)).toEqual(
      Array.from({ length: 2500 }, (_, i) => i + 1),
    );
    expect(store.deleteRoomStep(code, 2000)).toBe(false);
    expect(store.lastSeq(code)).toBe(500);
    expect(store.deleteRoomStep(code, 2000)).toBe(true);
    expect(store.load(code)).toEqual([]);
    expect(store.expiredRooms(Infinity, Infinity, 1000)).not.toContain(code);
  });

  it('a busy room writes its activity at most once a step; a close is written at once', () => {
    const store = new SqliteStore(join(tmp.dir, 'activity.db'));
    const t0 = 1_000_000;
    let seq = 0;
    const write = (at: number, type: 'note' | 'roomClosed' = 'note') =>
      store.appendBatch([
        {
          room: 'CCCCC',
          envelopes: [
            type === 'note'
              ? { seq: ++seq, at, event: { type: 'note', text: 'hi' } }
              : { seq: ++seq, at, event: { type: 'roomClosed' } },
          ],
          change: {},
          active: true,
        },
      ]);
    const storedActivity = () => {
      for (let at = t0; at <= t0 + 3 * ACTIVITY_STEP_MS; at += 1000) {
        if (store.expiredRooms(at + 1, 0, 10).length > 0) return at;
      }
      return null;
    };
    write(t0);
    expect(storedActivity()).toBe(t0);
    // Within the step: the events commit, the activity row is left as it was.
    write(t0 + ACTIVITY_STEP_MS - 1000);
    expect(store.lastSeq('CCCCC')).toBe(2);
    expect(storedActivity()).toBe(t0);
    write(t0 + ACTIVITY_STEP_MS);
    expect(storedActivity()).toBe(t0 + ACTIVITY_STEP_MS);
    // A close is written whenever it happens, even within the step.
    write(t0 + ACTIVITY_STEP_MS + 1000, 'roomClosed');
    expect(store.expiredRooms(0, t0 + ACTIVITY_STEP_MS + 1001, 10)).toEqual(['CCCCC']);
    store.close();
  });

  it('a database from before retention gets every room’s last event as its activity', () => {
    const path = join(tmp.dir, 'old.db');
    const old = new Database(path);
    old.exec(
      'CREATE TABLE events (room TEXT, seq INTEGER, at INTEGER, event TEXT, PRIMARY KEY (room, seq))',
    );
    const insert = old.prepare('INSERT INTO events VALUES (?, ?, ?, ?)');
    insert.run('AAAAA', 1, 1000, JSON.stringify({ type: 'roomCreated', code: 'AAAAA' }));
    insert.run('AAAAA', 2, 5000, JSON.stringify({ type: 'note', text: 'hi' }));
    insert.run('BBBBB', 1, 2000, JSON.stringify({ type: 'roomCreated', code: 'BBBBB' }));
    insert.run('BBBBB', 2, 3000, JSON.stringify({ type: 'roomClosed' }));
    old.close();
    const store = new SqliteStore(path);
    expect(store.expiredRooms(4000, 0, 10)).toEqual(['BBBBB']);
    expect(store.expiredRooms(6000, 0, 10)).toEqual(['AAAAA', 'BBBBB']);
    expect(store.expiredRooms(0, 3001, 10)).toEqual(['BBBBB']);
    store.close();
  });
});
