// Shared by the server tests: a real server on a free port, real socket.io clients.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { io as connectClient } from 'socket.io-client';
import type { Socket as ClientSocket } from 'socket.io-client';
import type { App, AppDeps } from '../../server/app.ts';
import { createApp } from '../../server/app.ts';
import type { Logger } from '../../server/log.ts';
import { SqliteStore } from '../../server/store/sqlite.ts';
import type { Scheduler } from '../../server/timers.ts';
import type {
  Ack,
  ClientEventName,
  ClientToServerEvents,
  ServerToClientEvents,
  View,
} from '../../shared/protocol/index.ts';
import type { Envelope } from '../../shared/room/index.ts';

export type Client = ClientSocket<ServerToClientEvents, ClientToServerEvents>;
/** The same socket without the event map's types, to send what a typed client cannot. */
export const untyped = (socket: Client): ClientSocket => socket as unknown as ClientSocket;

export interface TestServer {
  url: string;
  store: SqliteStore;
  server: App;
  /** Errors the server logged: a test that expects none checks this is empty. */
  errors: string[];
  close(): Promise<void>;
}

/** A temp directory removed by `cleanup`. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'mnp-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startServer(
  options: Partial<Omit<AppDeps, 'store'>> & { dbPath?: string } = {},
): Promise<TestServer> {
  const store = new SqliteStore(options.dbPath ?? ':memory:');
  const errors: string[] = [];
  const logger: Logger = {
    info: () => {},
    error: (message, error) => errors.push(`${message}: ${String(error)}`),
  };
  let t = 1_700_000_000_000;
  const server = createApp({
    clock: () => (t += 1000),
    logger,
    ...options,
    // Every server test runs with the real limits but these two: bad-input and the fuzz send
    // hundreds of invalid payloads on purpose, and a test file opens sockets from one address
    // faster than a class does (a file's ten tests can open a hundred sockets in two seconds).
    // Both limits are tested in limits.test.ts.
    limits: {
      invalidFrames: { perSecond: 1000, burst: 100_000 },
      addressConnects: { perSecond: 1000, burst: 10_000 },
      ...options.limits,
    },
    store,
  });
  const { port } = await server.listen(0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    server,
    errors,
    close: async () => {
      await server.close();
      store.close();
    },
  };
}

/** A connected websocket client; no automatic reconnection, so a test sees every disconnect. */
export async function connect(url: string, auth: Record<string, unknown> = {}): Promise<Client> {
  const socket: Client = connectClient(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    auth,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => reject(err));
  });
  return socket;
}

/** Every `room:events` envelope a socket receives, in arrival order. */
export function record(socket: Client): Envelope[] {
  const seen: Envelope[] = [];
  socket.on('room:events', ({ events }) => seen.push(...events));
  return seen;
}

