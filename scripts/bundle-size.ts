// `npm run build` runs this after `vite build`: what a player's browser downloads.
//
// The player view is the entry chunk of index.html plus every chunk it imports
// statically (from Vite's manifest), each file gzipped at zlib's default level
// (6), as a server compressing on the fly sends it. Chunks loaded on demand
// (home page, projector screen, host tools) are listed apart. The budget is
// checked by the browser tests; here it is only reported, so that `npm start`
// never refuses to start over a kilobyte.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

interface Chunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
}

export const BUDGET_BYTES = 50_000;

export interface BundleSize {
  /** Gzipped bytes of each file of the player view. */
  player: Record<string, number>;
  playerTotal: number;
  /** Gzipped bytes of each chunk loaded on demand. */
  onDemand: Record<string, number>;
}

export function measure(dir: string): BundleSize {
  const manifest = JSON.parse(readFileSync(join(dir, '.vite/manifest.json'), 'utf8')) as Record<
    string,
    Chunk
  >;
  const gz = (file: string) => gzipSync(readFileSync(join(dir, file))).length;
  const entry = Object.keys(manifest).find((k) => manifest[k]!.isEntry);
  if (!entry) throw new Error(`no entry chunk in ${dir}/.vite/manifest.json`);
  const seen = new Set<string>();
  const visit = (key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    for (const next of manifest[key]?.imports ?? []) visit(next);
  };
  visit(entry);
  const size: BundleSize = { player: {}, playerTotal: 0, onDemand: {} };
  for (const [key, chunk] of Object.entries(manifest)) {
    if (!chunk.file.endsWith('.js')) continue;
    const bytes = gz(chunk.file);
    if (seen.has(key)) {
      size.player[chunk.file] = bytes;
      size.playerTotal += bytes;
    } else {
      size.onDemand[chunk.file] = bytes;
    }
  }
  return size;
}

const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const size = measure(process.argv[2] ?? 'dist/client');
  const rows = (files: Record<string, number>) =>
    Object.entries(files).map(([file, bytes]) => `  ${file.padEnd(40)} ${kB(bytes)}`);
  console.log(
    [
      '',
      'JavaScript a player downloads (entry + its static imports), gzip level 6:',
      ...rows(size.player),
      `  total ${kB(size.playerTotal)} (budget ${kB(BUDGET_BYTES)})`,
      'Loaded on demand (home page, projector screen, host tools), gzip:',
      ...rows(size.onDemand),
    ].join('\n'),
  );
  if (size.playerTotal > BUDGET_BYTES) {
    console.warn(`WARNING: the player view is ${kB(size.playerTotal - BUDGET_BYTES)} over budget.`);
  }
}
