// npm run bench:abuse -- [--victims 200] [--warmup 2] [--duration 15] [--only a,b]
//   [--max-seconds 400]
//
// What one abusive client costs everyone else (issue 13: one client must never raise other
// rooms' ack p99 beyond 2x). Starts the server (server/main.ts, real SQLite in a temp
// DATA_DIR, the default limits) as a child process, seeds one big room (19,000 events) into
// its database, plays victim rooms (bench/bots.ts: rooms of five, each bot acting once a
// second), and measures the victims' ack p99: quiet, then under each flood. Floods come from
// a second child process (this file with --attack KIND) so that the attacker's own work does
// not sit in the victims' event loop: transcript downloads in loops, many sockets, a command
// flood, invalid 15 KB frames, and node:propose to 14 nodes from 20 seats. A control phase
// aims the socket flood at a second server process instead: what the victims feel then is
// the machine's share of a flood (loopback, the kernel's accept work), not their server's.
// A quiet phase follows every flood, and each flood's ratio is its p99 over the mean of the
// quiet p99 before and after it (the quiet p99 drifts on a machine shared with other work).
// Phases last 15 s: at 8 s a phase's p99 was the 16th-slowest of ~1,600 acks, a quiet p99 is
// 3-6 ms, and one 10 ms pause anywhere moved a ratio by a whole 1x.
//
// Distinct addresses on one machine: the server counts a client by its connection's remote
// address, and on Linux all of 127.0.0.0/8 is loopback. So the victims connect from
// 127.0.0.2–127.0.0.5 (socket.io-client's `localAddress`, four "classes") and each flood
// from an address of its own, 127.0.0.10 and up. That exercises the very code a real deployment runs; a test-only header
// would have needed a server setting that trusts clients to name their address (TRUST_PROXY
// does that behind a real proxy, and is not what is measured here). On a system without the
// whole 127/8 on loopback (macOS), add the aliases first (`ifconfig lo0 alias 127.0.0.2`...).
// Every loop is bounded; --max-seconds ends the whole run whatever happens.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SqliteStore } from '../server/store/sqlite.ts';
import { randomRoomLog } from '../test/room/random-room-log.ts';
import { FLOODS, attack } from './attacks.ts';
import type { Flood } from './attacks.ts';
import { Load, percentile } from './bots.ts';
import { Processes } from './processes.ts';

const { values: flags } = parseArgs({
  options: {
    victims: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '2' },
    duration: { type: 'string', default: '15' },
    only: { type: 'string' },
    'max-seconds': { type: 'string', default: '400' },
    attack: { type: 'string' },
    url: { type: 'string' },
    address: { type: 'string' },
  },
});

/** The big room every transcript flood downloads (randomRoomLog's code). */
const BIG_ROOM = 'ABCDE';
/** Each flood comes from an address of its own: what one flood spent does not hinder the next. */
const attackerOf = (i: number) => `127.0.0.${10 + i}`;
const VICTIM_ADDRESSES = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
const repo = fileURLToPath(new URL('..', import.meta.url));

if (flags.attack) {
  // The attacker's process: floods until told to stop, then reports what it met.
  await attack(flags.attack as Flood, flags.url!, flags.address!, BIG_ROOM);
  process.exit(0);
}

const WARMUP_MS = Number(flags.warmup) * 1000;
const MEASURE_MS = Number(flags.duration) * 1000;
const procs = new Processes(Number(flags['max-seconds']));

/** A room of 19,000 events in the database before the server starts, stamped now. */
function seedBigRoom(dataDir: string): number {
  const store = new SqliteStore(join(dataDir, 'movie-night.db'));
  const now = Date.now();
  const log = randomRoomLog(20261202, 19_000).map((e) => ({ ...e, at: now }));
  store.append(BIG_ROOM, log);
  store.close();
  return log.length;
}

const dbBytes = (dir: string) =>
  readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);

interface Report {
  memory: NodeJS.MemoryUsage;
  loopDelayMs?: { p99: number; max: number };
}

function startServer(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  return procs.server(['--import', 'tsx', 'server/main.ts'], {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
  });
}

/** The server's memory and event-loop delay since the last report. */
function ask(child: ChildProcess): Promise<Report> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no report in 30 s')), 30_000);
    child.once('message', (m) => {
      clearTimeout(timer);
      resolve(m as Report);
    });
    child.send('memory');
  });
}

/** Starts a flood in its own process; resolves once it says the flood is on. */
async function startFlood(kind: Flood, url: string, address: string) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/abuse.ts', '--attack', kind, '--url', url, '--address', address],
    { cwd: repo, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  procs.children.add(child);
  // The attacker's own work would be another machine's: it gets the cores only when the
  // server and the victims leave them idle (its flood rate is printed, to show it was real).
  setPriority(child.pid!, 19);
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`attacker ${kind} exited ${code}`)));
  });
  return {
    /** Stops the flood; resolves to what the attacker met. */
    stop: () =>
      new Promise<string>((resolve) => {
        child.once('message', (summary) => {
          procs.children.delete(child);
          resolve(String(summary));
        });
        child.send('stop');
      }),
  };
}

interface Phase {
  name: string;
  p50: number;
  p99: number;
  answered: number;
  refused: Record<string, number>;
  unanswered: number;
  loopMaxMs: number;
  attacker: string;
  dbMB: number;
}

