/*
 * The house's layers, checked by a machine (STYLE.md, "Build and layers"):
 * `npm run lint` runs `depcruise shared server client bench scripts`.
 *
 * TypeScript imports are read before compilation (`tsPreCompilationDeps`), so
 * type-only imports count, in the cycle check too; `./x.ts` specifiers
 * (allowImportingTsExtensions) resolve as the files they name. Svelte
 * components are compiled by svelte/compiler first, which drops their
 * type-only imports: a component's value imports are checked, its
 * `import type` lines are not.
 */

/** The server's edge: the only files that may speak socket.io and express. */
const SERVER_EDGE = '^server/(app|sockets|class-sockets|http|main)\\.ts$';
/** The client's connection: the only file that may import socket.io-client. */
const CLIENT_CONNECTION = '^client/lib/connection\\.svelte\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'shared-is-pure',
      comment:
        'shared/ is the pure engine: it imports only shared/ and zod (no node: built-ins, no other package, nothing of server/ or client/).',
      severity: 'error',
      from: { path: '^shared/' },
      to: { pathNot: ['^shared/', '(^|/)node_modules/zod/'] },
    },
    {
      name: 'socket-io-and-express-at-the-edge',
      comment: `Only the server's edge (${SERVER_EDGE}) imports socket.io and express; the room, the store, the drivers and the engine see a small transport interface.`,
      severity: 'error',
      from: { path: '^(shared|server|client)/', pathNot: SERVER_EDGE },
      to: { path: '(^|/)node_modules/(socket\\.io|express|@types/express)/' },
    },
    {
      name: 'database-driver-in-the-store',
      comment: 'Only server/store/ imports better-sqlite3.',
      severity: 'error',
      from: { pathNot: '^server/store/' },
      to: { path: '(^|/)node_modules/(@types/)?better-sqlite3/' },
    },
    {
      name: 'redis-in-the-cluster',
      comment: 'Cluster mode (server/cluster/) is the only place that talks to Redis.',
      severity: 'error',
      from: { path: '^(shared|server|client)/', pathNot: '^server/cluster/' },
      to: { path: '(^|/)node_modules/ioredis/' },
    },
    {
      name: 'components-never-import-the-socket',
      comment:
        'Svelte components render and call methods of state classes; they never import socket.io-client.',
      severity: 'error',
      from: { path: '^client/.+\\.svelte$' },
      to: { path: '(^|/)node_modules/socket\\.io-client/' },
    },
    {
      name: 'one-connection-file',
      comment: `Only the client's connection file (${CLIENT_CONNECTION}) imports socket.io-client.`,
      severity: 'error',
      from: { path: '^client/', pathNot: CLIENT_CONNECTION },
      to: { path: '(^|/)node_modules/socket\\.io-client/' },
    },
    {
      name: 'client-never-imports-the-server',
      comment: 'The client shares code with the server only through shared/.',
      severity: 'error',
      from: { path: '^client/' },
      to: { path: '^server/' },
    },
    {
      name: 'no-circular',
      comment: 'No import circles anywhere, type-only imports included.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment:
        'Every import resolves: an import the cruiser cannot follow would escape every rule above.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.svelte', '.d.ts', '.json'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
