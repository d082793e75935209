// host:fork over real sockets: a what-if room from any point of a room's log, for its host only,
// equal to the parent at the fork point, kept across a restart, and paid from the room budget.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { roomCheckpoints, roomStateAt, roomTranscript } from '../../shared/room/index.ts';
import { connect, data, errorCode, roomLog, seatedRoom, startServer, tempDir } from './helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('host:fork over real sockets', () => {
  it('only the host forks; the fork is the parent at that point, then its own room, after a restart too', async () => {
    const dbPath = join(tmp.dir, 'fork.db');
    const first = await startServer({ dbPath });
    const settings = { delivery: 'manual', rules: { endWhenChosen: false } } as const;
    const { host, code, players, tokens } = await seatedRoom(first.url, settings);
    const [amy, ben, , , eva] = players;
    // Eva gives her seat to a bot.
    data(await eva!.emitWithAck('room:leave', { bot: 'quiet' }));
    data(await host.emitWithAck('host:startRound', {}));
    data(await amy!.emitWithAck('node:propose', { value: 'Dune', to: ['Amy', 'Ben', 'Cal'] }));
    data(await host.emitWithAck('host:step', {}));
    const at = data(await host.emitWithAck('host:crash', { node: 'Cal' })).seq;
    // The parent goes on after the fork point; the fork must not see that.
    data(await host.emitWithAck('host:step', {}));
    data(await host.emitWithAck('host:say', { text: 'in the parent only' }));
    const watcher = await connect(first.url);
    data(await watcher.emitWithAck('room:watch', { code }));

    for (const socket of [ben!, watcher]) {
      expect(errorCode(await socket.emitWithAck('host:fork', { at }))).toBe('forbidden');
    }
    const seq = first.server.rooms.open(code)!.seq;
    expect(errorCode(await host.emitWithAck('host:fork', { at: seq + 1 }))).toBe('bad_request');
    expect(errorCode(await host.emitWithAck('host:fork', { at: 0 }))).toBe('bad_request');

    const forked = data(await host.emitWithAck('host:fork', { at }));
    expect(forked.code).not.toBe(code);
    // The host's socket stays in the parent; the fork opens with its own host token.
    expect(data(await host.emitWithAck('host:say', { text: 'still here' })).seq).toBe(seq + 1);
    expect(first.server.rooms.open(code)!.forkedFrom).toBeUndefined();

    const parentLog = await roomLog(first.url, code);
    const forkLog = await roomLog(first.url, forked.code);
    const parentAt = roomStateAt(roomCheckpoints(parentLog), parentLog, at);
    const forkAt = roomStateAt(roomCheckpoints(forkLog), forkLog, at);
    expect(forkAt).toEqual({ ...parentAt, code: forked.code });
    expect(roomTranscript(forkLog)).toEqual(roomTranscript(parentLog.slice(0, at)));
    expect(forkLog[at]!.event).toEqual({ type: 'roomForked', parent: code, at });
    const fork = first.server.rooms.open(forked.code)!;
    expect(fork.forkedFrom).toEqual({ code, at });
    // The people of the parent left their seats; its bot stayed; the nodes are as they were.
    expect(fork.players.map((p) => [p.name, p.seat])).toEqual([['Eva (bot)', 'Eva']]);
    expect(fork.round!.paxos).toEqual(parentAt.round!.paxos);
    for (const s of [host, watcher, ...players]) s.disconnect();
    await first.close();

    const second = await startServer({ dbPath });
    const again = await connect(second.url);
    const resumed = data(
      await again.emitWithAck('room:resume', { code: forked.code, token: forked.hostToken }),
    );
    expect(resumed.identity).toMatchObject({ code: forked.code, host: true });
    expect(resumed.snapshot.state.forkedFrom).toEqual({ code, at });
    expect(resumed.snapshot.state.round!.paxos).toEqual(parentAt.round!.paxos);
    // The parent's people have no tokens of the fork: theirs open the parent only.
    expect(
      errorCode(await again.emitWithAck('room:resume', { code: forked.code, token: tokens[0]! })),
    ).toBe('forbidden');
    // Newcomers take the free seats, Amy first, with her node's proposal as it was.
    const zoe = await connect(second.url);
    const joined = data(await zoe.emitWithAck('room:join', { code: forked.code, name: 'zoe' }));
    expect(joined.identity.seat).toBe('Amy');
    expect(joined.snapshot.state.round!.paxos.proposers['Amy']!.proposalId).toBe(1);
    // And the fork plays on by itself: the host steps it; the parent is untouched.
    const parentSeq = second.server.rooms.open(code)!.seq;
    data(await again.emitWithAck('host:step', {}));
    expect(second.server.rooms.open(code)!.seq).toBe(parentSeq);
    for (const s of [again, zoe]) s.disconnect();
    await second.close();
    expect([...first.errors, ...second.errors]).toEqual([]);
  });

  it('a fork is a room created: the address’s room budget pays for it', async () => {
    const t = await startServer({ limits: { roomsCreated: { perSecond: 0.001, burst: 2 } } });
    const host = await connect(t.url);
    const { code } = data(await host.emitWithAck('room:create', { settings: {} })).identity;
    // A refused fork costs nothing.
    expect(errorCode(await host.emitWithAck('host:fork', { at: 5 }))).toBe('bad_request');
    data(await host.emitWithAck('host:fork', { at: 1 }));
    expect(errorCode(await host.emitWithAck('host:fork', { at: 1 }))).toBe('rate_limited');
    expect(errorCode(await host.emitWithAck('room:create', { settings: {} }))).toBe('rate_limited');
    expect(t.store.hasRoom(code)).toBe(true);
    host.disconnect();
    await t.close();
    expect(t.errors).toEqual([]);
  });
});
