// The client as `npm run build` makes it (vite.config.ts, production), built in this process
// into a temp directory, so it never touches dist/ or the browser tests' build.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import type { Rolldown } from 'vite';

export const repo = fileURLToPath(new URL('../..', import.meta.url));

export interface BuiltClient {
  dir: string;
  /** The chunks and assets Rolldown wrote. */
  output: (Rolldown.OutputChunk | Rolldown.OutputAsset)[];
  cleanup(): void;
}

export async function buildClient(): Promise<BuiltClient> {
  const dir = mkdtempSync(join(tmpdir(), 'mnp-build-'));
  // Vitest sets NODE_ENV=test, which would pull Svelte's development runtime into the bundle.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    const result = await build({
      configFile: join(repo, 'vite.config.ts'),
      logLevel: 'error',
      build: { outDir: dir, emptyOutDir: true },
    });
    if (!('output' in result)) throw new Error('expected one build output');
    return {
      dir,
      output: result.output,
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}
