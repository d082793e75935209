// Two server processes over one Redis: players on either play the seed's case 3 and see the
// golden transcript; every ack comes after its own broadcast; a kick on one reaches the other.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ack } from '../../shared/protocol/index.ts';
import type { Envelope } from '../../shared/room/index.ts';
import { asRoomStep, seedCase } from '../room/case3.ts';
import type { Client } from '../server/helpers.ts';
import {
  SEED_SETTINGS,
  connect,
  data,
  record,
  roomLog,
  untyped,
  waitFor,
} from '../server/helpers.ts';
import type { ServerProcess } from './harness.ts';
import { World } from './harness.ts';

const world = new World();
let a: ServerProcess;
let b: ServerProcess;
beforeAll(async () => {
  await world.startRedis();
  // The second process reads the log slowly: forwarded commands' answers reach it first.
  [a, b] = await Promise.all([world.server(), world.server({ CLUSTER_READ_DELAY_MS: '20' })]);
}, 60_000);
afterAll(() => world.cleanup());

/** Records the socket's events, and checks at each ack that its own events came first. */
function acked(socket: Client) {
  const seen = record(socket);
  return {
    seen,
    async emit(event: string, payload: object): Promise<number> {
      const ack = (await untyped(socket).emitWithAck(event, payload)) as Ack<{ seq: number }>;
      const { seq } = data(ack);
      // The regression socket.io's Redis adapters have: an ack that overtakes its broadcast.
      expect(seen.at(-1)?.seq ?? 0).toBeGreaterThanOrEqual(seq);
      return seq;
    },
  };
}

describe('a room on two processes', () => {
  it(
    "plays the seed's case 3 with players on both; everyone sees the golden transcript",
    { timeout: 60_000 },
    async () => {
      const host = await connect(a.url);
      const created = data(await host.emitWithAck('room:create', { settings: SEED_SETTINGS }));
      const code = created.identity.code;
      const players: Client[] = [];
      for (const [i, name] of ['amy', 'ben', 'cal', 'dan', 'eva'].entries()) {
        // Amy, Cal and Eva on the second process, Ben and Dan on the first.
        const socket = await connect(i % 2 === 0 ? b.url : a.url);
        data(await socket.emitWithAck('room:join', { code, name }));
        players.push(socket);
      }
      const screen = await connect(b.url);
      const watched = data(await screen.emitWithAck('room:watch', { code }));
      expect(watched.snapshot.state.players.map((p) => p.seat)).toEqual([
        'Amy',
        'Ben',
        'Cal',
        'Dan',
        'Eva',
      ]);
      const start = watched.snapshot.state.seq;
      const screenLog = record(screen);
      const drivers = players.map(acked);
      const hostDriver = acked(host);

      let last = await hostDriver.emit('host:startRound', {});
      const seat: Record<string, number> = { Amy: 0, Ben: 1, Cal: 2, Dan: 3, Eva: 4 };
      for (const step of seedCase(3).map(asRoomStep)) {
        if ('say' in step) {
          last = await hostDriver.emit('host:say', { text: step.say });
          continue;
        }
        const d = drivers[seat[step.node]!]!;
        const c = step.command;
        last =
          c.type === 'node:newProposal'
            ? await d.emit('node:newProposal', { value: c.value })
            : c.type === 'node:propose'
              ? await d.emit('node:propose', { value: c.value, to: c.to as 'Amy'[] })
              : await d.emit(c.type, { to: c.to as 'Amy' });
      }
      const logs: Envelope[][] = [...drivers.map((d) => d.seen), hostDriver.seen, screenLog];
      await waitFor(() => logs.every((l) => l.at(-1)?.seq === last), 'every client to catch up');
      for (const log of logs) {
        const from = log.findIndex((e) => e.seq === start + 1);
        expect(log.slice(from).map((e) => e.seq)).toEqual(
          Array.from({ length: last - start }, (_, i) => start + 1 + i),
        );
        expect(log.slice(from)).toEqual(screenLog);
      }
      const golden = readFileSync(new URL('../golden/seed-case-3.txt', import.meta.url), 'utf8');
      for (const server of [a, b]) {
        expect((await roomLog(server.url, code)).slice(start)).toEqual(screenLog);
        const res = await fetch(`${server.url}/api/rooms/${code}/transcript.txt`);
        expect(await res.text()).toBe(golden);
      }
      for (const s of [host, screen, ...players]) s.disconnect();
    },
  );

  it(
    'a kick on one process reaches the player on the other, whose token stops working',
    { timeout: 30_000 },
    async () => {
      const host = await connect(a.url);
      const created = data(await host.emitWithAck('room:create', { settings: {} }));
      const code = created.identity.code;
      const ben = await connect(b.url);
      const joined = data(await ben.emitWithAck('room:join', { code, name: 'ben' }));
      const revoked = new Promise<unknown>((resolve) => ben.once('room:revoked', resolve));
      data(await host.emitWithAck('host:kick', { playerId: joined.identity.playerId! }));
      expect(await revoked).toEqual({ code, reason: 'kicked' });
      // Not on this process, and not on the other.
      for (const url of [b.url, a.url]) {
        const again = await connect(url);
        const resumed = await again.emitWithAck('room:resume', { code, token: joined.token });
        expect(resumed.ok).toBe(false);
        again.disconnect();
      }
      host.disconnect();
      ben.disconnect();
    },
  );
});
