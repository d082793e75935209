// A server restart during a turn-based round resumes the turn where it was: the same seat,
// the same deadline, the actions already taken. Real servers on one SQLite file, real
// sockets, a fake clock; the crash case starts from a log that still says everyone is here.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../server/log.ts';
import { RoomHost } from '../../server/rooms.ts';
import { SqliteStore } from '../../server/store/sqlite.ts';
import type { RoomEvent } from '../../shared/room/index.ts';
import { DEFAULT_MOVIES, DEFAULT_RULES } from '../../shared/room/index.ts';
import { connect, data, errorCode, fakeTime, startServer, tempDir } from './helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const RULES = { mode: 'turns', actionsPerTurn: 3, turnSeconds: 60 } as const;

const turnEvents = (events: { event: RoomEvent }[]) =>
  events.map((e) => e.event).filter((e) => e.type === 'turnEnded' || e.type === 'turnStarted');

describe('a restart in a turn-based round', () => {
  it('keeps the turn (seat, deadline, actions) across a graceful restart', async () => {
    const dbPath = join(tmp.dir, 'graceful.db');
    const time = fakeTime();
    const options = { dbPath, clock: time.clock, scheduler: time.scheduler };
    const first = await startServer(options);
    const host = await connect(first.url);
    const created = data(await host.emitWithAck('room:create', { settings: { rules: RULES } }));
    const code = created.identity.code;
    const amy = await connect(first.url);
    const ben = await connect(first.url);
    const amyToken = data(await amy.emitWithAck('room:join', { code, name: 'amy' })).token;
    const benToken = data(await ben.emitWithAck('room:join', { code, name: 'ben' })).token;
    data(await host.emitWithAck('host:startRound', {}));
    data(await amy.emitWithAck('node:newProposal', { value: 'Dune' }));
    data(await amy.emitWithAck('node:promiseRequest', { to: 'Amy' }));
    await time.advance(20_000);
    const turn = first.server.rooms.open(code)!.round!.turn!;
    expect(turn).toMatchObject({ seat: 'Amy', number: 1, actionsLeft: 2 });
    const { endsAt } = turn;

    await first.close(); // the sockets are closed by the server: "server shutting down"
    for (const s of [host, amy, ben]) s.disconnect();

    const second = await startServer(options);
    const log = () => second.store.load(code);
    // Everybody is away, yet the turn is Amy's as it was: nothing passed it.
    const state = second.server.rooms.open(code)!;
    expect(state.players.filter((p) => p.connected)).toEqual([]);
    expect(state.round!.turn).toMatchObject({ seat: 'Amy', number: 1, actionsLeft: 2, endsAt });
    expect(turnEvents(log())).toEqual([{ type: 'turnStarted', seat: 'Amy', number: 1 }]);

    // Amy comes back and plays on in the same turn; Ben cannot play in it.
    const amy2 = await connect(second.url);
    const ben2 = await connect(second.url);
    data(await amy2.emitWithAck('room:resume', { code, token: amyToken }));
    data(await ben2.emitWithAck('room:resume', { code, token: benToken }));
    expect(errorCode(await ben2.emitWithAck('node:endTurn', {}))).toBe('conflict');
    data(await amy2.emitWithAck('node:promiseRequest', { to: 'Ben' }));
    expect(second.server.rooms.open(code)!.round!.turn).toMatchObject({
      seat: 'Amy',
      number: 1,
      actionsLeft: 1,
      endsAt,
    });

    // Its timer is the old one: the turn passes at the deadline it always had.
    const before = log().length;
    await time.advance(endsAt! - time.now - 1);
    expect(second.server.rooms.open(code)!.round!.turn!.seat).toBe('Amy');
    await time.advance(1);
    expect(turnEvents(log().slice(before))).toEqual([
      { type: 'turnEnded', seat: 'Amy', reason: 'timeout' },
      { type: 'turnStarted', seat: 'Ben', number: 2 },
    ]);
    for (const s of [amy2, ben2]) s.disconnect();
    await second.close();
    expect([...first.errors, ...second.errors]).toEqual([]);
  });

  it('after a crash (the log says the players are here) the turn is kept, and a turn whose time ran out passes', async () => {
    const dbPath = join(tmp.dir, 'crash.db');
    const time = fakeTime();
    // The room as a crashed server left it: written by the room host, no socket ever closed.
    const store = new SqliteStore(dbPath);
    const rooms = new RoomHost({
      store,
      clock: time.clock,
      transport: { publish: () => {}, revoke: () => {} },
      logger: silentLogger,
    });
    const settings = {
      movies: DEFAULT_MOVIES,
      seats: 5,
      quorum: null,
      delivery: 'instant' as const,
      valueRule: 'seed' as const,
      rules: { ...DEFAULT_RULES, ...RULES },
    };
    const code = (await rooms.create(settings)).code;
    rooms.subscribe(code);
    const amy = await rooms.join(code, 'amy', false);
    const ben = await rooms.join(code, 'ben', false);
    if (!amy.ok || !ben.ok) throw new Error('join refused');
    expect((await rooms.run(code, { type: 'host:startRound' }, { role: 'host' })).ok).toBe(true);
    const as = (playerId: string) => ({ role: 'player', playerId }) as const;
    await rooms.run(code, { type: 'node:newProposal', value: 'Dune' }, as(amy.playerId));
    await rooms.run(code, { type: 'node:promiseRequest', to: 'Ben' }, as(amy.playerId));
    await rooms.idle();
    const turn = rooms.open(code)!.round!.turn!;
    expect(turn).toMatchObject({ seat: 'Amy', number: 1, actionsLeft: 2 });
    expect(rooms.open(code)!.players.every((p) => p.connected)).toBe(true);
    store.close();

    await time.advance(30_000);
    const server = await startServer({ dbPath, clock: time.clock, scheduler: time.scheduler });
    await server.server.rooms.idle();
    const state = server.server.rooms.open(code)!;
    expect(state.players.some((p) => p.connected)).toBe(false);
    expect(state.round!.turn).toMatchObject({ seat: 'Amy', number: 1, actionsLeft: 2 });
    expect(state.round!.turn!.endsAt).toBe(turn.endsAt);

    const socket = await connect(server.url);
    data(await socket.emitWithAck('room:resume', { code, token: amy.token }));
    data(await socket.emitWithAck('node:promiseRequest', { to: 'Cal' }));
    expect(server.server.rooms.open(code)!.round!.turn).toMatchObject({ seat: 'Amy', number: 1 });
    await server.close();
    socket.disconnect();

    // Down past the deadline: on the next start the turn passes at once, as a timeout.
    await time.advance(120_000);
    const again = await startServer({ dbPath, clock: time.clock, scheduler: time.scheduler });
    await time.advance(0);
    await again.server.rooms.idle();
    // Nobody is back yet, so no next turn starts: the round waits for a person.
    expect(turnEvents(again.store.load(code))).toEqual([
      { type: 'turnStarted', seat: 'Amy', number: 1 },
      { type: 'turnEnded', seat: 'Amy', reason: 'timeout' },
    ]);
    await again.close();
    expect([...server.errors, ...again.errors]).toEqual([]);
  });
});
