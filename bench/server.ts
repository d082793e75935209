// npm run bench:server -- [--players 2000] [--room-size 5] [--rate 1] [--warmup 5]
//   [--duration 20] [--step] [--steps 1000,2000,3000,4000,5000] [--only ours|bare]
//   [--cpu-prof DIR] [--max-seconds 290] [--bare-pad BYTES] [--repeat K] [--processes N]
//   [--spread socket|room]
//
// Starts our server (server/main.ts, real SQLite in a temp DATA_DIR) and a bare
// socket.io server (bench/bare-server.ts: ack + room broadcast, no game) as
// child processes on 127.0.0.1, drives both with the same bots from this
// process, and prints latency (command → ack, command → broadcast at the other
// players of the room), server CPU and RSS, and ours/bare ratios. `--step`
// finds each server's capacity: the most players with p99 under 100 ms. `--processes N`
// (N > 1) adds our server in cluster mode: a redis-server of its own (Debian's, AOF
// everysec as by default) and N processes, the bots spread over them as a balancer would
// (`--spread socket`: in turn, so a room's players are on every process; `room`: a room's
// players on one process, as a balancer that routes by room code);
// its CPU is summed over the processes (and shown with Redis's), per command.
// Every loop is bounded; --max-seconds ends the whole run whatever happens.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Load, percentile } from './bots.ts';
import { LIFTED_ADDRESS_LIMITS, Processes } from './processes.ts';

const { values: flags } = parseArgs({
  options: {
    players: { type: 'string', default: '2000' },
    'room-size': { type: 'string', default: '5' },
    rate: { type: 'string', default: '1' },
    warmup: { type: 'string' },
    duration: { type: 'string' },
    step: { type: 'boolean', default: false },
    steps: { type: 'string', default: '1000,2000,3000,4000,5000' },
    only: { type: 'string' },
    'cpu-prof': { type: 'string' },
    'max-seconds': { type: 'string', default: '290' },
    'bare-pad': { type: 'string', default: '0' },
    repeat: { type: 'string', default: '1' },
    processes: { type: 'string', default: '1' },
    spread: { type: 'string', default: 'socket' },
  },
});
const PROCESSES = Number(flags.processes);
if (flags.spread !== 'socket' && flags.spread !== 'room') {
  throw new Error('--spread is socket (a balancer that knows nothing of rooms) or room');
}
const SPREAD: 'socket' | 'room' = flags.spread;
const ROOM_SIZE = Number(flags['room-size']);
const RATE = Number(flags.rate);
const WARMUP_MS = Number(flags.warmup ?? (flags.step ? 2 : 5)) * 1000;
const MEASURE_MS = Number(flags.duration ?? (flags.step ? 8 : 20)) * 1000;
const LIMIT_MS = 100;
type Kind = 'ours' | 'bare' | 'cluster';
const kinds: Kind[] =
  flags.only === 'ours' || flags.only === 'bare' || flags.only === 'cluster'
    ? [flags.only]
    : PROCESSES > 1
      ? ['ours', 'cluster', 'bare']
      : ['ours', 'bare'];
if (kinds.includes('cluster') && PROCESSES < 2)
  throw new Error('--only cluster needs --processes 2 or more');

const procs = new Processes(Number(flags['max-seconds']));
/**
 * A young generation twice V8's default (semi-spaces of 32 MB): under this load the server
 * allocates ~35 KB per command, and the default scavenged ~4 times a second, each a pause.
 */
const SERVER_NODE_FLAGS = ['--max-semi-space-size=32'];

interface Report {
  memory: NodeJS.MemoryUsage;
  cpu: NodeJS.CpuUsage;
  /** Our server only: the event loop's delay since the previous report. */
  loopDelayMs?: { p99: number; max: number };
}

