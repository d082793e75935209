// The room host on a real SQLite file, without sockets: group commit, isolation, reload.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../server/log.ts';
import type { Transport } from '../../server/rooms.ts';
import { RoomHost } from '../../server/rooms.ts';
import { SqliteStore } from '../../server/store/sqlite.ts';
import type { Envelope, RoomSettings } from '../../shared/room/index.ts';
import { DEFAULT_MOVIES } from '../../shared/room/index.ts';
import { tempDir } from './helpers.ts';

const SETTINGS: RoomSettings = {
  movies: DEFAULT_MOVIES,
  seats: 5,
  quorum: null,
  delivery: 'instant',
  valueRule: 'seed',
};
const HOST = { role: 'host' } as const;

/** What the transport was asked to send, per room (the socket layer is not under test here). */
function recorder(): Transport & { sent: Map<string, Envelope[]> } {
  const sent = new Map<string, Envelope[]>();
  return {
    sent,
    publish: (code, envelopes) => sent.set(code, [...(sent.get(code) ?? []), ...envelopes]),
    revoke: () => {},
  };
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function host(path: string) {
  const store = new SqliteStore(path);
  const transport = recorder();
  let t = 0;
  const rooms = new RoomHost({ store, clock: () => ++t, transport, logger: silentLogger });
  cleanups.push(() => store.close());
  return { store, transport, rooms };
}

function dbFile(): string {
  const tmp = tempDir();
  cleanups.push(tmp.cleanup);
  return join(tmp.dir, 'rooms.db');
}

describe('room host', () => {
  it('commits the commands of one turn together, and a broken room fails only its own', async () => {
    const path = dbFile();
    const { store, transport, rooms } = host(path);
    const a = (await rooms.create(SETTINGS)).code;
    const b = (await rooms.create(SETTINGS)).code;
    // Someone looks at both rooms, so they stay in memory.
    rooms.subscribe(a);
    rooms.subscribe(b);
    const intruder = new Database(path);
    intruder
      .prepare('INSERT INTO events VALUES (?, 3, 0, ?)')
      .run(a, JSON.stringify({ type: 'note', text: 'in the way' }));
    intruder.close();

    // Decided in one synchronous turn: a's second command builds on its first.
    const results = await Promise.all([
      rooms.run(a, { type: 'host:say', text: 'a1' }, HOST),
      rooms.run(b, { type: 'host:say', text: 'b1' }, HOST),
      rooms.run(a, { type: 'host:say', text: 'a2' }, HOST),
      rooms.run(b, { type: 'host:say', text: 'b2' }, HOST),
    ]);
    expect(results).toEqual([
      { ok: true, seq: 2 },
      { ok: true, seq: 2 },
      { ok: false, error: expect.objectContaining({ code: 'internal' }) },
      { ok: true, seq: 3 },
    ]);
    // a1 committed (it was before the failure); a2 did not, and a is back at seq 2.
    expect(store.load(a).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(store.load(a)[2]!.event).toEqual({ type: 'note', text: 'in the way' });
    expect(rooms.open(a)!.seq).toBe(2);
    expect(transport.sent.get(a)!.map((e) => e.event)).toEqual([{ type: 'note', text: 'a1' }]);
    expect(transport.sent.get(b)!.map((e) => e.seq)).toEqual([2, 3]);
  });

  it("a room's commands of one turn go out as one broadcast before any is answered; a revocation cuts it", async () => {
    const store = new SqliteStore(':memory:');
    cleanups.push(() => store.close());
    const said: string[] = [];
    const transport: Transport = {
      publish: (code, envelopes, before, after) =>
        said.push(`${code} ${envelopes.map((e) => e.seq).join(',')} ${before.seq}->${after.seq}`),
      revoke: (code, playerId) => said.push(`${code} revoke ${playerId}`),
    };
    let t = 0;
    const rooms = new RoomHost({ store, clock: () => ++t, transport, logger: silentLogger });
    const a = (await rooms.create(SETTINGS)).code;
    const b = (await rooms.create(SETTINGS)).code;
    rooms.subscribe(a);
    rooms.subscribe(b);
    const amy = await rooms.join(a, 'amy', false);
    if (!amy.ok) throw new Error('amy could not join');
    said.length = 0;
    const answered = (p: Promise<{ ok: boolean }>, name: string) =>
      p.then((r) => said.push(`answer ${name} ${r.ok}`));
    // One synchronous turn: both rooms' commands reach the same group commit.
    const answers = [
      answered(rooms.run(a, { type: 'host:say', text: 'a1' }, HOST), 'a1'),
      answered(rooms.run(b, { type: 'host:say', text: 'b1' }, HOST), 'b1'),
      answered(rooms.run(a, { type: 'host:say', text: 'a2' }, HOST), 'a2'),
      answered(rooms.run(a, { type: 'host:kick', playerId: amy.playerId }, HOST), 'kick'),
      answered(rooms.run(a, { type: 'host:say', text: 'a3' }, HOST), 'a3'),
      answered(rooms.run(b, { type: 'host:say', text: 'b2' }, HOST), 'b2'),
    ];
    await Promise.all(answers);
    expect(said).toEqual([
      // a's commands up to the kick together, then the revocation, then the rest of a and b.
      `${a} 3,4,5 2->5`,
      `${a} revoke ${amy.playerId}`,
      `${a} 6 5->6`,
      `${b} 2,3 1->3`,
      ...['a1', 'b1', 'a2', 'kick', 'a3', 'b2'].map((name) => `answer ${name} true`),
    ]);
    // Each command still answers with its own seq, and the log is what was broadcast.
    expect(await rooms.run(a, { type: 'host:say', text: 'a4' }, HOST)).toEqual({
      ok: true,
      seq: 7,
    });
    expect(store.load(a).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('a reloaded room marks the players the log shows connected as gone', async () => {
    const path = dbFile();
    const first = host(path);
    const code = (await first.rooms.create(SETTINGS)).code;
    first.rooms.subscribe(code);
    for (const name of ['amy', 'ben']) {
      expect((await first.rooms.join(code, name, false)).ok).toBe(true);
    }
    // A second process on the same file, as after kill -9 and a restart.
    const second = host(path);
    const state = second.rooms.open(code)!;
    expect(state.players.every((p) => p.connected)).toBe(true);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    const log = second.store.load(code);
    expect(log.slice(-2).map((e) => e.event)).toEqual(
      state.players.map((p) => ({ type: 'presenceChanged', playerId: p.id, connected: false })),
    );
    expect(second.rooms.open(code)!.players.some((p) => p.connected)).toBe(false);
  });

  it('sync sends up to 500 missed events, and a snapshot past that', async () => {
    const { rooms } = host(':memory:');
    const code = (await rooms.create(SETTINGS)).code;
    rooms.subscribe(code);
    const said = [];
    for (let i = 0; i < 600; i++)
      said.push(rooms.run(code, { type: 'host:say', text: `${i}` }, HOST));
    await Promise.all(said);
    const near = rooms.sync(code, 101);
    expect('events' in near && near.events.map((e) => e.seq)).toEqual(
      Array.from({ length: 500 }, (_, i) => 102 + i),
    );
    const far = rooms.sync(code, 100);
    expect('snapshot' in far && far.snapshot.state.seq).toBe(601);
    expect(rooms.sync(code, 601)).toEqual({ events: [] });
  });

  it('a room leaves memory when nobody looks and nothing is queued', async () => {
    const { rooms } = host(':memory:');
    const code = (await rooms.create(SETTINGS)).code;
    rooms.subscribe(code);
    const said = rooms.run(code, { type: 'host:say', text: 'x' }, HOST);
    rooms.unsubscribe(code);
    expect(rooms.size).toBe(1);
    await said;
    expect(rooms.size).toBe(0);
    expect(rooms.open(code)!.seq).toBe(2);
  });

  it("a room's queue decides in submission order, also for a command a listener submits while the room settles", async () => {
    const { rooms, store } = host(':memory:');
    const code = (await rooms.create(SETTINGS)).code;
    rooms.subscribe(code);
    const answers: Promise<unknown>[] = [];
    let once = true;
    rooms.listen({
      changed: (_code, state) => {
        // A driver (a bot, a timer) reacts to the first commit by submitting a command of its own.
        if (once && state.seq >= 2) {
          once = false;
          answers.push(rooms.run(code, { type: 'host:say', text: 'driver' }, HOST));
        }
      },
      holds: () => false,
      released: () => {},
    });
    answers.push(rooms.run(code, { type: 'host:say', text: 'first' }, HOST));
    answers.push(rooms.run(code, { type: 'host:say', text: 'second' }, HOST));
    await Promise.all(answers);
    await rooms.idle();
    await Promise.all(answers); // now with the driver's command too
    const said = store.load(code).flatMap((e) => (e.event.type === 'note' ? [e.event.text] : []));
    expect(said).toEqual(['first', 'second', 'driver']);
    expect(store.load(code).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
  });
});
