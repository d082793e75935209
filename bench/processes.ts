// The child processes and temp directories of a bench (bench/server.ts, bench/abuse.ts): a
// server spawned and waited for until it prints its URL, everything killed and removed at the
// end, and a deadline (--max-seconds) after which the whole run stops whatever happens.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));

/**
 * The per-address limits (server/limits.ts) a bench lifts: every simulated client connects
 * from 127.0.0.1, and the limits would count them all as one. Sockets and connects are set
 * by each bench (to what it measures).
 */
export const LIFTED_ADDRESS_LIMITS = {
  ADDRESS_RATE_PER_SECOND: '1000000',
  ADDRESS_RATE_BURST: '1000000',
  ADDRESS_EVENTS_PER_SECOND: '1000000',
  ADDRESS_EVENTS_BURST: '1000000',
  ADDRESS_READS_PER_SECOND: '1000000',
  ADDRESS_READS_BURST: '1000000',
  ROOMS_PER_MINUTE: '1000000',
} as const;

export class Processes {
  readonly children = new Set<ChildProcess>();
  private readonly temps = new Set<string>();

  constructor(maxSeconds: number) {
    setTimeout(() => {
      console.error(`bench: over --max-seconds ${maxSeconds}; stopping`);
      this.cleanup();
      process.exit(2);
    }, maxSeconds * 1000).unref();
  }

  /** A fresh temp directory, removed by `cleanup`. */
  tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.temps.add(dir);
    return dir;
  }

  cleanup(): void {
    for (const c of this.children) if (c.exitCode === null) c.kill('SIGKILL');
    for (const d of this.temps) rmSync(d, { recursive: true, force: true });
  }

  /** Runs `node <args>` in the repository and resolves once it prints `listening on <url>`. */
  async server(
    args: string[],
    env: NodeJS.ProcessEnv,
    name = 'server',
  ): Promise<{ child: ChildProcess; url: string }> {
    const child = spawn(process.execPath, args, {
      cwd: repo,
      env,
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    this.children.add(child);
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`${name} exited ${code}`)));
    });
    return { child, url };
  }
}
