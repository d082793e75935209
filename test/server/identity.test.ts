// Who may act as whom: tokens, seats, host and player roles, kicks and leaves.
import type { Ack } from '../../shared/protocol/index.ts';
import type { Envelope } from '../../shared/room/index.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, TestServer } from './helpers.ts';
import {
  connect,
  data,
  errorCode,
  record,
  roomLog,
  seatedRoom,
  startServer,
  untyped,
  waitFor,
} from './helpers.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startServer();
});
afterAll(() => t.close());

const closeAll = (...sockets: Client[]) => sockets.forEach((s) => s.disconnect());

/** The room's state as a fresh projector sees it. */
async function stateOf(code: string) {
  const screen = await connect(t.url);
  const { snapshot } = data(await screen.emitWithAck('room:watch', { code }));
  screen.disconnect();
  return snapshot.state;
}

describe('tokens and seats', () => {
  it('a new socket with the token gets the same seat back, and presence follows', async () => {
    const { code, host, players, tokens, ids } = await seatedRoom(t.url);
    const seen = record(host);
    data(await host.emitWithAck('room:watch', { code }));
    players[1]!.disconnect();
    await waitFor(() => seen.some((e) => e.event.type === 'presenceChanged'), 'presence');
    expect(seen.at(-1)!.event).toEqual({
      type: 'presenceChanged',
      playerId: ids[1],
      connected: false,
    });

    const again = await connect(t.url);
    const resumed = data(await again.emitWithAck('room:resume', { code, token: tokens[1]! }));
    expect(resumed.identity).toEqual({ code, host: false, playerId: ids[1], seat: 'Ben' });
    expect(resumed.snapshot.state.players.find((p) => p.id === ids[1])!.connected).toBe(true);
    const online = (e: (typeof seen)[number]) =>
      e.event.type === 'presenceChanged' && e.event.connected;
    await waitFor(() => seen.some(online), 'presence again');
    expect(seen.at(-1)!.event).toEqual({
      type: 'presenceChanged',
      playerId: ids[1],
      connected: true,
    });
    closeAll(host, again, ...players);
  });

  it('a socket gone while its join commits leaves the player offline, not stuck online', async () => {
    const { code, host, players } = await seatedRoom(t.url);
    const ghost = await connect(t.url);
    ghost.emit('room:join', { code, name: 'ghost' }, () => {});
    ghost.disconnect();
    let last: Envelope[] = [];
    const offline = async () => {
      last = await roomLog(t.url, code);
      const joined = last.find(
        (e) => e.event.type === 'playerJoined' && e.event.player.name === 'ghost',
      );
      const id = joined?.event.type === 'playerJoined' ? joined.event.player.id : null;
      return last.some(
        (e) => e.event.type === 'presenceChanged' && e.event.playerId === id && !e.event.connected,
      );
    };
    for (let i = 0; i < 100 && !(await offline()); i++) await new Promise((r) => setTimeout(r, 20));
    expect(await offline()).toBe(true);
    closeAll(host, ...players);
  });

  it('a second socket acts for a seat only because it holds that seat’s token', async () => {
    const { code, host, players, tokens } = await seatedRoom(t.url);
    data(await host.emitWithAck('host:startRound', {}));

    // A socket without a token watches and cannot act at all.
    const stranger = await connect(t.url);
    data(await stranger.emitWithAck('room:watch', { code }));
    const denied = await stranger.emitWithAck('node:newProposal', { value: 'Heat' });
    expect(errorCode(denied)).toBe('forbidden');

    // Dan's own token makes a socket Dan, never Cal, and no payload names a node.
    const dan = players[3]!;
    const named = await untyped(dan).emitWithAck('node:newProposal', {
      value: 'Heat',
      node: 'Cal',
    });
    expect(errorCode(named as Ack<unknown>)).toBe('bad_request');
    data(await dan.emitWithAck('node:newProposal', { value: 'Heat' }));

    // Cal's token, presented on a stranger's socket, makes it act as Cal.
    const second = await connect(t.url);
    data(await second.emitWithAck('room:resume', { code, token: tokens[2]! }));
    data(await second.emitWithAck('node:newProposal', { value: 'Alien' }));

    const proposers = (await stateOf(code)).round!.paxos.proposers;
    expect(proposers.Cal!.value).toBe('Alien');
    expect(proposers.Dan!.value).toBe('Heat');
    expect(proposers.Amy!.value).toBe(null);
    closeAll(host, stranger, second, ...players);
  });

  it('a bad token is forbidden; an unknown room is not_found', async () => {
    const a = await seatedRoom(t.url);
    const b = await seatedRoom(t.url);
    const s = await connect(t.url);
    const bogus = 'A'.repeat(24);
    expect(errorCode(await s.emitWithAck('room:resume', { code: a.code, token: bogus }))).toBe(
      'forbidden',
    );
    // A real token of another room opens nothing here.
    const other = await s.emitWithAck('room:resume', { code: a.code, token: b.tokens[0]! });
    expect(errorCode(other)).toBe('forbidden');
    const hostOfB = await s.emitWithAck('room:resume', { code: a.code, token: b.hostToken });
    expect(errorCode(hostOfB)).toBe('forbidden');
    const missing = a.code === 'ZZZZZ' ? 'YYYYY' : 'ZZZZZ';
    expect(errorCode(await s.emitWithAck('room:resume', { code: missing, token: bogus }))).toBe(
      'not_found',
    );
    expect(errorCode(await s.emitWithAck('room:join', { code: missing, name: 'x' }))).toBe(
      'not_found',
    );
    // Having failed, the socket is still nobody.
    expect(errorCode(await s.emitWithAck('node:newProposal', { value: 'Heat' }))).toBe('forbidden');
    closeAll(s, a.host, b.host, ...a.players, ...b.players);
  });
});

