// The owner of a room dies (kill -9) or pauses (SIGSTOP) under load: another process takes the
// room over within the lease + 1 s, no acknowledged event is lost, the bots carry on there,
// and the paused ex-owner, resumed, cannot append.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Envelope } from '../../shared/room/index.ts';
import type { Client } from '../server/helpers.ts';
import { connect, data, record, roomLog, waitFor } from '../server/helpers.ts';
import { World } from './harness.ts';

const LEASE_MS = 1000;
let world: World;
beforeEach(async () => {
  world = new World();
  await world.startRedis();
});
afterEach(() => world.cleanup());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A room created on `url` (so owned there) with two duelling bots playing a round. */
async function busyRoom(url: string) {
  const host = await connect(url);
  const created = data(await host.emitWithAck('room:create', { settings: {} }));
  const code = created.identity.code;
  data(await host.emitWithAck('host:startRound', {}));
  data(await host.emitWithAck('host:addBot', { kind: 'duelling', seat: 'Amy' }));
  data(await host.emitWithAck('host:addBot', { kind: 'duelling', seat: 'Ben' }));
  return { host, code, hostToken: created.hostToken };
}

/** The host's second window, on the process at `url`. */
async function hostWindow(url: string, code: string, hostToken: string): Promise<Client> {
  const socket = await connect(url);
  data(await socket.emitWithAck('room:resume', { code, token: hostToken }));
  return socket;
}

/** A host socket on `url` that keeps saying numbered lines; what was acknowledged is kept. */
function sayer(socket: Client) {
  const acked: { seq: number; text: string; at: number }[] = [];
  const refused: string[] = [];
  let stop = false;
  const done = (async () => {
    for (let i = 0; !stop && socket.connected; i++) {
      const text = `line ${i}`;
      try {
        const ack = await socket.emitWithAck('host:say', { text });
        if (ack.ok) acked.push({ seq: ack.data.seq, text, at: Date.now() });
        else refused.push(ack.error.message);
      } catch (err) {
        // Its server died with the command in flight: the answer never comes.
        refused.push(String(err));
      }
      await sleep(80);
    }
  })();
  return {
    acked,
    refused,
    stop: async () => {
      stop = true;
      await done;
    },
  };
}

const says = (log: Envelope[]) =>
  log.flatMap((e) => (e.event.type === 'note' ? [{ seq: e.seq, text: e.event.text }] : []));

