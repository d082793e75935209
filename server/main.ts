// The server process: reads the environment, opens the database, listens.
// PORT (3000; 0 picks a free one), HOST (0.0.0.0), DATA_DIR (./data),
// DURABILITY (normal | full: fsync every commit, see server/store/sqlite.ts),
// RATE_PER_SECOND and RATE_BURST (the per-socket command limit), PUBLIC_URL and
// ALLOWED_ORIGINS (comma-separated: origins besides the server's own that may open sockets,
// e.g. the address of a reverse proxy).
import { mkdirSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createApp } from './app.ts';
import { DEFAULT_RATE_LIMIT } from './ratelimit.ts';
import { SqliteStore } from './store/sqlite.ts';

const env = process.env;
const port = Number(env.PORT ?? 3000);
const host = env.HOST ?? '0.0.0.0';
const dataDir = resolve(env.DATA_DIR ?? './data');
const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));

mkdirSync(dataDir, { recursive: true });
const store = new SqliteStore(join(dataDir, 'movie-night.db'), {
  durability: env.DURABILITY === 'full' ? 'full' : 'normal',
});
const server = createApp({
  store,
  clock: () => Date.now(),
  clientDir: join(repo, 'dist', 'client'),
  allowedOrigins: [env.PUBLIC_URL ?? '', ...(env.ALLOWED_ORIGINS ?? '').split(',')]
    .map((o) => o.trim())
    .filter((o) => o !== ''),
  rateLimit: {
    perSecond: Number(env.RATE_PER_SECOND ?? DEFAULT_RATE_LIMIT.perSecond),
    burst: Number(env.RATE_BURST ?? DEFAULT_RATE_LIMIT.burst),
  },
});

const { port: bound } = await server.listen(port, host);
console.log('Movie Night Paxos is running. Open:');
console.log(`  http://localhost:${bound}`);
if (host === '0.0.0.0' || host === '::') {
  // Phones on the same network join with one of these.
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (a.family === 'IPv4' && !a.internal) console.log(`  http://${a.address}:${bound}`);
    }
  }
}
// Scripts and tests wait for this line (with PORT=0 it tells the port).
console.log(`listening on http://${host}:${bound}`);

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
  console.log(`${signal}: closing`);
  try {
    await server.close();
    store.close();
    process.exit(0);
  } catch (err) {
    console.error('shutdown failed', err);
    process.exit(1);
  }
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
