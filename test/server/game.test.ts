// The seed's case 3 played through the real protocol: every client sees the same log.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Envelope } from '../../shared/room/index.ts';
import { asRoomStep, seedCase } from '../room/case3.ts';
import type { TestServer } from './helpers.ts';
import { connect, data, record, roomLog, seatedRoom, startServer, waitFor } from './helpers.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startServer();
});
afterAll(() => t.close());

/** Every envelope once, seq after seq, with no hole. */
function expectGapless(seen: Envelope[], from: number, to: number) {
  expect(seen.map((e) => e.seq)).toEqual(Array.from({ length: to - from + 1 }, (_, i) => from + i));
}

describe("the seed's case 3 through the protocol", () => {
  it('five players and a projector see the same events, and the transcript is the golden one', async () => {
    const room = await seatedRoom(t.url);
    const { code, host, players } = room;
    const screen = await connect(t.url);
    const watched = data(await screen.emitWithAck('room:watch', { code }));
    expect(watched.identity).toMatchObject({ code, host: false, playerId: null, seat: null });
    expect(watched.snapshot.state.players.map((p) => p.seat)).toEqual([
      'Amy',
      'Ben',
      'Cal',
      'Dan',
      'Eva',
    ]);
    const start = watched.snapshot.state.seq;
    const logs = [...players, screen].map(record);

    expect(data(await host.emitWithAck('host:startRound', {})).seq).toBe(start + 1);
    const seat = { Amy: 0, Ben: 1, Cal: 2, Dan: 3, Eva: 4 } as Record<string, number>;
    let last = start + 1;
    for (const step of seedCase(3).map(asRoomStep)) {
      const ack =
        'say' in step
          ? await host.emitWithAck('host:say', { text: step.say })
          : await (() => {
              const socket = players[seat[step.node]!]!;
              const c = step.command;
              switch (c.type) {
                case 'node:newProposal':
                  return socket.emitWithAck('node:newProposal', { value: c.value });
                case 'node:promiseRequest':
                  return socket.emitWithAck('node:promiseRequest', { to: c.to as 'Amy' });
                case 'node:acceptRequest':
                  return socket.emitWithAck('node:acceptRequest', { to: c.to as 'Amy' });
                case 'node:propose':
                  return socket.emitWithAck('node:propose', {
                    value: c.value,
                    to: c.to as 'Amy'[],
                  });
              }
            })();
      const seq = data(ack).seq;
      expect(seq).toBeGreaterThan(last);
      last = seq;
    }

    // Each command's events reach its sender before its ack, and the others soon after.
    await waitFor(() => logs.every((l) => l.at(-1)?.seq === last), 'every client to catch up');
    for (const log of logs) {
      expectGapless(log, start + 1, last);
      expect(log).toEqual(logs[0]);
    }
    const stored = await roomLog(t.url, code);
    expect(stored.slice(start)).toEqual(logs[0]);

    const res = await fetch(`${t.url}/api/rooms/${code}/transcript.txt`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const golden = readFileSync(new URL('../golden/seed-case-3.txt', import.meta.url), 'utf8');
    expect(await res.text()).toBe(golden);

    // A late client that fell behind catches up with room:sync, from any point.
    const synced = data(await screen.emitWithAck('room:sync', { since: start }));
    expect('events' in synced && synced.events).toEqual(logs[0]);
    expect(data(await screen.emitWithAck('room:sync', { since: last }))).toEqual({ events: [] });
    const ahead = data(await screen.emitWithAck('room:sync', { since: last + 5 }));
    expect('snapshot' in ahead && ahead.snapshot.state.seq).toBe(last);
    expect('snapshot' in ahead && ahead.snapshot.state.round?.paxos.chosen[0]?.value).toBe(
      'Barbie',
    );
    for (const s of [host, screen, ...players]) s.disconnect();
    expect(t.errors).toEqual([]);
  });

  it('a refused command changes nothing and says why, with the seed line when it has one', async () => {
    const { code, host, players } = await seatedRoom(t.url);
    data(await host.emitWithAck('host:startRound', {}));
    const before = await roomLog(t.url, code);
    const amy = players[0]!;
    const refused = await amy.emitWithAck('node:acceptRequest', { to: 'Ben' });
    expect(refused).toEqual({
      ok: false,
      error: {
        code: 'conflict',
        message: 'Amy has no proposal yet, so it cannot send accept requests.',
        seedLine: 'No promise quorum - cannot send accept request',
      },
    });
    expect(await roomLog(t.url, code)).toEqual(before);
    for (const s of [host, ...players]) s.disconnect();
  });
});
