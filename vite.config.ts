import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

// The client (Vite, root client/) and the tests (Vitest, root the repository). The lazy boundary
// is a folder: client/screens/player/ loads at once, client/screens/*/ else only by import().
const repo = fileURLToPath(new URL('.', import.meta.url));
const onDemand = (file: string) => /client\/screens\/(?!player\/)/.test(file);

/** `file.br` (brotli, best) and `file.gz` (gzip -9) beside each file, for server/http.ts. */
const precompress: Plugin = {
  name: 'precompress',
  apply: 'build',
  writeBundle({ dir }, bundle) {
    for (const file of Object.keys(bundle).filter((f) => /\.(js|css|html|svg)$/.test(f))) {
      const bytes = readFileSync(join(dir!, file));
      const params = { [constants.BROTLI_PARAM_QUALITY]: 11 };
      writeFileSync(join(dir!, `${file}.br`), brotliCompressSync(bytes, { params }));
      writeFileSync(join(dir!, `${file}.gz`), gzipSync(bytes, { level: 9 }));
    }
  },
};
const api = `http://localhost:${process.env.API_PORT ?? 3000}`;

export default defineConfig({
  root: `${repo}client`,
  plugins: [
    svelte({
      configFile: `${repo}svelte.config.js`,
      // An on-demand component brings its styles in its own chunk: one request, no stylesheet.
      dynamicCompileOptions: ({ filename }) => (onDemand(filename) ? { css: 'injected' } : {}),
    }),
    precompress,
  ],
  build: {
    outDir: `${repo}dist/client`,
    emptyOutDir: true,
    manifest: true, // scripts/bundle-size.ts sums the player view from it
    target: 'es2022',
    modulePreload: false, // an on-demand chunk loads its imports: no list of them in the entry
    // The player view in one file (Rolldown's `$initial`: the entry and its static imports).
    rolldownOptions: {
      output: {
        codeSplitting: { groups: [{ name: 'index', tags: ['$initial'] }] },
        chunkFileNames: 'assets/[name]-[hash:8].js',
      },
    },
  },
  server: {
    fs: { allow: [repo] }, // `npm run dev`: the express + socket.io server runs on API_PORT
    proxy: { '/socket.io': { target: api, ws: true }, '/api': api },
  },
  test: {
    root: repo,
    include: ['test/**/*.test.ts'],
    maxWorkers: 2, // two cores: a small pool, so socket and browser tests are not starved
    testTimeout: 20_000,
  },
});
