// One address floods the server (many sockets, transcript downloads, invalid frames,
// commands past its budget) while a room on another address plays: the flood is refused with
// typed answers, and every command of the other room keeps being answered. (How much the
// flood slows the others is measured by `npm run bench:abuse`, not asserted here.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ack } from '../../shared/protocol/index.ts';
import type { Client, TestServer } from './helpers.ts';
import { connectFrom, data, getFrom, refusedFrom, sendRaw, startServer } from './helpers.ts';

const ATTACKER = '127.0.0.1';
const VICTIM = '127.0.0.2';
const FLOOD_MS = 2500;

let t: TestServer;
beforeAll(async () => {
  t = await startServer({
    // The real limits, scaled down so that a test reaches them in seconds.
    limits: {
      socketsPerAddress: 40,
      addressCommands: { perSecond: 100, burst: 200 },
      invalidFrames: { perSecond: 1, burst: 50 },
      http: { perSecond: 2, burst: 20 },
    },
  });
});
afterAll(() => t.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The victims: a host and two players of a room, each playing a command every 60 ms or so:
 * under their own sockets' limit (20 a second), however fast the answers come back.
 */
async function victims() {
  const host = await connectFrom(t.url, VICTIM);
  const { code } = data(await host.emitWithAck('room:create', { settings: { seats: 3 } })).identity;
  const players = [await connectFrom(t.url, VICTIM), await connectFrom(t.url, VICTIM)];
  for (const [i, p] of players.entries()) {
    data(await p.emitWithAck('room:join', { code, name: `v${i}` }));
  }
  data(await host.emitWithAck('host:startRound', {}));
  const answers: { ack: Ack<unknown>; ms: number }[] = [];
  let playing = true;
  const play = async (socket: Client, i: number) => {
    for (let n = 0; playing; n++) {
      const t0 = performance.now();
      const ack = await (n % 2 === 0
        ? socket.emitWithAck('node:newProposal', { value: `Film ${i}` })
        : socket.emitWithAck('node:promiseRequest', { to: i === 0 ? 'Amy' : 'Ben' }));
      answers.push({ ack, ms: performance.now() - t0 });
      await sleep(60);
    }
  };
  const done = Promise.all([
    play(players[0]!, 0),
    play(players[1]!, 1),
    (async () => {
      for (let n = 0; playing; n++) {
        const t0 = performance.now();
        answers.push({
          ack: await host.emitWithAck('host:say', { text: `${n}` }),
          ms: performance.now() - t0,
        });
        await sleep(60);
      }
    })(),
  ]);
  return {
    code,
    answers,
    stop: async () => {
      playing = false;
      await done;
      for (const s of [host, ...players]) s.disconnect();
    },
  };
}

describe('isolation', () => {
  it('a flood from one address is refused while another room’s commands keep being answered', async () => {
    const room = await victims();
    await sleep(300);
    const quiet = room.answers.length;

    // Many sockets: past 40 the handshake is refused (typed once, then cut at once).
    const flood: Client[] = [];
    const refusedSockets: unknown[] = [];
    for (let i = 0; i < 50; i++) {
      try {
        flood.push(await connectFrom(t.url, ATTACKER));
      } catch (err) {
        refusedSockets.push((err as { data?: unknown }).data);
      }
    }
    expect(flood).toHaveLength(40);
    expect(refusedSockets[0]).toEqual({ code: 'rate_limited' });
    const closedByServer: string[] = [];
    for (const s of flood) s.on('disconnect', (reason) => closedByServer.push(reason));
    const { code } = data(await flood[0]!.emitWithAck('room:create', { settings: {} })).identity;
    const answers: string[] = [];
    const note = (ack: Ack<unknown>) => answers.push(ack.ok ? 'ok' : ack.error.code);
    // Told it has too many sockets, the address that tries again at once is held a second
    // (a client retrying in a loop waits anyway), then refused; its HTTP still works.
    expect(await refusedFrom(t.url, ATTACKER)).not.toBeNull(); // told (again), or held
    const tried = performance.now();
    expect(await refusedFrom(t.url, ATTACKER)).not.toBeNull();
    expect(performance.now() - tried).toBeGreaterThan(800);
    expect((await getFrom(t.url, '/healthz', ATTACKER)).status).toBe(200);
    // Transcript downloads in loops: past the address's HTTP budget, 429.
    const http: number[] = [];
    const get = () =>
      getFrom(t.url, `/api/rooms/${code}/transcript.json`, ATTACKER).then(
        (r) => r.status,
        () => 0, // the connection was cut before a byte was read
      );
    const httpUntil = performance.now() + 800;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (performance.now() < httpUntil) http.push(await get());
      }),
    );
    expect(http).toContain(200);
    expect(http).toContain(429);
    // Invalid frames (past the budget the connections close): big payloads the schema refuses.
    await Promise.all(
      flood.slice(30).map(async (s) => {
        for (let i = 0; i < 10 && s.connected; i++) {
          await sendRaw(s, 'host:say', { text: 'x'.repeat(10_000), extra: 1 }).then(note, () =>
            answers.push('closed'),
          );
        }
      }),
    );
    // Past its invalid-frame budget the address cannot even connect for a while.
    expect(answers.join(' ')).toContain('rate_limited');
    expect(await refusedFrom(t.url, ATTACKER)).not.toBeNull();
    const until = performance.now() + FLOOD_MS;
    let handshakes = 0;
    let refusedHandshakes = 0;
    await Promise.all([
      // Commands: 30 sockets as fast as they can (most past the address's budget).
      ...flood.slice(0, 30).map(async (s) => {
        while (performance.now() < until && s.connected) {
          await Promise.all(
            Array.from({ length: 10 }, () =>
              s.emitWithAck('room:watch', { code }).then(note, () => answers.push('closed')),
            ),
          );
        }
      }),
      // An address out of budget that keeps connecting is held and refused.
      (async () => {
        while (performance.now() < until) {
          handshakes++;
          if (await refusedFrom(t.url, ATTACKER)) refusedHandshakes++;
        }
      })(),
    ]);
    const during = room.answers.length - quiet;
    await sleep(200);
    await room.stop();

    // The flood met every kind of refusal.
    expect(refusedSockets).toHaveLength(10);
    expect(answers).toContain('rate_limited');
    expect(answers).toContain('bad_request');
    expect(closedByServer).toContain('io server disconnect');
    expect(refusedHandshakes).toBe(handshakes);
    // Held a second each (but the one told after each cooldown): a loop of attempts makes
    // about two a second, not thousands.
    expect(handshakes).toBeLessThanOrEqual(2 * Math.ceil(FLOOD_MS / 1000) + 2);

    // The victims were answered all along, and never refused.
    expect(during).toBeGreaterThan(20);
    const refused = room.answers.filter(({ ack }) => !ack.ok && ack.error.code !== 'conflict');
    expect(refused).toEqual([]);
    const slowest = Math.max(...room.answers.map((a) => a.ms));
    expect(slowest).toBeLessThan(2000);
    const log = await getFrom(t.url, `/api/rooms/${room.code}/transcript.json`, VICTIM);
    expect(log.status).toBe(200);
    expect(t.errors).toEqual([]);
    for (const s of flood) s.disconnect();
  });
});
