// The server process: reads the environment, opens the database, listens.
// PORT (3000; 0 picks a free one), HOST (0.0.0.0), DATA_DIR (./data),
// DURABILITY (normal | full: fsync every commit, see server/store/sqlite.ts),
// RATE_PER_SECOND and RATE_BURST (the per-socket command limit), PUBLIC_URL (the address
// players open: invite links and QR codes point there; unset, they point to this machine's
// LAN address) and ALLOWED_ORIGINS (comma-separated: origins besides the server's own that
// may open sockets, e.g. the address of a reverse proxy).
// Logs (server/log.ts): LOG_FORMAT (json | pretty; pretty when stdout is a terminal),
// LOG_LEVEL (info; debug, warn, error, silent).
//
// Limits per client address (server/limits.ts says why each default is what a whole
// class behind one school NAT address never reaches; docs/PROTOCOL.md "Limits"):
//   MAX_SOCKETS_PER_ADDRESS (300)              connections open at once
//   ADDRESS_RATE_PER_SECOND, ADDRESS_RATE_BURST (200, 1000)   commands, all sockets together
//   ADDRESS_EVENTS_PER_SECOND, ADDRESS_EVENTS_BURST (1000, 5000)   events its commands write
//   ADDRESS_READS_PER_SECOND, ADDRESS_READS_BURST (2000, 25000)    events folded to serve it
//   ROOMS_PER_MINUTE (30)                      rooms created
//   INVALID_PER_MINUTE, INVALID_BURST (60, 100)  invalid frames before its connection closes
//   LOOKUP_FAILURES_PER_MINUTE, LOOKUP_FAILURES_BURST (30, 60)  unknown room codes looked up
//   HTTP_RATE_PER_SECOND, HTTP_RATE_BURST (2, 120)  requests to /api
//   MAX_ROUND_EVENTS (10000), MAX_ROOM_EVENTS (20000)  caps on a round and on a room's log
//   TRUST_PROXY (0)  proxies whose X-Forwarded-For names the client; set only behind a proxy
// Retention (server/expiry.ts): ROOM_IDLE_HOURS (336: a room no person acted in for 14 days
// is deleted, log and tokens), ROOM_CLOSED_HOURS (48 after host:close), EXPIRY_SWEEP_MINUTES
// (10). TRANSCRIPT_CACHE_MB (64): memory for cached transcripts (server/transcripts.ts).
// Cluster mode (server/cluster/, README "Running on several processes"): REDIS_URL
// (redis://host:port or a unix socket's path) and LEASE_MS (3000: how long a room's owner
// may be silent before another process takes the room over).
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TRANSCRIPT_CACHE_BYTES, createApp } from './app.ts';
import { DEFAULT_RETENTION } from './expiry.ts';
import { inviteBase } from './http.ts';
import { createLogger, logFormat } from './log.ts';
import { readLimits } from './limits.ts';
import { DEFAULT_RATE_LIMIT } from './ratelimit.ts';
import { SqliteStore } from './store/sqlite.ts';
import { Cluster, redisUrlProblem } from './cluster/cluster.ts';

const env = process.env;
const port = Number(env.PORT ?? 3000);
const host = env.HOST ?? '0.0.0.0';
const dataDir = resolve(env.DATA_DIR ?? './data');
const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));
/** A number from the environment, or the default when unset. */
const number = (name: string, fallback: number): number => {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}=${raw}: expected a number > 0`);
  return n;
};
const HOUR = 3_600_000;
const publicUrl = env.PUBLIC_URL?.trim() || undefined;
if (publicUrl !== undefined) {
  const url = URL.canParse(publicUrl) ? new URL(publicUrl) : null;
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new Error(`PUBLIC_URL=${publicUrl}: expected an http:// or https:// address`);
  }
}
const logger = await createLogger(logFormat(env, process.stdout.isTTY === true), {
  level: env.LOG_LEVEL?.trim() || 'info',
});

