// The host locks the room: new joins (and new watchers without the screen key) are refused
// with a typed error; seated players and tokens still resume; screens with the key still watch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from './helpers.ts';
import { connect, data, errorCode, record, seatedRoom, startServer, waitFor } from './helpers.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startServer();
});
afterAll(() => t.close());

describe('the room lock', () => {
  it('refuses newcomers while locked, lets the room in, and opens again', async () => {
    const { host, code, hostToken, screenKey, players, tokens } = await seatedRoom(t.url);
    const heard = record(players[0]!);
    // Only the host locks.
    expect(errorCode(await players[1]!.emitWithAck('host:lock', { locked: true }))).toBe(
      'forbidden',
    );
    const seq = data(await host.emitWithAck('host:lock', { locked: true })).seq;
    await waitFor(() => heard.at(-1)?.seq === seq, 'the lock to be broadcast');
    expect(heard.at(-1)!.event).toEqual({ type: 'roomLocked', locked: true });
    expect(t.server.rooms.open(code)!.locked).toBe(true);
    // Locking a locked room changes nothing.
    expect(data(await host.emitWithAck('host:lock', { locked: true })).seq).toBe(seq);

    const newcomer = await connect(t.url);
    const joined = await newcomer.emitWithAck('room:join', { code, name: 'fay', spectator: true });
    expect(joined).toEqual({
      ok: false,
      error: { code: 'forbidden', message: 'This room is locked by its host.' },
    });
    expect(errorCode(await newcomer.emitWithAck('room:watch', { code }))).toBe('forbidden');
    // Who is in stays in: a seat's token, the host's token, a screen with the key.
    const tab = await connect(t.url);
    expect(
      data(await tab.emitWithAck('room:resume', { code, token: tokens[2]! })).identity.seat,
    ).toBe('Cal');
    const hostTab = await connect(t.url);
    data(await hostTab.emitWithAck('room:resume', { code, token: hostToken }));
    const screen = await connect(t.url);
    data(await screen.emitWithAck('room:watch', { code, key: screenKey }));
    expect(t.server.rooms.open(code)!.players.map((p) => p.name)).toEqual([
      'amy',
      'ben',
      'cal',
      'dan',
      'eva',
    ]);

    data(await hostTab.emitWithAck('host:lock', { locked: false }));
    expect(t.server.rooms.open(code)!.locked).toBe(false);
    data(await newcomer.emitWithAck('room:join', { code, name: 'fay', spectator: true }));
    for (const s of [host, newcomer, tab, hostTab, screen, ...players]) s.disconnect();
    expect(t.errors).toEqual([]);
  });
});
