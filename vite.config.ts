import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

/*
 * One config for the player bundle (Vite, root `client/`) and for the tests
 * (Vitest, root the repository, so `test/**` is found wherever it lives).
 */
const repo = fileURLToPath(new URL('.', import.meta.url));
/** Loaded when first shown (dynamic imports): the home page, the projector screen, host tools. */
const onDemand =
  /\/client\/(main\.ts|components\/(Home|Screen|HostBar|HostLobby|NetworkPanel|SettingsForm|JoinLink)\.svelte)/;
/** Where `npm run dev` runs the express + socket.io server. */
const api = `http://localhost:${process.env.API_PORT ?? 3000}`;

export default defineConfig({
  root: `${repo}client`,
  plugins: [svelte({ configFile: `${repo}svelte.config.js` })],
  build: {
    outDir: `${repo}dist/client`,
    emptyOutDir: true,
    // scripts/bundle-size.ts reads the manifest to sum what a player downloads.
    manifest: true,
    target: 'es2022',
    // Browsers that run ES2022 preload modules themselves.
    modulePreload: { polyfill: false },
    rolldownOptions: {
      output: {
        // Everything but the on-demand screens in one file: Rolldown would otherwise split the
        // modules shared with those screens into common chunks, which gzip worse.
        codeSplitting: { groups: [{ name: 'index', test: (id) => !onDemand.test(id) }] },
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
