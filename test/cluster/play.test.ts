// Two server processes over one Redis: players on either play the seed's case 3 and see the
// golden transcript; every ack comes after its own broadcast; a kick on one reaches the other;
// fog is filtered where the socket is; a seeded fuzz from both ends where the log's fold does.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ack } from '../../shared/protocol/index.ts';
import { prng } from '../../shared/prng.ts';
import type { Envelope } from '../../shared/room/index.ts';
import { foldRoom } from '../../shared/room/index.ts';
import { asRoomStep, seedCase } from '../room/case3.ts';
import type { Client } from '../server/helpers.ts';
import {
  SEED_SETTINGS,
  connect,
  data,
  listen,
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

  it(
    'fog of war is filtered on the process that holds the socket',
    { timeout: 30_000 },
    async () => {
      const host = await connect(a.url);
      const settings = { rules: { visibility: 'fog' as const, endWhenChosen: false } };
      const created = data(await host.emitWithAck('room:create', { settings }));
      const code = created.identity.code;
      const players: Client[] = [];
      for (const [i, name] of ['amy', 'ben', 'cal', 'dan', 'eva'].entries()) {
        const socket = await connect(i < 2 ? a.url : b.url);
        data(await socket.emitWithAck('room:join', { code, name }));
        players.push(socket);
      }
      const [amy, , cal] = players as [Client, Client, Client];
      const screen = await connect(b.url);
      data(await screen.emitWithAck('room:watch', { code, key: created.screenKey }));
      const calHeard = listen(cal);
      const screenHeard = listen(screen);
      data(await host.emitWithAck('host:startRound', {}));
      data(await amy.emitWithAck('node:newProposal', { value: 'Tampopo' }));
      let seq = 0;
      for (const to of ['Amy', 'Ben'] as const) {
        seq = data(await amy.emitWithAck('node:promiseRequest', { to })).seq;
      }
      await waitFor(() => calHeard.views.at(-1)?.state.seq === seq, 'Cal to get the last view');
      await waitFor(() => screenHeard.events.at(-1)?.seq === seq, 'the screen to catch up');
      // Cal, on the process that does not own the room, gets views, never Amy's movie.
      expect(calHeard.events).toEqual([]);
      expect(calHeard.text.join('\n')).not.toContain('Tampopo');
      // The projector with the screen key, on the same process, sees everything.
      expect(screenHeard.views).toEqual([]);
      expect(screenHeard.text.join('\n')).toContain('Tampopo');
      for (const s of [host, screen, ...players]) s.disconnect();
    },
  );

  it(
    'a seeded fuzz of commands from both processes ends where the fold of the log does',
    { timeout: 60_000 },
    async () => {
      const rng = prng(Number(process.env.FUZZ_SEED ?? 20261202));
      const pick = <T>(list: readonly T[]): T => rng.pick(list);
      const host = await connect(a.url);
      const settings = { rules: { endWhenChosen: false } };
      const code = data(await host.emitWithAck('room:create', { settings })).identity.code;
      const players: Client[] = [];
      for (const [i, name] of ['amy', 'ben', 'cal', 'dan', 'eva'].entries()) {
        const socket = await connect(i % 2 === 0 ? b.url : a.url);
        data(await socket.emitWithAck('room:join', { code, name }));
        players.push(socket);
      }
      data(await host.emitWithAck('host:startRound', {}));
      const seats = ['Amy', 'Ben', 'Cal', 'Dan', 'Eva'] as const;
      const movies = ['Heat', 'Dune', 'Alien', 'Barbie'];
      const sent: Promise<unknown>[] = [];
      for (let i = 0; i < 300; i++) {
        const r = rng.next();
        if (r < 0.04) sent.push(host.emitWithAck('host:endRound', {}));
        else if (r < 0.1) sent.push(host.emitWithAck('host:startRound', {}));
        else if (r < 0.14) sent.push(host.emitWithAck('host:say', { text: `note ${i}` }));
        else {
          const p = untyped(pick(players));
          const kind = pick(['newProposal', 'promiseRequest', 'acceptRequest', 'propose'] as const);
          const payload =
            kind === 'newProposal'
              ? { value: pick(movies) }
              : kind === 'propose'
                ? { value: pick(movies), to: [pick(seats), pick(seats), pick(seats)] }
                : { to: pick(seats) };
          sent.push(p.emitWithAck(`node:${kind}`, payload));
        }
        // Waves of commands in flight from both processes at once.
        if (i % 20 === 19) await Promise.all(sent.splice(0));
      }
      await Promise.all(sent);
      const log = await roomLog(a.url, code);
      const folded = foldRoom(log);
      expect(log.length).toBeGreaterThan(50);
      for (const server of [a, b]) {
        const watcher = await connect(server.url);
        const { snapshot } = data(await watcher.emitWithAck('room:watch', { code }));
        expect(snapshot.state).toEqual(folded);
        expect(await roomLog(server.url, code)).toEqual(log);
        watcher.disconnect();
      }
      for (const s of [host, ...players]) s.disconnect();
    },
  );

  it('a fork made on one process opens on the other', { timeout: 30_000 }, async () => {
    const host = await connect(a.url);
    const created = data(await host.emitWithAck('room:create', { settings: {} }));
    const code = created.identity.code;
    for (const text of ['one', 'two', 'three']) data(await host.emitWithAck('host:say', { text }));
    // The host's second window, on the process that does not own the room, forks it.
    const second = await connect(b.url);
    data(await second.emitWithAck('room:resume', { code, token: created.hostToken }));
    const fork = data(await second.emitWithAck('host:fork', { at: 3 }));
    expect(fork.code).not.toBe(code);
    const opener = await connect(a.url);
    const opened = data(
      await opener.emitWithAck('room:resume', { code: fork.code, token: fork.hostToken }),
    );
    expect(opened.identity.host).toBe(true);
    const texts = (await roomLog(a.url, fork.code)).flatMap((e) =>
      e.event.type === 'note' ? [e.event.text] : [],
    );
    expect(texts).toEqual(['one', 'two']);
    for (const s of [host, second, opener]) s.disconnect();
  });

  it(
    'a player with tabs on both processes stays connected until the last one closes',
    { timeout: 30_000 },
    async () => {
      const host = await connect(a.url);
      const created = data(await host.emitWithAck('room:create', { settings: {} }));
      const code = created.identity.code;
      const first = await connect(a.url);
      const joined = data(await first.emitWithAck('room:join', { code, name: 'ben' }));
      const ben = joined.identity.playerId!;
      const second = await connect(b.url);
      data(await second.emitWithAck('room:resume', { code, token: joined.token }));
      const seen = record(host);
      const connected = async () => {
        const watcher = await connect(a.url);
        const { snapshot } = data(await watcher.emitWithAck('room:watch', { code }));
        watcher.disconnect();
        return snapshot.state.players.find((p) => p.id === ben)?.connected;
      };
      second.disconnect();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await connected()).toBe(true);
      expect(seen.some((e) => e.event.type === 'presenceChanged')).toBe(false);
      first.disconnect();
      await waitFor(
        () => seen.some((e) => e.event.type === 'presenceChanged' && !e.event.connected),
        'Ben to go offline once his last tab closed',
      );
      host.disconnect();
    },
  );

  // Last: it kills a process.
  it(
    'a room its owner no longer looks at moves to the process its players use',
    { timeout: 30_000 },
    async () => {
      const host = await connect(a.url);
      const created = data(await host.emitWithAck('room:create', { settings: {} }));
      const code = created.identity.code;
      const lease = () => world.redisCommand('GET', `mnp:lease:${code}`) as Promise<string | null>;
      const first = await lease();
      expect(first).toMatch(/^[0-9a-f]{12}:1$/);
      const second = await connect(b.url);
      data(await second.emitWithAck('room:resume', { code, token: created.hostToken }));
      // The first process has nobody in the room any more: it lets the room go.
      host.disconnect();
      await new Promise((resolve) => setTimeout(resolve, 200));
      let seq = 0;
      for (let i = 0; i < 5; i++) {
        seq = data(await second.emitWithAck('host:say', { text: `${i}` })).seq;
      }
      // The room now lives where it is used: another process holds its lease (a new epoch).
      const moved = await lease();
      expect(moved).toMatch(/^[0-9a-f]{12}:2$/);
      expect(moved!.split(':')[0]).not.toBe(first!.split(':')[0]);
      // The first process dying does not even pause it.
      await world.kill(a.child);
      expect(data(await second.emitWithAck('host:say', { text: 'still here' })).seq).toBe(seq + 1);
      expect(await lease()).toBe(moved);
      second.disconnect();
    },
  );
});