describe('failover', () => {
  it(
    'kill -9 of the owner under load: another process takes over, nothing acked is lost, bots carry on',
    { timeout: 60_000 },
    async () => {
      const [a, b] = await Promise.all([world.server(), world.server()]);
      const { host, code, hostToken } = await busyRoom(a.url);
      // The host's second window, on the other process, keeps writing through the kill.
      const second = await hostWindow(b.url, code, hostToken);
      const seen = record(second);
      const load = sayer(second);
      await waitFor(() => load.acked.length >= 10, 'some acknowledged lines', 10_000);

      const killedAt = Date.now();
      const before = load.acked.length;
      await world.kill(a.child);
      await waitFor(
        () => load.acked.length >= before + 10,
        'lines acknowledged after the kill',
        20_000,
      );
      // The first line the new owner acknowledged: the goal is the lease + 1 s (printed below;
      // measured 0.8-1.0 s quiet). Asserted loosely, as a shared machine is slow at times: a
      // takeover that waited for a forward's timeout instead (30 s) fails it.
      const tookOver = load.acked[before]!.at - killedAt;
      expect(tookOver).toBeLessThan(LEASE_MS + 5000);
      await load.stop();

      // The bots resumed on the new owner: moves by them after the kill.
      const lastSaid = load.acked.at(-1)!.seq;
      await waitFor(() => (seen.at(-1)?.seq ?? 0) > lastSaid + 2, 'the bots to move again', 10_000);

      const log = await roomLog(b.url, code);
      expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
      // Every acknowledged line is in the log, at its seq.
      const said = new Map(says(log).map((s) => [s.seq, s.text]));
      for (const { seq, text } of load.acked) expect(said.get(seq)).toBe(text);
      // The socket on the surviving process saw the room gap-free and in order.
      const from = seen[0]!.seq;
      expect(seen.map((e) => e.seq)).toEqual(seen.map((_, i) => from + i));
      expect(seen).toEqual(log.slice(from - 1, from - 1 + seen.length));
      console.log(
        `failover: the first line after kill -9 was acknowledged ${tookOver} ms after it (lease ${LEASE_MS} ms)`,
      );

      // The host's window on the dead process reconnects to the living one and resumes.
      expect(host.connected).toBe(false);
      const back = await connect(b.url);
      const resumed = data(await back.emitWithAck('room:resume', { code, token: hostToken }));
      expect(resumed.identity.host).toBe(true);
      expect(resumed.snapshot.state.seq).toBeGreaterThanOrEqual(lastSaid);
      for (const s of [second, back]) s.disconnect();
    },
  );

  it(
    'a SIGSTOP’d owner resumed after its lease expired cannot append; the room carries on elsewhere',
    { timeout: 60_000 },
    async () => {
      const [a, b] = await Promise.all([world.server(), world.server()]);
      const { host, code, hostToken } = await busyRoom(a.url);
      const watcher = await connect(b.url);
      data(await watcher.emitWithAck('room:watch', { code }));
      const seen = record(watcher);
      await waitFor(() => seen.length >= 2, 'the bots to move', 10_000);

      a.child.kill('SIGSTOP');
      // Its lease runs out; the other process takes the live room over and its bots move there.
      const paused = seen.at(-1)?.seq ?? 0;
      await waitFor(
        () => (seen.at(-1)?.seq ?? 0) > paused + 2,
        'the room to move on elsewhere',
        15_000,
      );
      // Sent to the paused owner, which will decide it on what it last knew.
      const stale = host.emitWithAck('host:say', { text: 'from the paused owner' });
      await sleep(200);
      a.child.kill('SIGCONT');
      const answer = await stale;

      const second = await hostWindow(b.url, code, hostToken);
      const after = data(await second.emitWithAck('host:say', { text: 'after the pause' })).seq;
      await waitFor(
        () => seen.at(-1)?.seq !== undefined && seen.at(-1)!.seq >= after,
        'the watcher',
        10_000,
      );
      const log = await roomLog(b.url, code);
      // One log, gap-free: never two writers at one seq.
      expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
      const stales = says(log).filter((s) => s.text === 'from the paused owner');
      console.log(
        `fence: the paused owner's command was ${answer.ok ? 'forwarded to the new owner' : `refused (${answer.error.message})`}`,
      );
      if (answer.ok) {
        // The resumed process noticed first and forwarded it to the new owner: it is in the log once.
        expect(stales).toEqual([{ seq: answer.data.seq, text: 'from the paused owner' }]);
      } else {
        // Decided on its stale copy, refused at the log by the fence.
        expect(stales).toEqual([]);
        expect(a.output()).toMatch(/lost its lease/);
      }
      // The watcher on the other process saw exactly the log.
      const from = seen[0]!.seq;
      expect(seen).toEqual(log.slice(from - 1, from - 1 + seen.length));
      for (const s of [host, watcher, second]) s.disconnect();
    },
  );

  it(
    'kill -9 of redis-server (AOF, fsync always): no acknowledged event is lost and play goes on',
    { timeout: 60_000 },
    async () => {
      const [a, b] = await Promise.all([world.server(), world.server()]);
      const { host, code, hostToken } = await busyRoom(a.url);
      const second = await hostWindow(b.url, code, hostToken);
      const loads = [sayer(host), sayer(second)];
      await waitFor(() => loads.every((l) => l.acked.length >= 5), 'acknowledged lines', 10_000);
      await world.kill(world.redis!);
      const acked = loads.flatMap((l) => [...l.acked]);
      await sleep(300);
      await world.startRedis();
      // The processes reconnect; what was sent meanwhile goes through once Redis is back.
      const counts = loads.map((l) => l.acked.length);
      await waitFor(
        () => loads.every((l, i) => l.acked.length >= counts[i]! + 5),
        'lines acknowledged after the restart',
        20_000,
      );
      await Promise.all(loads.map((l) => l.stop()));
      const log = await roomLog(b.url, code);
      expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
      const said = new Map(says(log).map((s) => [s.seq, s.text]));
      for (const { seq, text } of [...acked, ...loads.flatMap((l) => l.acked)]) {
        expect(said.get(seq)).toBe(text);
      }
      // A process that starts now reads the same log from the restarted Redis.
      // (The bots play on meanwhile: what it read is the start of what the others have now.)
      const c = await world.server();
      const fresh = await roomLog(c.url, code);
      const now = await roomLog(a.url, code);
      const last = Math.max(...loads.flatMap((l) => l.acked.map((a) => a.seq)));
      expect(fresh.length).toBeGreaterThanOrEqual(last);
      expect(fresh).toEqual(now.slice(0, fresh.length));
      for (const s of [host, second]) s.disconnect();
    },
  );

  it(
    "kill -9 of the owner of a turn-based room: the new owner's timer ends the turn",
    { timeout: 30_000 },
    async () => {
      const [a, b] = await Promise.all([world.server(), world.server()]);
      const host = await connect(a.url);
      const settings = { rules: { mode: 'turns' as const, turnSeconds: 5 } };
      const created = data(await host.emitWithAck('room:create', { settings }));
      const code = created.identity.code;
      const players: Client[] = [];
      for (const name of ['amy', 'ben', 'cal']) {
        const socket = await connect(b.url);
        data(await socket.emitWithAck('room:join', { code, name }));
        players.push(socket);
      }
      const seen = record(players[0]!);
      data(await host.emitWithAck('host:startRound', {}));
      await waitFor(() => seen.some((e) => e.event.type === 'turnStarted'), "Amy's turn");
      const started = Date.now();
      await world.kill(a.child);
      // Nobody acts: the turn ends by the timer, which runs on the process that took over.
      await waitFor(
        () => seen.some((e) => e.event.type === 'turnEnded'),
        'the turn to end by its timer',
        15_000,
      );
      const ended = seen.find((e) => e.event.type === 'turnEnded')!;
      expect(ended.event).toMatchObject({ seat: 'Amy' });
      console.log(`failover: the turn of 5 s ended ${Date.now() - started} ms after it started`);
      for (const s of players) s.disconnect();
    },
  );

  it(
    "a process dies: the room's owner marks the players whose sockets it held disconnected",
    { timeout: 30_000 },
    async () => {
      const [a, b] = await Promise.all([world.server(), world.server()]);
      const host = await connect(a.url);
      const code = data(await host.emitWithAck('room:create', { settings: {} })).identity.code;
      const seen = record(host);
      const amy = await connect(a.url);
      data(await amy.emitWithAck('room:join', { code, name: 'amy' }));
      const ben = await connect(b.url);
      const benId = data(await ben.emitWithAck('room:join', { code, name: 'ben' })).identity
        .playerId!;
      const killedAt = Date.now();
      await world.kill(b.child);
      await waitFor(
        () =>
          seen.some(
            (e) =>
              e.event.type === 'presenceChanged' &&
              e.event.playerId === benId &&
              !e.event.connected,
          ),
        'Ben, whose process died, to be disconnected',
        10_000,
      );
      console.log(
        `failover: a dead process's player was disconnected ${Date.now() - killedAt} ms after kill -9`,
      );
      // Amy, on the living process, stays connected.
      const watcher = await connect(a.url);
      const { snapshot } = data(await watcher.emitWithAck('room:watch', { code }));
      expect(snapshot.state.players.find((p) => p.seat === 'Amy')?.connected).toBe(true);
      for (const s of [host, amy, watcher]) s.disconnect();
    },
  );
});
