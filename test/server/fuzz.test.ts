// A seeded hostile-input fuzz of the socket edge: over 10,000 generated payloads per run, over
// every event name, from three sockets of one address (nobody, the host and seated Amy of a
// room, seated Ben), plus frames socket.io cannot decode. Every answer must be a typed Ack,
// the server must stay up and log no failure, and a room on another address must not change.
// A failing seed is printed; pin it in PINNED so that it runs on every `npm test`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ack } from '../../shared/protocol/index.ts';
import { ERROR_CODES } from '../../shared/protocol/index.ts';
import { prng } from '../../shared/prng.ts';
import type { Rng } from '../../shared/prng.ts';
import { wireNames } from '../../shared/room/index.ts';
import type { Client, TestServer } from './helpers.ts';
import {
  connect,
  connectFrom,
  data,
  roomLog,
  startServer,
  untyped,
  validPayloads,
} from './helpers.ts';

/** The run's seed: `FUZZ_SEED=n npm test` explores another corner. */
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
/**
 * Seeds that once found a failure, re-run on every test run (as many payloads as it took).
 * Seed 3 made frame 3,423 over 16 KB: its text was under the cap in characters but not in
 * UTF-8 bytes, so the server closed the connection, as documented, and the acks in flight
 * never came. The generator now measures bytes; the seed checks it keeps doing so.
 */
const PINNED: { seed: number; payloads: number }[] = [{ seed: 3, payloads: 3_600 }];
const PAYLOADS = 10_500;
/** Payloads in flight at once per socket. */
const WAVE = 300;

const NODES = ['Amy', 'Ben', 'Cal', 'Dan', 'Eva', 'Fay', 'Gus'];
const KEYS = [
  'settings',
  'code',
  'name',
  'spectator',
  'token',
  'since',
  'bot',
  'value',
  'to',
  'title',
  'text',
  'playerId',
  'action',
  'messageId',
  'answer',
  'kind',
  'seat',
  'movies',
  'seats',
  'quorum',
  'delivery',
  'valueRule',
  'rules',
  'mode',
  'visibility',
  'acceptors',
  '__proto__',
  'constructor',
  'toString',
  'prototype',
  'hasOwnProperty',
  '',
  ' ',
  'x'.repeat(300),
];
/** Text a hostile client would try: controls, invisibles, surrogates, RTL, ANSI, very long. */
const NASTY = [
  '',
  ' ',
  '\n',
  '\u0000',
  '\u001b[31mred',
  '\u007f',
  '\u0085',
  '\u200b',
  '\u202e',
  '\ufeff',
  '\ud800',
  '\udfff',
  '😀',
  'Ａｍｙ',
  'amy',
  'AMY',
  'Amy',
  'ABCDE',
  'abcde',
  'O0O0O',
  '%00',
  '<script>',
  '"',
  '\\',
  '${x}',
  '../..',
  'Dune',
  'Heat',
  'grant',
  'reject',
  'drop',
  'deliver',
  'duplicate',
  'quiet',
  'steady',
  'duelling',
  'turns',
  'fog',
  'manual',
  'lamport',
  'players',
];

function text(rng: Rng): string {
  const r = rng.next();
  if (r < 0.5) return rng.pick(NASTY);
  if (r < 0.6) return rng.pick(NODES);
  if (r < 0.7) return rng.pick(NASTY).repeat(1 + rng.int(600));
  let s = '';
  const n = rng.int(40);
  for (let i = 0; i < n; i++) s += String.fromCharCode(rng.int(0x10000));
  return s;
}

function number(rng: Rng): number {
  return rng.pick([
    0,
    -0,
    1,
    -1,
    2,
    3,
    5,
    7,
    8,
    15,
    1.5,
    1e300,
    -1e300,
    2 ** 53,
    2 ** 53 + 2,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    NaN,
    Infinity,
    rng.int(1000),
    rng.int(100) - 50,
  ]);
}

