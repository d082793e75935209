// The cluster tests' world: a redis-server of their own (a temp dir, a unix socket, AOF, no
// RDB), and server processes (server/main.ts with REDIS_URL) that can be killed or paused.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerProcess } from '../server/helpers.ts';
import { spawnServer, tempDir } from '../server/helpers.ts';

/** Debian's redis-server (.ci/run installs it), or REDIS_SERVER. */
export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
if (!existsSync(REDIS_SERVER)) {
  throw new Error(
    `${REDIS_SERVER} is missing: the cluster tests need Redis (apt-get install -y redis-server, as .ci/run does)`,
  );
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));

export type { ServerProcess };

export class World {
  private readonly tmp = tempDir();
  private readonly children = new Set<ChildProcess>();
  redis: ChildProcess | null = null;
  readonly socket = join(this.tmp.dir, 'redis.sock');

  /** Starts (or restarts, on the same dir and AOF) the world's redis-server. */
  async startRedis(): Promise<void> {
    const child = spawn(
      REDIS_SERVER,
      [
        '--port',
        '0',
        '--unixsocket',
        this.socket,
        '--dir',
        this.tmp.dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.children.add(child);
    this.redis = child;
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const seen = (c: Buffer) => {
        out += c.toString();
        if (/ready to accept connections/i.test(out)) resolve();
      };
      child.stdout!.on('data', seen);
      child.stderr!.on('data', seen);
      child.once('exit', (code) => reject(new Error(`redis-server exited ${code}: ${out}`)));
    });
  }

  /** A server process in cluster mode on a free port. */
  async server(env: Record<string, string> = {}): Promise<ServerProcess> {
    const started = await spawnServer({
      REDIS_URL: this.socket,
      LEASE_MS: '1000',
      DURABILITY: 'full',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'error',
      // The tests open many sockets from one address.
      MAX_SOCKETS_PER_ADDRESS: '1000',
      ...env,
    });
    this.children.add(started.child);
    return started;
  }

  /** kill -9, and wait until it is gone. */
  async kill(child: ChildProcess): Promise<void> {
    child.kill('SIGKILL');
    await exited(child);
  }

  /** The world's Redis answers a command (redis-cli is not needed: a tiny ioredis client). */
  async redisCommand(...args: string[]): Promise<unknown> {
    const { Redis } = await import('ioredis');
    const r = new Redis({ path: this.socket, maxRetriesPerRequest: 1 });
    try {
      return await r.call(args[0]!, ...args.slice(1));
    } finally {
      r.disconnect();
    }
  }

  async cleanup(): Promise<void> {
    for (const c of this.children) {
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }
    await Promise.all([...this.children].map(exited));
    this.tmp.cleanup();
  }
}