const durability = env.DURABILITY === 'full' ? 'full' : 'normal';
/** A room's lease in cluster mode: renewed every third of it, so not shorter than Redis's hiccups. */
const leaseMs = (): number => {
  const ms = number('LEASE_MS', 3000);
  if (ms < 300)
    throw new Error(`LEASE_MS=${ms}: at least 300 (a lease is renewed every third of it)`);
  return ms;
};
const redisUrl = env.REDIS_URL?.trim() || undefined;
// Cluster mode: Redis holds the log; this process keeps its own copy in memory, read from
// Redis at start (server/cluster/cluster.ts). Otherwise the SQLite file in DATA_DIR.
let store: SqliteStore;
let cluster: Cluster | undefined;
if (redisUrl) {
  const problem = redisUrlProblem(redisUrl);
  if (problem) throw new Error(`REDIS_URL=${redisUrl}: ${problem}`);
  store = new SqliteStore(':memory:');
  cluster = new Cluster({
    url: redisUrl,
    store,
    logger,
    durability,
    leaseMs: leaseMs(),
    // Tests only (test/cluster): a slow reader of the log, to show acks wait for broadcasts.
    readDelayMs: Number(env.CLUSTER_READ_DELAY_MS ?? 0),
  });
  await cluster.start();
} else {
  mkdirSync(dataDir, { recursive: true });
  store = new SqliteStore(join(dataDir, 'movie-night.db'), { durability });
}
const server = createApp({
  store,
  ...(cluster ? { cluster } : {}),
  clock: () => Date.now(),
  logger,
  invite: { publicUrl, listenHost: host },
  clientDir: join(repo, 'dist', 'client'),
  allowedOrigins: [env.PUBLIC_URL ?? '', ...(env.ALLOWED_ORIGINS ?? '').split(',')]
    .map((o) => o.trim())
    .filter((o) => o !== ''),
  rateLimit: {
    perSecond: Number(env.RATE_PER_SECOND ?? DEFAULT_RATE_LIMIT.perSecond),
    burst: Number(env.RATE_BURST ?? DEFAULT_RATE_LIMIT.burst),
  },
  limits: readLimits(env),
  retention: {
    idleMs: number('ROOM_IDLE_HOURS', DEFAULT_RETENTION.idleMs / HOUR) * HOUR,
    closedMs: number('ROOM_CLOSED_HOURS', DEFAULT_RETENTION.closedMs / HOUR) * HOUR,
    everyMs: number('EXPIRY_SWEEP_MINUTES', DEFAULT_RETENTION.everyMs / 60_000) * 60_000,
  },
  transcriptCacheBytes:
    number('TRANSCRIPT_CACHE_MB', DEFAULT_TRANSCRIPT_CACHE_BYTES / 2 ** 20) * 2 ** 20,
});

const { port: bound } = await server.listen(port, host);
// For the person who started it: where to open the game, and the address invites carry.
const invite = inviteBase({ publicUrl, listenHost: host }, bound);
console.log('Movie Night Paxos is running. Open:');
console.log(`  http://localhost:${bound}   (on this computer)`);
if (invite.local) {
  console.log('  Invite links only work on this computer: set PUBLIC_URL or connect to a network.');
} else {
  console.log(
    `  ${invite.url}   (${publicUrl ? 'PUBLIC_URL' : 'phones on this network'}: invites point here)`,
  );
}
// Scripts and tests wait for this line (with PORT=0 it tells the port).
console.log(`listening on http://${host}:${bound}`);
logger.info('listening', { event: 'listening', host, port: bound, invite: invite.url });

// Benchmarks ask the server for its memory over IPC when they spawned it with a channel.
// The event loop's delay since the last report says whether the server itself queues work.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
if (process.send) loopDelay.enable();
process.on('message', (message: unknown) => {
  if (message === 'memory') {
    const report = {
      memory: process.memoryUsage(),
      cpu: process.cpuUsage(),
      rooms: server.rooms.size,
      loopDelayMs: { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
    };
    loopDelay.reset();
    process.send?.(report);
  }
});

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info(`${signal}: closing`, { event: 'stopping', signal });
  try {
    await server.close();
    await cluster?.close();
    store.close();
    process.exit(0);
  } catch (err) {
    logger.error('shutdown failed', err, { event: 'stopping' });
    process.exit(1);
  }
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
