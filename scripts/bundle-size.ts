// npm run build prints, after `vite build`, what a player's browser downloads.
//
// The player view is the entry chunk of index.html plus every chunk it imports
// statically (found in Vite's manifest), gzipped one file at a time at zlib's
// default level, as a server or CDN would send them. Chunks loaded on demand
// (the home page, the projector screen, host tools) are listed apart. The
// build fails when the player view exceeds the budget.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

interface Chunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
}

export const BUDGET_BYTES = 50_000;
const dir = process.argv[2] ?? 'dist/client';
const manifest = JSON.parse(readFileSync(join(dir, '.vite/manifest.json'), 'utf8')) as Record<
  string,
  Chunk
>;

const gz = (file: string) => gzipSync(readFileSync(join(dir, file))).length;
const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

function closure(keys: string[], seen = new Set<string>()): Set<string> {
  for (const key of keys) {
    if (seen.has(key)) continue;
    seen.add(key);
    closure(manifest[key]?.imports ?? [], seen);
  }
  return seen;
}

const entry = Object.keys(manifest).find((k) => manifest[k]!.isEntry);
if (!entry) throw new Error(`no entry chunk in ${dir}/.vite/manifest.json`);
const player = closure([entry]);
const lazy = Object.keys(manifest).filter(
  (k) => !player.has(k) && manifest[k]!.file.endsWith('.js'),
);

let total = 0;
console.log('\nJavaScript of the player view (entry + static imports), gzip:');
for (const key of player) {
  const bytes = gz(manifest[key]!.file);
  total += bytes;
  console.log(`  ${manifest[key]!.file.padEnd(40)} ${kb(bytes)}`);
}
console.log(`  total ${kb(total)} of a ${kb(BUDGET_BYTES)} budget`);
if (lazy.length) {
  console.log('Loaded on demand (home page, projector screen, host tools), gzip:');
  for (const key of lazy)
    console.log(`  ${manifest[key]!.file.padEnd(40)} ${kb(gz(manifest[key]!.file))}`);
}
if (total > BUDGET_BYTES) {
  console.error(`The player view is ${kb(total - BUDGET_BYTES)} over its budget.`);
  process.exit(1);
}
