// `npm run build` runs this after `vite build`: what a phone transfers.
//
// The player view is what index.html loads at once: its entry chunk, every chunk that imports
// statically (from Vite's manifest) and the stylesheets they bring. Each file is counted as
// the server sends it: the `.br` and `.gz` copies the build wrote beside it (vite.config.ts).
// The budget is on brotli, which every current browser accepts. Chunks loaded on demand (the
// folders of client/screens/ other than player/) are listed apart. The budget is checked by
// test/build/bundle.test.ts; here it is only reported, so `npm start` never refuses to start
// over a kilobyte.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

interface Chunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  css?: string[];
}

/** Bytes of the player view's JavaScript + CSS as transferred with brotli. */
export const BUDGET_BYTES = 50_000;

export interface Size {
  raw: number;
  gzip: number;
  brotli: number;
}

export interface BundleSize {
  /** Each file of the player view (JS and CSS), by its path in the build. */
  player: Record<string, Size>;
  playerTotal: Size;
  /** Each file loaded on demand. */
  onDemand: Record<string, Size>;
  onDemandTotal: Size;
}

const bytes = (file: string) => {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat) throw new Error(`${file} is missing: was the client built with vite.config.ts?`);
  return stat.size;
};

function sizeOf(dir: string, file: string): Size {
  const path = join(dir, file);
  return { raw: bytes(path), gzip: bytes(`${path}.gz`), brotli: bytes(`${path}.br`) };
}

function sum(sizes: Size[]): Size {
  const total = { raw: 0, gzip: 0, brotli: 0 };
  for (const s of sizes) {
    total.raw += s.raw;
    total.gzip += s.gzip;
    total.brotli += s.brotli;
  }
  return total;
}

/** Player view and on-demand files of the client built into `dir`. */
export function measure(dir: string): BundleSize {
  const manifest = JSON.parse(readFileSync(join(dir, '.vite/manifest.json'), 'utf8')) as Record<
    string,
    Chunk
  >;
  const entry = Object.keys(manifest).find((k) => manifest[k]!.isEntry);
  if (!entry) throw new Error(`no entry chunk in ${dir}/.vite/manifest.json`);
  const eager = new Set<string>();
  const visit = (key: string) => {
    const chunk = manifest[key]!;
    if (eager.has(chunk.file)) return;
    eager.add(chunk.file);
    for (const css of chunk.css ?? []) eager.add(css);
    for (const next of chunk.imports ?? []) visit(next);
  };
  visit(entry);
  const files = new Set(Object.values(manifest).flatMap((c) => [c.file, ...(c.css ?? [])]));
  const player: Record<string, Size> = {};
  const onDemand: Record<string, Size> = {};
  for (const file of [...files].sort()) {
    if (!/\.(js|css)$/.test(file)) continue;
    (eager.has(file) ? player : onDemand)[file] = sizeOf(dir, file);
  }
  return {
    player,
    playerTotal: sum(Object.values(player)),
    onDemand,
    onDemandTotal: sum(Object.values(onDemand)),
  };
}

const kB = (n: number) => `${(n / 1000).toFixed(1)} kB`.padStart(9);
const row = (name: string, s: Size) =>
  `  ${name.padEnd(42)} ${kB(s.raw)} ${kB(s.gzip)} ${kB(s.brotli)}`;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const size = measure(process.argv[2] ?? 'dist/client');
  const { brotli } = size.playerTotal;
  console.log(
    [
      '',
      'The player view as a phone transfers it (index.html, its static imports and their CSS):',
      `  ${'file'.padEnd(42)} ${'raw'.padStart(9)} ${'gzip -9'.padStart(9)} ${'brotli'.padStart(9)}`,
      ...Object.entries(size.player).map(([file, s]) => row(file, s)),
      row('total', size.playerTotal),
      `  brotli total ${brotli.toLocaleString('en')} bytes of a ${BUDGET_BYTES.toLocaleString('en')} budget`,
      'Loaded on demand (home page, host tools, projector screen, panels):',
      ...Object.entries(size.onDemand).map(([file, s]) => row(file, s)),
      row('total', size.onDemandTotal),
    ].join('\n'),
  );
  if (brotli > BUDGET_BYTES) {
    console.warn(
      `WARNING: the player view is ${(brotli - BUDGET_BYTES).toLocaleString('en')} bytes over budget.`,
    );
  }
}
