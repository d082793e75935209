// kill -9 the real server process: every acknowledged event survives, rooms resume, tokens work.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../server/store/sqlite.ts';
import type { Envelope } from '../../shared/room/index.ts';
import type { Client } from './helpers.ts';
import {
  SEED_SETTINGS,
  connect,
  data,
  record,
  roomLog,
  spawnServer,
  tempDir,
  waitFor,
} from './helpers.ts';

const tmp = tempDir();
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  tmp.cleanup();
});

/** Starts `server/main.ts` as its own process, on the test's data directory. */
async function serve(): Promise<{ child: ChildProcess; url: string }> {
  const started = await spawnServer({ DATA_DIR: tmp.dir });
  children.push(started.child);
  return started;
}

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

describe('durability', () => {
  it(
    'after kill -9 every acknowledged event is in the log, seats resume and SIGTERM exits 0',
    { timeout: 60_000 },
    async () => {
      const first = await serve();
      const host = await connect(first.url);
      const created = data(await host.emitWithAck('room:create', { settings: SEED_SETTINGS }));
      const code = created.identity.code;
      const seen = record(host);
      const players: Client[] = [];
      const tokens: string[] = [];
      for (const name of ['amy', 'ben', 'cal', 'dan', 'eva']) {
        const s = await connect(first.url);
        tokens.push(data(await s.emitWithAck('room:join', { code, name })).token);
        players.push(s);
      }
      data(await host.emitWithAck('host:startRound', {}));
      const [amy, ben, cal] = players as [Client, Client, Client];
      let acked = data(await amy.emitWithAck('node:newProposal', { value: 'Dune' })).seq;
      for (const to of ['Amy', 'Ben', 'Cal'] as const) {
        acked = data(await amy.emitWithAck('node:promiseRequest', { to })).seq;
      }
      acked = data(await amy.emitWithAck('node:acceptRequest', { to: 'Amy' })).seq;
      acked = data(await ben.emitWithAck('node:newProposal', { value: 'Heat' })).seq;
      acked = data(
        await cal.emitWithAck('node:propose', { value: 'Alien', to: ['Cal', 'Dan', 'Eva'] }),
      ).seq;
      // The broadcast to the host travels on another connection than the player's ack.
      await waitFor(() => seen.at(-1)?.seq === acked, 'the host to hear every acknowledged event');
      const acknowledged: Envelope[] = seen.filter((e) => e.seq <= acked);
      expect(acknowledged.map((e) => e.seq)).toEqual(
        Array.from({ length: acked - seen[0]!.seq + 1 }, (_, i) => seen[0]!.seq + i),
      );

      const killed = exited(first.child);
      first.child.kill('SIGKILL');
      expect((await killed).signal).toBe('SIGKILL');
      for (const s of [host, ...players]) s.disconnect();

      const second = await serve();
      const log = await roomLog(second.url, code);
      const bySeq = new Map(log.map((e) => [e.seq, e]));
      for (const e of acknowledged) expect(bySeq.get(e.seq)).toEqual(e);
      expect(log[0]).toMatchObject({ seq: 1, event: { type: 'roomCreated', code } });

      // The same tokens give the same seats; the server first noted everyone went offline.
      const seats: (string | null)[] = [];
      const back: Client[] = [];
      for (const token of tokens) {
        const s = await connect(second.url);
        seats.push(data(await s.emitWithAck('room:resume', { code, token })).identity.seat);
        back.push(s);
      }
      expect(seats).toEqual(['Amy', 'Ben', 'Cal', 'Dan', 'Eva']);
      const after = (await roomLog(second.url, code)).slice(log.length);
      expect(after.slice(0, 5).map((e) => e.event)).toMatchObject(
        Array(5).fill({ type: 'presenceChanged', connected: false }),
      );
      const hostAgain = await connect(second.url);
      data(await hostAgain.emitWithAck('room:resume', { code, token: created.hostToken }));
      // The round goes on where it was: Amy still holds proposal 1 and its promise quorum.
      const seq = data(await back[0]!.emitWithAck('node:acceptRequest', { to: 'Ben' })).seq;
      const tail = await roomLog(second.url, code);
      expect(tail.at(-1)!.seq).toBe(seq);
      expect(tail.map((e) => e.event)).toContainEqual({
        type: 'paxos',
        by: expect.any(String),
        event: expect.objectContaining({
          type: 'requestSent',
          message: expect.objectContaining({
            kind: 'acceptRequest',
            from: 'Amy',
            to: 'Ben',
            proposalId: 1,
          }),
        }),
      });

      const stopped = exited(second.child);
      second.child.kill('SIGTERM');
      expect(await stopped).toEqual({ code: 0, signal: null });
      for (const s of [hostAgain, ...back]) s.disconnect();
      // A clean stop logs everyone going offline before the database closes.
      const store = new SqliteStore(join(tmp.dir, 'movie-night.db'));
      const final = store.load(code);
      store.close();
      expect(final.slice(-5).map((e) => e.event)).toMatchObject(
        Array(5).fill({ type: 'presenceChanged', connected: false }),
      );
    },
  );
});