/** Debian's redis-server on a unix socket in a temp dir, AOF on, fsync every second. */
async function startRedis(): Promise<{ child: ChildProcess; socket: string }> {
  const dir = procs.tempDir('mnp-bench-redis-');
  const socket = `${dir}/redis.sock`;
  const child = spawn(
    process.env.REDIS_SERVER ?? 'redis-server',
    ['--port', '0', '--unixsocket', socket, '--dir', dir, '--save', '', '--appendonly', 'yes'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  procs.children.add(child);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (/ready to accept connections/i.test(out)) resolve();
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited ${code}`)));
  });
  return { child, socket };
}

/** CPU micros a child used so far, from /proc (redis-server has no IPC channel). */
function procCpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / 100;
}

interface Started {
  children: ChildProcess[];
  urls: string[];
  redis: ChildProcess | null;
}

async function startServers(kind: Kind): Promise<Started> {
  if (kind !== 'cluster') {
    const { child, url } = await startServer(kind, {});
    return { children: [child], urls: [url], redis: null };
  }
  const redis = await startRedis();
  const started = await Promise.all(
    Array.from({ length: PROCESSES }, (_, i) =>
      startServer(kind, { REDIS_URL: redis.socket }, `cluster server ${i + 1}`),
    ),
  );
  return {
    children: started.map((s) => s.child),
    urls: started.map((s) => s.url),
    redis: redis.child,
  };
}

function startServer(
  kind: Kind,
  extra: NodeJS.ProcessEnv,
  name = `${kind} server`,
): Promise<{ child: ChildProcess; url: string }> {
  const dataDir = procs.tempDir('mnp-bench-');
  const prof = flags['cpu-prof'];
  const args = [
    ...(prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : []),
    // As `npm start` runs the server (package.json); the floor gets the same young generation.
    ...SERVER_NODE_FLAGS,
    '--import',
    'tsx',
    kind === 'bare' ? 'bench/bare-server.ts' : 'server/main.ts',
  ];
  return procs.server(
    args,
    {
      ...process.env,
      PORT: '0',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      // The bots act once a second; the limit is raised only so a slow start cannot trip it.
      RATE_PER_SECOND: '100',
      RATE_BURST: '200',
      // Every bot connects from 127.0.0.1: the per-address limits (server/limits.ts) would
      // count 2,000 players as one client. The bench measures the hot path, not those limits.
      MAX_SOCKETS_PER_ADDRESS: '1000000',
      CONNECTS_PER_SECOND: '1000000',
      CONNECTS_BURST: '1000000',
      ...LIFTED_ADDRESS_LIMITS,
      BARE_PAD: flags['bare-pad'],
      ...extra,
    },
    name,
  );
}

/** Asks the server child for its memory and CPU; answers come back in order. */
const waiting = new WeakMap<ChildProcess, ((r: Report) => void)[]>();
function ask(child: ChildProcess): Promise<Report> {
  let queue = waiting.get(child);
  if (!queue) {
    const q: ((r: Report) => void)[] = [];
    child.on('message', (m) => q.shift()?.(m as Report));
    waiting.set(child, (queue = q));
  }
  const q = queue;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no memory report in 30 s')), 30_000);
    q.push((r) => {
      clearTimeout(timer);
      resolve(r);
    });
    child.send('memory');
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
  procs.children.delete(child);
}

interface Result {
  kind: Kind;
  players: number;
  perSecond: number;
  ack: [number, number];
  broadcast: [number, number];
  errors: Record<string, number>;
  unanswered: number;
  rssMB: number;
  cpuPercent: number;
  /** Longest event-loop stall in the server seen during the run (ours only; 0 for bare). */
  loopMaxMs: number;
  /** Cluster only: redis-server's CPU during the window (not in `cpuPercent`). */
  redisCpuPercent: number;
  /** CPU of this process (the bots) during the window: they share the two cores. */
  generatorPercent: number;
  connectSeconds: number;
}

/** The servers' reports together: CPU and RSS summed, the longest stall of any. */
async function askAll(children: ChildProcess[]): Promise<Report> {
  const reports = await Promise.all(children.map(ask));
  const sum = (pick: (r: Report) => number) => reports.reduce((n, r) => n + pick(r), 0);
  return {
    memory: { ...reports[0]!.memory, rss: sum((r) => r.memory.rss) },
    cpu: { user: sum((r) => r.cpu.user), system: sum((r) => r.cpu.system) },
    loopDelayMs: {
      p99: Math.max(...reports.map((r) => r.loopDelayMs?.p99 ?? 0)),
      max: Math.max(...reports.map((r) => r.loopDelayMs?.max ?? 0)),
    },
  };
}

async function measure(kind: Kind, players: number): Promise<Result> {
  const { children, urls, redis } = await startServers(kind);
  const load = new Load(urls, players, ROOM_SIZE, undefined, SPREAD);
  const t0 = performance.now();
  await load.connect();
  const connectSeconds = (performance.now() - t0) / 1000;
  let peakRss = (await askAll(children)).memory.rss;
  let loopMax = 0;
  let cpuStart: Report['cpu'] | null = null;
  let redisStart = 0;
  const sampler = setInterval(() => {
    askAll(children).then(
      (r) => {
        peakRss = Math.max(peakRss, r.memory.rss);
        if (r.loopDelayMs) loopMax = Math.max(loopMax, r.loopDelayMs.max);
      },
      () => {},
    );
  }, 1000);
  const windowStart = setTimeout(() => {
    if (redis?.pid) redisStart = procCpuMicros(redis.pid);
    askAll(children).then(
      (r) => (cpuStart = r.cpu),
      () => {},
    );
  }, WARMUP_MS);
  let genStart = process.cpuUsage();
  const genTimer = setTimeout(() => (genStart = process.cpuUsage()), WARMUP_MS);
  await load.run(RATE, WARMUP_MS, MEASURE_MS);
  const gen = process.cpuUsage(genStart);
  clearTimeout(genTimer);
  const end = await askAll(children);
  const redisMicros = redis?.pid ? procCpuMicros(redis.pid) - redisStart : 0;
  clearInterval(sampler);
  clearTimeout(windowStart);
  await load.stop();
  await Promise.all(children.map(stopServer));
  if (redis) await stopServer(redis);
  const start = cpuStart as Report['cpu'] | null;
  const cpuMicros = start ? end.cpu.user + end.cpu.system - start.user - start.system : NaN;
  const s = load.samples;
  const ack = [...s.ack].sort((a, b) => a - b);
  const broadcast = [...s.broadcast].sort((a, b) => a - b);
  return {
    kind,
    players,
    perSecond: s.sent / (MEASURE_MS / 1000),
    ack: [percentile(ack, 50), percentile(ack, 99)],
    broadcast: [percentile(broadcast, 50), percentile(broadcast, 99)],
    errors: s.errors,
    unanswered: s.unanswered,
    rssMB: Math.max(peakRss, end.memory.rss) / 2 ** 20,
    loopMaxMs: loopMax,
    generatorPercent: (gen.user + gen.system) / 10 / MEASURE_MS,
    cpuPercent: cpuMicros / 10 / MEASURE_MS,
    redisCpuPercent: redisMicros / 10 / MEASURE_MS,
    connectSeconds,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN;
}

const ms = (n: number) => (Number.isFinite(n) ? `${n.toFixed(1)} ms` : 'n/a');
/** The run's p99 that counts for capacity; a command never answered makes it infinite. */
const worstP99 = (r: Result) => (r.unanswered > 0 ? Infinity : Math.max(r.ack[1], r.broadcast[1]));

function print(r: Result): void {
  const errors = Object.entries(r.errors)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  console.log(
    `${r.kind.padEnd(4)} ${String(r.players).padStart(5)} players  ${r.perSecond.toFixed(0).padStart(5)} cmd/s  ` +
      `ack p50 ${ms(r.ack[0])} p99 ${ms(r.ack[1])}  ` +
      `broadcast p50 ${ms(r.broadcast[0])} p99 ${ms(r.broadcast[1])}  ` +
      `cpu ${r.cpuPercent.toFixed(0)}%${r.kind === 'cluster' ? ` over ${PROCESSES} processes (+ redis ${r.redisCpuPercent.toFixed(0)}%)` : ''}  ` +
      `rss ${r.rssMB.toFixed(0)} MB  ` +
      (r.loopMaxMs ? `loop stall max ${ms(r.loopMaxMs)}  ` : '') +
      `bots cpu ${r.generatorPercent.toFixed(0)}%  ` +
      `(connect ${r.connectSeconds.toFixed(1)} s${errors ? `; refused: ${errors}` : ''}` +
      `${r.unanswered ? `; unanswered ${r.unanswered}` : ''})`,
  );
}

async function main(): Promise<void> {
  console.log(
    `bench: rooms of ${ROOM_SIZE}, ${RATE} command/s per player, warmup ${WARMUP_MS / 1000} s, ` +
      `measured ${MEASURE_MS / 1000} s, node ${process.version}, load generator in this process`,
  );
  if (!flags.step) {
    const players = Number(flags.players);
    // --repeat alternates the servers so that other load on the machine hits both alike.
    const runs: Record<Kind, Result[]> = { ours: [], bare: [], cluster: [] };
    for (let i = 0; i < Number(flags.repeat); i++) {
      for (const kind of kinds) {
        const r = await measure(kind, players);
        runs[kind].push(r);
        print(r);
      }
    }
    const med = (kind: Kind, pick: (r: Result) => number) => median(runs[kind].map(pick));
    if (runs.ours.length && runs.bare.length) {
      const ratio = (pick: (r: Result) => number) =>
        `${(med('ours', pick) / med('bare', pick)).toFixed(2)}x`;
      const label = runs.ours.length > 1 ? 'ratio of medians ours/bare' : 'ratio ours/bare';
      console.log(
        `${label}: ack p50 ${ratio((r) => r.ack[0])} p99 ${ratio((r) => r.ack[1])}  ` +
          `broadcast p50 ${ratio((r) => r.broadcast[0])} p99 ${ratio((r) => r.broadcast[1])}  ` +
          `cpu per command ${ratio((r) => r.cpuPercent / r.perSecond)}  rss ${ratio((r) => r.rssMB)}  ` +
          `(goal: p99 within 1.5x)`,
      );
    }
    if (runs.ours.length && runs.cluster.length) {
      const perCommand = (kind: Kind, withRedis: boolean) =>
        med(kind, (r) => (r.cpuPercent + (withRedis ? r.redisCpuPercent : 0)) / r.perSecond);
      console.log(
        `cluster of ${PROCESSES} / one process: cpu per command ${(perCommand('cluster', false) / perCommand('ours', false)).toFixed(2)}x ` +
          `(${(perCommand('cluster', true) / perCommand('ours', false)).toFixed(2)}x with redis-server's)  ` +
          `ack p99 ${(med('cluster', (r) => r.ack[1]) / med('ours', (r) => r.ack[1])).toFixed(2)}x  ` +
          `(goal: cpu per command at most 1.5x)`,
      );
    }
    return;
  }
  const steps = flags.steps.split(',').map(Number);
  const capacity: Partial<Record<Kind, number>> = {};
  for (const kind of kinds) {
    capacity[kind] = 0;
    for (const players of steps) {
      const r = await measure(kind, players);
      print(r);
      if (worstP99(r) < LIMIT_MS) capacity[kind] = players;
      // Far past the limit, bigger steps only take time.
      else if (worstP99(r) > 10 * LIMIT_MS) break;
    }
  }
  for (const kind of kinds) {
    console.log(`capacity ${kind}: ${capacity[kind]} players with p99 under ${LIMIT_MS} ms`);
  }
  if (capacity.ours !== undefined && capacity.bare) {
    const ratio = capacity.ours / capacity.bare;
    console.log(`capacity ratio ours/bare: ${(ratio * 100).toFixed(0)}% (goal: at least 90%)`);
  }
}

main().then(
  () => {
    procs.cleanup();
    process.exit(0);
  },
  (err: unknown) => {
    console.error(err);
    procs.cleanup();
    process.exit(1);
  },
);