function value(rng: Rng, depth: number): unknown {
  const r = rng.next();
  if (r < 0.3) return text(rng);
  if (r < 0.5) return number(rng);
  if (r < 0.58) return rng.next() < 0.5;
  if (r < 0.65) return null;
  if (depth >= 3) return text(rng);
  if (r < 0.8) return Array.from({ length: rng.int(16) }, () => value(rng, depth + 1));
  return object(rng, depth + 1);
}

function object(rng: Rng, depth: number): Record<string, unknown> {
  // Parsed JSON keeps `__proto__` as an own key, as a hostile client's frame would have it.
  const o: Record<string, unknown> = JSON.parse('{}');
  for (let i = rng.int(5); i > 0; i--) {
    Object.defineProperty(o, rng.pick(KEYS), {
      value: value(rng, depth),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return o;
}

/** A payload close to `valid` (one flaw, or none), or anything at all. */
function payload(rng: Rng, valid: Record<string, unknown>): unknown[] {
  const r = rng.next();
  if (r < 0.1) return [valid];
  if (r < 0.15) return [];
  if (r < 0.2) return [valid, value(rng, 1)];
  if (r < 0.35) return [value(rng, 0)];
  const mutated: Record<string, unknown> = JSON.parse(JSON.stringify(valid));
  const keys = Object.keys(mutated);
  const q = rng.next();
  if (q < 0.5 && keys.length > 0) mutated[rng.pick(keys)] = value(rng, 1);
  else if (q < 0.7 && keys.length > 0) delete mutated[rng.pick(keys)];
  else Object.assign(mutated, object(rng, 1));
  return [mutated];
}

let t: TestServer;
let bystander: { host: Client; code: string };
beforeAll(async () => {
  const plenty = { perSecond: 1e6, burst: 1e6 };
  t = await startServer({
    rateLimit: plenty,
    limits: {
      addressCommands: plenty,
      addressEvents: plenty,
      addressReads: plenty,
      roomsCreated: plenty,
      failedLookups: plenty,
    },
  });
  // A room on another address, with a round on: the fuzz must not touch it.
  const host = await connectFrom(t.url, '127.0.0.9');
  const { code } = data(await host.emitWithAck('room:create', { settings: {} })).identity;
  data(await host.emitWithAck('room:join', { code, name: 'zoe' }));
  data(await host.emitWithAck('host:startRound', {}));
  bystander = { host, code };
});
afterAll(() => t.close());

/** A typed answer: ok with data, or a refusal with a known code and a sentence. */
function typed(ack: unknown): boolean {
  if (typeof ack !== 'object' || ack === null) return false;
  const a = ack as Ack<unknown>;
  if (a.ok === true) return 'data' in a;
  return (
    a.ok === false &&
    (ERROR_CODES as readonly string[]).includes(a.error?.code) &&
    typeof a.error.message === 'string' &&
    a.error.message.length > 0
  );
}

/** How many answers of each kind (`ok` or the error code) a run got. */
type Answers = Record<string, number>;

async function fuzz(
  seed: number,
  count: number,
  answers: Answers,
): Promise<{ sent: number; bad: unknown[] }> {
  const rng = prng(seed);
  const actor = await connect(t.url);
  const created = data(await actor.emitWithAck('room:create', { settings: {} }));
  const { code } = created.identity;
  data(await actor.emitWithAck('room:join', { code, name: 'amy' }));
  const ben = await connect(t.url);
  const benToken = data(await ben.emitWithAck('room:join', { code, name: 'ben' })).token;
  data(await actor.emitWithAck('host:startRound', {}));
  const nobody = await connect(t.url);
  const sockets = [nobody, actor, ben];
  const token = rng.next() < 0.5 ? created.hostToken : benToken;
  const valid: Record<string, Record<string, unknown>> = {
    ...validPayloads(code, token),
    'room:create': { settings: { seats: 3 } },
    'host:autoplay': { speed: 10 },
    'host:lock': { locked: rng.next() < 0.5 },
  };
  const names = wireNames();
  expect(Object.keys(valid).sort()).toEqual([...names].sort());
  const bad: unknown[] = [];
  let sent = 0;
  for (let wave = 0; sent < count; wave++) {
    const pending: Promise<void>[] = [];
    for (let i = 0; i < WAVE && sent < count; i++, sent++) {
      // Every event name in turn, and now and then one that is none.
      const event =
        rng.next() < 0.04
          ? rng.pick(['toString', '__proto__', 'room:', text(rng)])
          : names[sent % names.length]!;
      const args = payload(rng, Object.hasOwn(valid, event) ? valid[event]! : {});
      if (Buffer.byteLength(JSON.stringify(args)) > 12_000)
        args.splice(0, args.length, { big: true });
      const socket = sockets[(sent + wave) % sockets.length]!;
      pending.push(
        untyped(socket)
          .timeout(10_000)
          .emitWithAck(event, ...args)
          .then(
            (ack: unknown) => {
              const kind = !typed(ack)
                ? 'untyped'
                : (ack as Ack<unknown>).ok
                  ? 'ok'
                  : (ack as Ack<never> & { ok: false }).error.code;
              answers[kind] = (answers[kind] ?? 0) + 1;
              if (
                !typed(ack) ||
                ((ack as Ack<unknown>).ok === false &&
                  (ack as { error: { code: string } }).error.code === 'internal')
              ) {
                bad.push({ seed, event, args, ack });
              }
            },
            (err: unknown) => void bad.push({ seed, event, args, err: String(err) }),
          ),
      );
    }
    await Promise.all(pending);
    if (bad.length > 0) break;
  }
  for (const s of sockets) s.disconnect();
  return { sent, bad };
}

describe('hostile-input fuzz', () => {
  it(
    `${PAYLOADS} generated payloads over every event name (seed ${SEED}): typed answers, nothing else changes`,
    { timeout: 60_000 },
    async () => {
      const before = await roomLog(t.url, bystander.code);
      const started = performance.now();
      const runs = [...PINNED, { seed: SEED, payloads: PAYLOADS }];
      let total = 0;
      const answers: Answers = {};
      for (const { seed, payloads } of runs) {
        const { sent, bad } = await fuzz(seed, payloads, answers);
        if (bad.length > 0)
          console.error(
            `fuzz seed ${seed} failed (pin it):`,
            JSON.stringify(bad[0]).slice(0, 2000),
          );
        expect(bad).toEqual([]);
        total += sent;
      }
      expect(total).toBeGreaterThanOrEqual(10_000);
      // The payloads reach past the schema: the game accepts some and refuses others for its reasons.
      for (const kind of ['ok', 'bad_request', 'not_found', 'forbidden', 'conflict']) {
        expect(answers[kind], kind).toBeGreaterThan(0);
      }

      // Frames socket.io cannot decode close their connection and nothing else.
      for (const garbage of ['42["host:say"', '4{', '49', '2probe', '42[]', 'x'.repeat(9000)]) {
        const raw = await connect(t.url);
        const closed = new Promise((resolve) => raw.once('disconnect', resolve));
        raw.io.engine.write(garbage);
        await Promise.race([closed, new Promise((r) => setTimeout(r, 300))]);
        raw.disconnect();
      }

      const res = await fetch(`${t.url}/healthz`);
      expect(res.status).toBe(200);
      expect(await roomLog(t.url, bystander.code)).toEqual(before);
      data(await bystander.host.emitWithAck('host:say', { text: 'still served' }));
      expect(t.errors).toEqual([]);
      console.log(
        `fuzz: ${total} payloads in ${((performance.now() - started) / 1000).toFixed(1)} s:`,
        JSON.stringify(answers),
      );
    },
  );
});
