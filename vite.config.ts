import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

/*
 * One config for the player bundle (Vite, root `client/`) and for the tests
 * (Vitest, root the repository, so `test/**` is found wherever it lives).
 */
const repo = fileURLToPath(new URL('.', import.meta.url));
/**
 * The client files a player's first page load needs: main.ts and whatever it imports
 * statically, followed file by file (`import type` aside). Everything else loads on demand.
 */
function eagerFiles(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(file, 'utf8');
    for (const [, spec] of code.matchAll(/^\s*import\s+(?!type\b)[^'"]*?['"](\.[^'"]+)['"]/gm)) {
      if (/\.(ts|svelte)$/.test(spec!)) visit(resolve(dirname(file), spec!));
    }
  };
  visit(entry);
  return seen;
}
const eager = eagerFiles(`${repo}client/main.ts`);

/**
 * A component loaded on demand brings its styles inside its own chunk (Svelte injects them
 * when it mounts), so no stylesheet has to be fetched alongside it and the player view needs
 * neither Vite's preload helper nor the list of on-demand stylesheets. What the player view
 * shows at once keeps its styles in the one stylesheet that index.html links.
 */
const injectCss = (filename: string) =>
  filename.endsWith('.svelte') && !eager.has(resolve(repo, filename))
    ? { css: 'injected' as const }
    : undefined;

/**
 * With module preloading off and no on-demand stylesheets, every dynamic import is preceded by
 * nothing to preload: Vite's helper reduces to calling the import. The build fails if an
 * on-demand chunk ever comes with a stylesheet again, since nothing would load it.
 */
const PRELOAD_HELPER = '\0vite/preload-helper.js';
const plainDynamicImports: Plugin = {
  name: 'plain-dynamic-imports',
  enforce: 'pre',
  apply: 'build',
  resolveId: (id) => (id === PRELOAD_HELPER ? id : null),
  load: (id) => (id === PRELOAD_HELPER ? 'export const __vitePreload = (load) => load();' : null),
  generateBundle(_, bundle) {
    const sheets = Object.keys(bundle).filter((f) => f.endsWith('.css'));
    if (sheets.length > 1) {
      this.error(`Only the player view may have a stylesheet; also found: ${sheets.join(', ')}`);
    }
  },
};

type Info = { importers: string[]; dynamicImporters: string[] } | null;

/**
 * Loaded when first shown (dynamic imports): the home page, the projector screen, host tools,
 * the rules of play's panels and the help. A module is on demand when something imports it
 * dynamically and nothing statically, or when only on-demand modules import it.
 */
function onDemand(getInfo: (id: string) => Info): (id: string) => boolean {
  const memo = new Map<string, boolean>();
  const lazy = (id: string): boolean => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    memo.set(id, false); // an import cycle counts as eager: the safe side
    const info = getInfo(id);
    const result =
      info !== null &&
      (info.importers.length === 0
        ? info.dynamicImporters.length > 0
        : info.importers.every((importer) => lazy(importer)));
    memo.set(id, result);
    return result;
  };
  return lazy;
}
/**
 * Parts of socket.io the game never uses, left out of what the player downloads: the game talks
 * over long-polling and WebSocket only (game.svelte.ts names the two; the server offers no
 * WebTransport), and every payload is JSON (docs/PROTOCOL.md): no binary attachments. Each
 * stand-in fails loudly if it is ever reached.
 */
const UNUSED: [RegExp, string][] = [
  [
    /engine\.io-client[\\/]build[\\/]esm[\\/]transports[\\/]webtransport\.js$/,
    'export class WT { constructor() { throw new Error("WebTransport is not used"); } }',
  ],
  [
    /socket\.io-parser[\\/]build[\\/]esm[\\/]is-binary\.js$/,
    'export const isBinary = () => false; export const hasBinary = () => false;',
  ],
  [
    /socket\.io-parser[\\/]build[\\/]esm[\\/]binary\.js$/,
    'const no = () => { throw new Error("binary payloads are not used"); };' +
      ' export { no as deconstructPacket, no as reconstructPacket };',
  ],
];
const leaveOutUnused: Plugin = {
  name: 'leave-out-unused-socket-io',
  enforce: 'pre',
  load(id) {
    return UNUSED.find(([file]) => file.test(id))?.[1] ?? null;
  },
};

/** Where `npm run dev` runs the express + socket.io server. */
const api = `http://localhost:${process.env.API_PORT ?? 3000}`;

export default defineConfig({
  root: `${repo}client`,
  plugins: [
    svelte({
      configFile: `${repo}svelte.config.js`,
      dynamicCompileOptions: ({ filename }) => injectCss(filename),
    }),
    leaveOutUnused,
    plainDynamicImports,
  ],
  build: {
    outDir: `${repo}dist/client`,
    emptyOutDir: true,
    // scripts/bundle-size.ts reads the manifest to sum what a player downloads.
    manifest: true,
    target: 'es2022',
    // On-demand chunks load their own imports (see plainDynamicImports).
    modulePreload: false,
    rolldownOptions: {
      output: {
        // Everything but the on-demand screens in one file: Rolldown would otherwise split the
        // modules shared with those screens into common chunks, which gzip worse.
        codeSplitting: {
          groups: [
            {
              name: (id, ctx) =>
                onDemand((m) => ctx.getModuleInfo(m))(id) || /\/client\/main\.ts$/.test(id)
                  ? null
                  : 'index',
            },
          ],
        },
      },
    },
  },
  server: {
    fs: { allow: [repo] },
    proxy: {
      '/socket.io': { target: api, ws: true },
      '/api': api,
    },
  },
  test: {
    root: repo,
    include: ['test/**/*.test.ts'],
    // Two cores: keep the pool small so socket and browser tests are not starved.
    maxWorkers: 2,
    testTimeout: 20_000,
  },
});