export async function waitFor(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The data of a successful ack, or a thrown error naming the refusal. */
export function data<T>(ack: Ack<T>): T {
  if (!ack.ok) throw new Error(`refused: ${ack.error.code}: ${ack.error.message}`);
  return ack.data;
}

export function errorCode(ack: Ack<unknown>): string | null {
  return ack.ok ? null : ack.error.code;
}

/** The room's log over HTTP, as a client or bot would fetch it. */
export async function roomLog(url: string, code: string): Promise<Envelope[]> {
  const res = await fetch(`${url}/api/rooms/${code}/transcript.json`);
  if (res.status !== 200) throw new Error(`transcript.json answered ${res.status}`);
  return ((await res.json()) as { events: Envelope[] }).events;
}

/**
 * The notebook's rules: play goes on after a value is chosen (the seed's cases
 * show what happens then), instead of the game's default of ending the round.
 */
export const SEED_SETTINGS = { rules: { endWhenChosen: false } };

/** A room with a host socket and five seated players, Amy to Eva in join order. */
export async function seatedRoom(url: string, settings: object = SEED_SETTINGS) {
  const host = await connect(url);
  const created = data(await host.emitWithAck('room:create', { settings }));
  const code = created.identity.code;
  const players: Client[] = [];
  const tokens: string[] = [];
  const ids: string[] = [];
  for (const name of ['amy', 'ben', 'cal', 'dan', 'eva']) {
    const socket = await connect(url);
    const joined = data(await socket.emitWithAck('room:join', { code, name }));
    players.push(socket);
    tokens.push(joined.token);
    ids.push(joined.identity.playerId!);
  }
  return {
    host,
    code,
    hostToken: created.hostToken,
    screenKey: created.screenKey,
    players,
    tokens,
    ids,
  };
}

/**
 * A fake clock and the scheduler that goes with it: timers fire only when a
 * test advances the clock, in time order, each awaited (a bot's batch, a
 * tick) before the next.
 */
export function fakeTime(start = 1_700_000_000_000) {
  let now = start;
  let next = 1;
  const timers = new Map<number, { at: number; fn: () => unknown }>();
  const scheduler: Scheduler = {
    setTimeout: (fn, ms) => {
      const id = next++;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return id;
    },
    clearTimeout: (id) => void timers.delete(id as number),
  };
  return {
    clock: () => now,
    scheduler,
    get now() {
      return now;
    },
    /** Timers waiting. */
    get pending() {
      return timers.size;
    },
    /** Moves the clock forward by `ms`, firing every timer that falls due on the way. */
    async advance(ms: number): Promise<void> {
      const until = now + ms;
      for (;;) {
        let due: [number, { at: number; fn: () => unknown }] | undefined;
        for (const entry of timers) if (!due || entry[1].at < due[1].at) due = entry;
        if (!due || due[1].at > until) break;
        timers.delete(due[0]);
        now = Math.max(now, due[1].at);
        await due[1].fn();
      }
      now = until;
    },
  };
}

/** Every payload a socket receives, as JSON text, and its `room:view`s: what it could read. */
export function listen(socket: Client): { text: string[]; views: View[]; events: Envelope[] } {
  const seen = { text: [] as string[], views: [] as View[], events: [] as Envelope[] };
  socket.onAny((event: string, payload: unknown) => {
    seen.text.push(`${event} ${JSON.stringify(payload)}`);
  });
  socket.on('room:view', (view) => seen.views.push(view));
  socket.on('room:events', ({ events }) => seen.events.push(...events));
  return seen;
}

/**
 * A connected websocket client from this local address (127.0.0.0/8 is all loopback on
 * Linux): the server sees it as another client address, as the limits count them.
 */
export async function connectFrom(
  url: string,
  localAddress: string,
  options: { auth?: Record<string, unknown>; headers?: Record<string, string> } = {},
): Promise<Client> {
  const socket: Client = connectClient(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    auth: options.auth ?? {},
    extraHeaders: options.headers,
    localAddress,
  } as Parameters<typeof connectClient>[1]);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => {
      socket.disconnect();
      reject(err);
    });
  });
  return socket;
}

/** The `connect_error` a connection from this address meets, or null if it was let in. */
export async function refusedFrom(
  url: string,
  localAddress: string,
  headers?: Record<string, string>,
): Promise<(Error & { data?: unknown }) | null> {
  try {
    const socket = await connectFrom(url, localAddress, { headers });
    socket.disconnect();
    return null;
  } catch (err) {
    return err as Error & { data?: unknown };
  }
}