async function main(): Promise<void> {
  const started = performance.now();
  const dataDir = procs.tempDir('mnp-abuse-');
  const bigEvents = seedBigRoom(dataDir);
  const { child, url } = await startServer(dataDir);
  const victims = Number(flags.victims);
  const per = Math.ceil(victims / VICTIM_ADDRESSES.length);
  const loads = VICTIM_ADDRESSES.map((a) => new Load(url, per, 5, a));
  await Promise.all(loads.map((l) => l.connect(5)));
  console.log(
    `bench:abuse: ${per * loads.length} victims in rooms of 5 (1 command/s each) from ` +
      `${VICTIM_ADDRESSES.join(', ')}; each flood from one address of its own (127.0.0.10+); big room ${bigEvents} events; ` +
      `warmup ${WARMUP_MS / 1000} s, measured ${MEASURE_MS / 1000} s per phase; node ${process.version}`,
  );

  const measure = async (name: string, attacker = ''): Promise<Phase> => {
    for (const l of loads) {
      const s = l.samples;
      s.ack.length = 0;
      s.broadcast.length = 0;
      s.sent = 0;
      s.unanswered = 0;
      for (const k of Object.keys(s.errors)) delete s.errors[k];
    }
    const before = dbBytes(dataDir);
    await ask(child); // resets the loop-delay window
    await Promise.all(loads.map((l) => l.run(1, WARMUP_MS, MEASURE_MS)));
    const report = await ask(child);
    const acks = loads.flatMap((l) => l.samples.ack).sort((a, b) => a - b);
    const refused: Record<string, number> = {};
    for (const l of loads) {
      for (const [k, v] of Object.entries(l.samples.errors)) refused[k] = (refused[k] ?? 0) + v;
    }
    return {
      name,
      p50: percentile(acks, 50),
      p99: percentile(acks, 99),
      answered: acks.length,
      refused,
      unanswered: loads.reduce((n, l) => n + l.samples.unanswered, 0),
      loopMaxMs: report.loopDelayMs?.max ?? NaN,
      attacker,
      dbMB: (dbBytes(dataDir) - before) / 2 ** 20,
    };
  };

  const print = (p: Phase, ratio?: number) => {
    // Refusals the game gives (conflict: a rival's proposal) are not the limits' doing.
    const limited = p.refused.rate_limited ?? 0;
    console.log(
      `${p.name.padEnd(12)} victims ack p50 ${p.p50.toFixed(1).padStart(5)} ms  p99 ${p.p99.toFixed(1).padStart(6)} ms` +
        (ratio === undefined ? '               ' : `  ratio ${ratio.toFixed(2).padStart(5)}x`) +
        `  (${p.answered} acks${limited ? `, ${limited} rate_limited` : ''}` +
        `${p.unanswered ? `, ${p.unanswered} unanswered` : ''}; server loop stall max ${p.loopMaxMs.toFixed(0)} ms; ` +
        `db +${p.dbMB.toFixed(1)} MB)` +
        (p.attacker ? `\n${''.padEnd(12)} attacker: ${p.attacker}` : ''),
    );
  };

  // Quiet phases between the floods: on a machine shared with other work the quiet p99
  // drifts, so each flood is compared with the mean of the quiet phases on either side of it.
  const only = flags.only?.split(',');
  const floods: { kind: Flood | 'control'; address: string }[] = [
    ...FLOODS.map((kind, i) => ({ kind, address: attackerOf(i) })),
    { kind: 'control' as const, address: attackerOf(FLOODS.length) },
  ].filter((f) => !only || only.includes(f.kind));
  let quiet = await measure('quiet');
  print(quiet);
  const results: { phase: Phase; ratio: number }[] = [];
  for (const { kind, address } of floods) {
    let phase: Phase;
    if (kind === 'control') {
      // The control: the socket flood aimed at another server process on the same machine.
      // What the victims feel then is the machine's share (the kernel's loopback and accept
      // work, the attacker's own CPU), not their server's.
      const otherDir = procs.tempDir('mnp-abuse-other-');
      const other = await startServer(otherDir);
      const flood = await startFlood('sockets', other.url, address);
      phase = await measure('control');
      phase.attacker = `${await flood.stop()} (the sockets flood, at another server)`;
      other.child.kill('SIGTERM');
      await new Promise((r) => other.child.once('exit', r));
    } else {
      const flood = await startFlood(kind, url, address);
      phase = await measure(kind);
      phase.attacker = await flood.stop();
    }
    await new Promise((r) => setTimeout(r, 1000));
    const after = await measure('quiet');
    const ratio = phase.p99 / ((quiet.p99 + after.p99) / 2);
    results.push({ phase, ratio });
    print(phase, ratio);
    print(after);
    quiet = after;
  }

  const floodsOnly = results.filter((r) => r.phase.name !== 'control');
  const worst = Math.max(...floodsOnly.map((r) => r.ratio));
  const refusedVictims = results.reduce((n, r) => n + (r.phase.refused.rate_limited ?? 0), 0);
  console.log(
    `ratios (flood p99 / mean of the quiet p99 before and after): ` +
      results.map((r) => `${r.phase.name} ${r.ratio.toFixed(2)}x`).join(', '),
  );
  console.log(
    `worst flood ratio ${worst.toFixed(2)}x (goal: ≤ 2x), ${refusedVictims} victim commands ` +
      `rate_limited (goal: 0): ${worst <= 2 && refusedVictims === 0 ? 'met' : 'NOT met'}; ` +
      `${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  await Promise.all(loads.map((l) => l.stop()));
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
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