describe('host and player roles', () => {
  it('a player cannot run any host command', async () => {
    const { code, host, players, ids } = await seatedRoom(t.url);
    const before = await roomLog(t.url, code);
    const amy = players[0]!;
    const attempts = [
      amy.emitWithAck('host:settings', { settings: { seats: 3 } }),
      amy.emitWithAck('host:startRound', {}),
      amy.emitWithAck('host:endRound', {}),
      amy.emitWithAck('host:kick', { playerId: ids[1]! }),
      amy.emitWithAck('host:say', { text: 'hello' }),
      amy.emitWithAck('host:close', {}),
      amy.emitWithAck('host:network', { action: 'drop', messageId: 1 }),
    ];
    for (const ack of await Promise.all(attempts)) expect(errorCode(ack)).toBe('forbidden');
    expect(await roomLog(t.url, code)).toEqual(before);
    closeAll(host, ...players);
  });

  it('a host-only socket cannot act as a node, nor leave', async () => {
    const { code, host, players } = await seatedRoom(t.url);
    data(await host.emitWithAck('host:startRound', {}));
    const before = await roomLog(t.url, code);
    const attempts = [
      host.emitWithAck('node:newProposal', { value: 'Heat' }),
      host.emitWithAck('node:promiseRequest', { to: 'Amy' }),
      host.emitWithAck('node:acceptRequest', { to: 'Amy' }),
      host.emitWithAck('node:propose', { value: 'Heat', to: ['Amy', 'Ben', 'Cal'] }),
      host.emitWithAck('room:leave', {}),
    ];
    for (const ack of await Promise.all(attempts)) expect(errorCode(ack)).toBe('forbidden');
    expect(await roomLog(t.url, code)).toEqual(before);
    closeAll(host, ...players);
  });

  it('the creator can also join and play: host and player on one socket', async () => {
    const host = await connect(t.url);
    const created = data(await host.emitWithAck('room:create', { settings: { seats: 3 } }));
    const code = created.identity.code;
    const joined = data(await host.emitWithAck('room:join', { code, name: 'Teacher' }));
    expect(joined.identity).toMatchObject({ code, host: true, seat: 'Amy' });
    const again = await host.emitWithAck('room:join', { code, name: 'Twice' });
    expect(errorCode(again)).toBe('conflict');
    data(await host.emitWithAck('host:startRound', {}));
    data(await host.emitWithAck('node:newProposal', { value: 'Heat' }));
    expect((await stateOf(code)).round!.paxos.proposers.Amy!.value).toBe('Heat');
    host.disconnect();
  });

  it('a kicked player’s sockets are told, its token dies, and it can no longer act', async () => {
    const { code, host, players, tokens, ids } = await seatedRoom(t.url);
    data(await host.emitWithAck('host:startRound', {}));
    const ben2 = await connect(t.url);
    data(await ben2.emitWithAck('room:resume', { code, token: tokens[1]! }));
    const revoked: unknown[] = [];
    for (const s of [players[1]!, ben2]) s.on('room:revoked', (info) => revoked.push(info));

    data(await host.emitWithAck('host:kick', { playerId: ids[1]! }));
    await waitFor(() => revoked.length === 2, 'both of Ben’s sockets to hear');
    expect(revoked).toEqual([
      { code, reason: 'kicked' },
      { code, reason: 'kicked' },
    ]);
    expect(errorCode(await ben2.emitWithAck('node:newProposal', { value: 'Heat' }))).toBe(
      'forbidden',
    );
    const fresh = await connect(t.url);
    expect(errorCode(await fresh.emitWithAck('room:resume', { code, token: tokens[1]! }))).toBe(
      'forbidden',
    );
    expect((await stateOf(code)).players.map((p) => p.seat)).toEqual(['Amy', 'Cal', 'Dan', 'Eva']);
    closeAll(host, ben2, fresh, ...players);
  });

  it('a player who leaves loses the token; its other sockets are told', async () => {
    const { code, host, players, tokens } = await seatedRoom(t.url);
    const eva2 = await connect(t.url);
    data(await eva2.emitWithAck('room:resume', { code, token: tokens[4]! }));
    const told = new Promise((resolve) => eva2.once('room:revoked', resolve));
    data(await players[4]!.emitWithAck('room:leave', {}));
    expect(await told).toEqual({ code, reason: 'left' });
    const fresh = await connect(t.url);
    expect(errorCode(await fresh.emitWithAck('room:resume', { code, token: tokens[4]! }))).toBe(
      'forbidden',
    );
    closeAll(host, eva2, fresh, ...players);
  });

  it('the host token restores the host on a new socket; a closed room stays readable', async () => {
    const { code, host, hostToken, players } = await seatedRoom(t.url);
    host.disconnect();
    const again = await connect(t.url);
    const resumed = data(await again.emitWithAck('room:resume', { code, token: hostToken }));
    expect(resumed.identity).toEqual({ code, host: true, playerId: null, seat: null });
    data(await again.emitWithAck('host:close', {}));
    expect(errorCode(await again.emitWithAck('host:startRound', {}))).toBe('conflict');
    expect(errorCode(await players[0]!.emitWithAck('node:newProposal', { value: 'x' }))).toBe(
      'conflict',
    );
    const res = await fetch(`${t.url}/api/rooms/${code}/transcript.json`);
    expect(res.status).toBe(200);
    closeAll(again, ...players);
  });
});