/** A GET from this local address: status, headers and body. */
export function getFrom(
  url: string,
  path: string,
  localAddress: string,
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}> {
  const base = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: base.hostname, port: base.port, path, localAddress, headers, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Sends `event` with this payload (or none) and an ack, as an untyped client may. */
export async function sendRaw(
  socket: Client,
  event: string,
  ...args: unknown[]
): Promise<Ack<unknown>> {
  return (await untyped(socket).emitWithAck(event, ...args)) as Ack<unknown>;
}

/**
 * A payload each wire event would accept, in a room `code` whose token is `token` (the edge's
 * tests vary one field of it, so the flaw is the reason for a refusal).
 */
export const validPayloads = (
  code: string,
  token: string,
): Record<ClientEventName, Record<string, unknown>> => ({
  'room:create': { settings: {} },
  'room:join': { code, name: 'newcomer' },
  'room:resume': { code, token },
  'room:watch': { code },
  'room:sync': { since: 0 },
  'room:leave': {},
  'node:newProposal': { value: 'Heat' },
  'node:promiseRequest': { to: 'Ben' },
  'node:acceptRequest': { to: 'Ben' },
  'node:propose': { value: 'Heat', to: ['Amy', 'Ben', 'Cal'] },
  'host:settings': { settings: { seats: 5 } },
  'host:startRound': {},
  'host:endRound': {},
  'host:kick': { playerId: 'abcdef' },
  'host:say': { text: 'hi' },
  'host:close': {},
  'host:network': { action: 'drop', messageId: 1 },
  'node:answer': { messageId: 1, answer: 'grant' },
  'node:endTurn': {},
  'host:pause': {},
  'host:resume': {},
  'host:skipTurn': {},
  'host:addBot': { kind: 'quiet' },
  'host:rename': { title: 'Friday' },
  // The instructor's instrument (issue 9): faults, auto-play, forks.
  'host:hold': { node: 'Cal' },
  'host:release': {},
  'host:delay': { to: 'Ben', steps: 2 },
  'host:step': {},
  'host:partition': { groups: [['Amy', 'Ben']] },
  'host:heal': {},
  'host:crash': { node: 'Cal' },
  'host:recover': { node: 'Cal', memory: 'kept' },
  'host:autoplay': { speed: 1 },
  'host:fork': { at: 1 },
  // The room's doors (issue 13): the screen key, the lock, letting a removed player back.
  'host:screenKey': {},
  'host:lock': { locked: true },
  'host:allowBack': { playerId: 'abcdef' },
  // Guided demos and predictions (issue 10).
  'host:loadScenario': {
    scenario: { quorum: 2, nodes: ['Amy', 'Ben', 'Cal'], steps: [{ say: 'Hello' }] },
  },
  'host:demoNext': {},
  'host:demoBack': {},
  'host:demoLive': {},
  'player:predict': { choice: 'grant' },
  // A class (issue 11): the class's commands, and the room's two that moderation needs.
  'host:extraTime': { playerId: 'abcdef', seconds: 30 },
  'host:renamePlayer': { playerId: 'abcdef', name: 'Sam' },
  'class:create': { settings: {} },
  'class:join': { code: '123456', name: 'Sam' },
  'class:resume': { code: '123456', token },
  'class:seat': {},
  'class:openTable': { table: code },
  'class:startRound': {},
  'class:endRound': {},
  'class:pause': { paused: true },
  'class:settings': { settings: { seats: 5 } },
  'class:loadScenario': {
    scenario: { quorum: 2, nodes: ['Amy', 'Ben', 'Cal'], steps: [{ say: 'Hello' }] },
  },
  'class:ask': { text: 'Who wins?', choices: ['Amy', 'Ben'] },
  'class:reveal': {},
  'class:answer': { choice: 'Amy' },
  'class:lock': { locked: true },
  'class:kick': { studentId: 'abcdef' },
  'class:rename': { studentId: 'abcdef', name: 'Sam' },
  'class:extraTime': { studentId: 'abcdef', seconds: 30 },
  'class:hideCode': { hidden: true },
  'class:project': {},
  'class:cohost': {},
});

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** What it printed (stdout and stderr). */
  output(): string;
}

/**
 * `server/main.ts` as a process of its own on a free port of 127.0.0.1 (so that it can be
 * killed), once it prints its machine-readable line.
 */
export async function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  return { child, url, output: () => out };
}
