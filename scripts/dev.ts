// npm run dev: the server (restarted on change) and Vite's dev server (hot
// reload, proxying /socket.io and /api to the server) together. Ctrl-C, or
// either of them stopping, stops both.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

const apiPort = process.env.API_PORT ?? '3000';
const bin = (name: string) => new URL(`../node_modules/.bin/${name}`, import.meta.url).pathname;

const children: ChildProcess[] = [];
let stopping = false;

function run(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(command, args, {
    stdio: 'inherit',
    env: { ...process.env, ...env },
    // Own process group, so stopping it also stops what it started (tsx watch's node).
    detached: true,
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} stopped (${signal ?? `exit ${code}`}); stopping the rest.`);
      stop(code ?? 1);
    }
  });
  children.push(child);
}

function stop(code = 0): void {
  if (stopping) return;
  stopping = true;
  for (const child of children) {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
  }
  setTimeout(() => process.exit(code), 300).unref();
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

console.log(
  `npm run dev: play at Vite's address below; it proxies /socket.io and /api to the server on :${apiPort}.`,
);
run('server', bin('tsx'), ['watch', 'server/main.ts'], { PORT: apiPort, HOST: '127.0.0.1' });
run('vite', bin('vite'), [], { API_PORT: apiPort });
