// Kick means gone: a browser that held a removed player's seat cannot join the room again
// under a new name until the host lets it back in; restart-safe. Another browser can.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Ack } from '../../shared/protocol/index.ts';
import type { Client, TestServer } from './helpers.ts';
import { connect, data, errorCode, startServer, tempDir } from './helpers.ts';

/** A browser id as the client makes one (client/lib/storage.ts): 32 hex digits. */
const browser = (n: number) => n.toString(16).padStart(32, 'b');
const PHONE = browser(1);
const LAPTOP = browser(2);
const OTHER = browser(3);

async function joinFrom(t: TestServer, code: string, name: string, from?: string) {
  const socket = await connect(t.url);
  const ack = await socket.emitWithAck(
    'room:join',
    from === undefined ? { code, name } : { code, name, browser: from },
  );
  return { socket, ack };
}

function refusal(ack: Ack<unknown>): { code: string; message: string } | null {
  return ack.ok ? null : ack.error;
}

describe('kick means gone', () => {
  it('every browser that held the seat is refused until the host lets it back in', async () => {
    const t = await startServer();
    const host = await connect(t.url);
    const code = data(await host.emitWithAck('room:create', { settings: {} })).identity.code;
    const ben = await joinFrom(t, code, 'ben', PHONE);
    const { token, identity } = data(ben.ack);
    // A second socket of Ben's seat, in another browser (his laptop).
    const laptop = await connect(t.url);
    data(await laptop.emitWithAck('room:resume', { code, token, browser: LAPTOP }));
    const amy = await joinFrom(t, code, 'amy', OTHER);
    data(amy.ack);

    data(await host.emitWithAck('host:kick', { playerId: identity.playerId! }));
    expect(t.server.rooms.open(code)!.removed).toEqual([
      { playerId: identity.playerId, name: 'ben' },
    ]);
    const sockets: Client[] = [host, ben.socket, laptop, amy.socket];
    for (const from of [PHONE, LAPTOP]) {
      const again = await joinFrom(t, code, `ben ${from.slice(-1)}`, from);
      sockets.push(again.socket);
      expect(refusal(again.ack)).toEqual({
        code: 'forbidden',
        message: 'The host removed you from this room. Ask the host to let you back in.',
      });
    }
    expect(t.server.rooms.open(code)!.players.map((p) => p.name)).toEqual(['amy']);
    // Another browser is not stopped (the server does not fingerprint), nor a client without an id.
    const stranger = await joinFrom(t, code, 'cal', browser(4));
    const bare = await joinFrom(t, code, 'dan');
    data(stranger.ack);
    data(bare.ack);
    sockets.push(stranger.socket, bare.socket);

    // Only the host lets someone back in, and only someone removed.
    expect(
      errorCode(await amy.socket.emitWithAck('host:allowBack', { playerId: identity.playerId! })),
    ).toBe('forbidden');
    expect(errorCode(await host.emitWithAck('host:allowBack', { playerId: 'nobody' }))).toBe(
      'not_found',
    );
    data(await host.emitWithAck('host:allowBack', { playerId: identity.playerId! }));
    expect(t.server.rooms.open(code)!.removed).toEqual([]);
    const back = await joinFrom(t, code, 'ben', PHONE);
    data(back.ack);
    sockets.push(back.socket);
    for (const s of sockets) s.disconnect();
    expect(t.errors).toEqual([]);
    await t.close();
  });

  it('is remembered across a restart; browser ids are stored hashed; a kicked bot is just gone', async () => {
    const tmp = tempDir();
    const dbPath = `${tmp.dir}/kick.db`;
    const first = await startServer({ dbPath });
    const host = await connect(first.url);
    const created = data(await host.emitWithAck('room:create', { settings: {} }));
    const code = created.identity.code;
    const ben = await joinFrom(first, code, 'ben', PHONE);
    const benId = data(ben.ack).identity.playerId!;
    data(await host.emitWithAck('host:addBot', { kind: 'quiet', seat: null }));
    const bot = first.server.rooms.open(code)!.players.find((p) => p.bot)!;
    data(await host.emitWithAck('host:kick', { playerId: benId }));
    data(await host.emitWithAck('host:kick', { playerId: bot.id }));
    for (const s of [host, ben.socket]) s.disconnect();
    await first.close();
    const disk = ['', '-wal']
      .filter((suffix) => existsSync(dbPath + suffix))
      .map((suffix) => readFileSync(dbPath + suffix).toString('latin1'))
      .join('');
    expect(disk).toContain(benId);
    expect(disk).not.toContain(PHONE);

    const second = await startServer({ dbPath });
    try {
      expect(second.server.rooms.open(code)!.removed).toEqual([{ playerId: benId, name: 'ben' }]);
      const again = await joinFrom(second, code, 'benny', PHONE);
      expect(errorCode(again.ack)).toBe('forbidden');
      const back = await connect(second.url);
      data(await back.emitWithAck('room:resume', { code, token: created.hostToken }));
      data(await back.emitWithAck('host:allowBack', { playerId: benId }));
      const welcome = await joinFrom(second, code, 'benny', PHONE);
      data(welcome.ack);
      for (const s of [again.socket, back, welcome.socket]) s.disconnect();
    } finally {
      await second.close();
      tmp.cleanup();
    }
  });
});
