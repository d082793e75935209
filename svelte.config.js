/** Svelte options, read by Vite, svelte-check and eslint-plugin-svelte. */
export default {
  compilerOptions: {
    // House style: Svelte 5 runes only, everywhere.
    runes: true,
    // Every byte of the player bundle counts (scripts/bundle-size.ts).
    discloseVersion: false,
  },
};
