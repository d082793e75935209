import { createServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type express from 'express';
import { Server } from 'socket.io';
import { PROTOCOL_VERSION } from '../shared/protocol/index.ts';
import type { Retention } from './expiry.ts';
import { DEFAULT_RETENTION, RoomExpiry } from './expiry.ts';
import type { InviteOptions } from './http.ts';
import { createHttpApp } from './http.ts';
import { LogSigner } from './exports.ts';
import type { AddressRecord, Limits } from './limits.ts';
import { AddressBook, DEFAULT_LIMITS, clientAddress, requestAddress } from './limits.ts';
import type { Logger } from './log.ts';
import { consoleLogger } from './log.ts';
import type { RateLimit } from './ratelimit.ts';
import { DEFAULT_RATE_LIMIT } from './ratelimit.ts';
import { BotRunner, DEFAULT_BOT_BUDGET, DEFAULT_BOT_PACE_MS } from './bots.ts';
import { AutoPlay } from './autoplay.ts';
import { RoomHost } from './rooms.ts';
import { ClassHost } from './classes.ts';
import { classTransport } from './class-sockets.ts';
import type { AppServer, RoomLines } from './sockets.ts';
import { attachSockets, socketTransport } from './sockets.ts';
import type { SqliteStore } from './store/sqlite.ts';
import type { Cluster } from './cluster/cluster.ts';
import type { Scheduler } from './timers.ts';
import { TurnTimers, realScheduler } from './timers.ts';
import { Transcripts } from './transcripts.ts';

export interface AppDeps {
  /** The store; in cluster mode, this process's copy of the cluster's log. */
  store: SqliteStore;
  /** Cluster mode (REDIS_URL): started, its log read into `store` (server/cluster/). */
  cluster?: Cluster;
  /** Milliseconds since the epoch; stamps every event's `at`. */
  clock: () => number;
  logger?: Logger;
  rateLimit?: RateLimit;
  /** The built browser client (dist/client); when missing, `/` says how to build it. */
  clientDir?: string;
  /** Turn timers, bots and auto-play wait with this (default: the real setTimeout); tests pass a fake. */
  scheduler?: Scheduler;
  /** A bot's pace between move batches [1500 ms]. */
  botPaceMs?: number;
  /** Bot move batches a room may run since a person's last command [500]. */
  botBudget?: number;
  /** Origins allowed to open sockets besides the server's own (env ALLOWED_ORIGINS, PUBLIC_URL). */
  allowedOrigins?: string[];
  /** Limits per client address and caps on rooms (server/limits.ts); unset ones keep their default. */
  limits?: Partial<Limits>;
  /** When rooms expire (server/expiry.ts); unset ones keep their default. */
  retention?: Partial<Retention>;
  /** Bytes the transcript cache may hold [64 MB]. */
  transcriptCacheBytes?: number;
  /** Where invite links and their QR codes point (PUBLIC_URL, the LAN address): server/http.ts. */
  invite?: InviteOptions;
}

export const DEFAULT_TRANSCRIPT_CACHE_BYTES = 64 * 2 ** 20;

/** How long the handshake of an address that is shut out is held before it is refused. */
const SHUT_HOLD_MS = 1000;

/** A connection refused at the handshake answers `connect_error` with this `data`. */
const refusal = (message: string): Error & { data: unknown } => {
  const err = new Error(message) as Error & { data: unknown };
  err.data = { code: 'rate_limited' };
  return err;
};

const originOf = (address: string): string | null => {
  try {
    return new URL(address).origin;
  } catch {
    return null;
  }
};

/**
 * Whether a socket's handshake may proceed. Browsers always send `Origin`: it must be this
 * server itself (the origin's host is the Host the request came to, as with the LAN address
 * or localhost) or one of `extra` (e.g. the public URL behind a proxy). Clients that are not
 * browsers (bots, tests, other languages) send no Origin and are let in: the check protects
 * players' browsers from other sites, not the server from clients.
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  extra: readonly string[] = [],
): boolean {
  if (origin === undefined) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (extra.some((allowed) => originOf(allowed) === url.origin)) return true;
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.host === host;
}

export interface App {
  app: express.Express;
  io: AppServer;
  httpServer: HttpServer;
  rooms: RoomHost;
  classes: ClassHost;
  transcripts: Transcripts;
  expiry: RoomExpiry;
  /** What each client address has spent (tests look at it). */
  book: AddressBook;
  listen(port: number, host?: string): Promise<{ port: number }>;
  /** Disconnects every socket (players go offline in the log), then stops listening. */
  close(): Promise<void>;
}

/**
 * The largest frame a client may send. The biggest valid payload (settings
 * with 12 titles of 40 characters, or a 500-character note) is far below it;
 * a bigger frame closes the connection instead of being buffered.
 */
export const MAX_FRAME_BYTES = 16 * 1024;

export function createApp(deps: AppDeps): App {
  const logger = deps.logger ?? consoleLogger;
  const limits: Limits = { ...DEFAULT_LIMITS, ...deps.limits };
  const book = new AddressBook(limits);
  const addressOf = (req: Parameters<typeof requestAddress>[0]) =>
    book.of(requestAddress(req, limits.trustProxy));
  // Which rooms retention is deleting: the room host knows (it is made below).
  const retention = { expiring: (_code: string): boolean => false };
  const expiring = (code: string) => retention.expiring(code);
  const transcripts = new Transcripts({
    store: deps.store,
    maxEvents: limits.maxRoomEvents,
    maxBytes: deps.transcriptCacheBytes ?? DEFAULT_TRANSCRIPT_CACHE_BYTES,
    expiring,
  });
  // The class host is made below, with the room host; the HTTP side asks it once the server runs.
  const classRef: { host: ClassHost | null } = { host: null };
  const app = createHttpApp({
    logger,
    clientDir: deps.clientDir,
    transcripts,
    exists: (code) => !expiring(code) && deps.store.hasRoom(code),
    book,
    invite: deps.invite,
    classes: {
      exists: (code) => classRef.host?.exists(code) ?? false,
      gradesCsv: (code) => classRef.host?.gradesCsv(code) ?? null,
    },
    exports: {
      store: deps.store,
      signer: LogSigner.of(deps.store),
      maxEvents: limits.maxRoomEvents,
      exists: (code) => !expiring(code) && deps.store.hasRoom(code),
      // The room host is made below; a fork is only asked for once the server runs.
      createFrom: (build) => rooms.createFrom(build),
    },
  });
  const httpServer = createServer(app);
  // An address that was just refused a connection, or has spent its command budget
  // (connection attempts take from it) or its invalid-frame budget, and keeps connecting has
  // its handshakes held a second before they are refused (allowRequest, below). Once it has
  // too many held it is cut off at once, first thing on its TCP connection: the cheapest
  // refusal the HTTP server allows (~150 µs, the kernel's and libuv's accept; its own
  // listener then finds the socket destroyed). Only when the TCP peer is the client: behind
  // a proxy it is the proxy, and the refusals come later, per forwarded address.
  if (limits.trustProxy === 0) {
    httpServer.prependListener('connection', (tcp: Socket) => {
      const from = book.peek(clientAddress(tcp.remoteAddress, undefined, 0));
      if (from && book.shut(from) && !book.canHold(from)) tcp.destroy();
    });
  }
  const io: AppServer = new Server(httpServer, {
    maxHttpBufferSize: MAX_FRAME_BYTES,
    serveClient: false,
    // A connection that never joins the default namespace is closed after this (default 45 s).
    connectTimeout: 10_000,
    allowRequest: (req, callback) => {
      // A page of another site cannot open a socket in its visitor's name.
      if (!originAllowed(req.headers.origin, req.headers.host, deps.allowedOrigins)) {
        callback('This page may not connect: its origin is not this server.', false);
        return;
      }
      // The typed refusals come at the socket.io handshake (below), where every attempt takes
      // a command token, and in the answer to the frame that spent the invalid-frame budget.
      // An address that keeps trying after that is refused here, before the websocket opens
      // (usually even earlier, at the TCP connection, above); so is one that opens
      // connections and never completes the handshake.
      const from = addressOf(req);
      if (book.shut(from) || from.connections >= 2 * limits.socketsPerAddress) {
        const refuse = () =>
          callback('Too many connections or invalid messages from your address: slow down.', false);
        // Held a second first: a client retrying in a loop then waits anyway.
        if (!book.hold(from, SHUT_HOLD_MS, refuse)) refuse();
        return;
      }
      callback(null, true);
    },
  });

  // Every connection counts under its address from its handshake until it closes.
  io.engine.on(
    'connection',
    (conn: { request: IncomingMessage; once(e: 'close', f: () => void): void }) => {
      const from = addressOf(conn.request);
      from.connections++;
      conn.once('close', () => from.connections--);
    },
  );

  io.use((socket, next) => {
    const auth: unknown = socket.handshake.auth;
    const protocol = (auth as { protocol?: unknown } | undefined)?.protocol;
    if (protocol !== undefined && protocol !== PROTOCOL_VERSION) {
      const err = new Error(
        `This server speaks protocol ${PROTOCOL_VERSION}; the client sent ${JSON.stringify(protocol)}. Reload the page.`,
      ) as Error & { data: unknown };
      err.data = { code: 'bad_request', protocol: PROTOCOL_VERSION };
      next(err);
      return;
    }
    next();
  });

  // The address's budgets, at the socket.io handshake: a refusal is a typed `connect_error`,
  // then the connection is closed.
  io.use((socket, next) => {
    const from: AddressRecord = addressOf(socket.request);
    // Every attempt pays, refused or not: see allowRequest.
    const paid = from.commands.take();
    const refused = !paid
      ? 'Too many connections and commands from your address: slow down.'
      : !from.connects.take()
        ? 'Too many new connections from your address at once: try again in a moment.'
        : from.connections > limits.socketsPerAddress
          ? `Too many connections from your address (at most ${limits.socketsPerAddress}).`
          : null;
    if (refused === null) return next();
    next(refusal(refused));
    // Told once: its next attempts in the coming second are cut before a byte is read.
    book.cool(from, 1000);
    // After socket.io has sent the refusal (on the next tick), the connection goes.
    setTimeout(() => socket.conn.close(), 0);
  });

  const lines: RoomLines = {
    upTo: (code, seq) => transcripts.linesNow(code, seq),
    warm: (code) => transcripts.warm(code),
  };
  const rooms = new RoomHost({
    store: deps.store,
    clock: deps.clock,
    transport: socketTransport(io, lines),
    logger,
    caps: limits,
    ...(deps.cluster ? { cluster: { log: deps.cluster.log, link: deps.cluster } } : {}),
  });
  deps.cluster?.attach(rooms);
  retention.expiring = (code) => rooms.expiring(code);
  // Classes (issue 11): each table is a room of `rooms`; the dashboard hears of its changes.
  const classes = new ClassHost({
    store: deps.store,
    rooms,
    clock: deps.clock,
    logger,
    transport: classTransport(io as unknown as Parameters<typeof classTransport>[0]),
  });
  classRef.host = classes;
  rooms.listen(classes);
  attachSockets(io, rooms, {
    rateLimit: deps.rateLimit ?? DEFAULT_RATE_LIMIT,
    logger,
    book,
    lines,
    classes,
  });
  const scheduler = deps.scheduler ?? realScheduler;
  const timers = new TurnTimers({ rooms, clock: deps.clock, scheduler, logger });
  const bots = new BotRunner({
    rooms,
    scheduler,
    logger,
    paceMs: deps.botPaceMs ?? DEFAULT_BOT_PACE_MS,
    budget: deps.botBudget ?? DEFAULT_BOT_BUDGET,
  });
  const autoplay = new AutoPlay({ rooms, scheduler, logger });
  rooms.listen(timers);
  rooms.listen(bots);
  rooms.listen(autoplay);
  // Rooms load lazily; those the server drives on its own (turns, bots, auto-play) start now.
  rooms.resumeLive();
  const expiry = new RoomExpiry({
    store: deps.store,
    rooms,
    transcripts,
    clock: deps.clock,
    logger,
    retention: { ...DEFAULT_RETENTION, ...deps.retention },
  });
  // Retention deletes from this process's SQLite file: in cluster mode rooms are kept (README).
  if (!deps.cluster) expiry.start();

  return {
    app,
    io,
    httpServer,
    rooms,
    classes,
    transcripts,
    expiry,
    book,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          resolve({ port: (httpServer.address() as AddressInfo).port });
        });
      }),
    close: async () => {
      // No timer fires, no bot acts and nothing auto-plays from now on; what is running finishes.
      timers.stop();
      const autoplayStopped = autoplay.stop();
      await expiry.stop();
      const botsStopped = bots.stop();
      // Disconnects the sockets at once (their presence is logged), then closes the HTTP server.
      const closing = io.close();
      httpServer.closeAllConnections();
      await closing;
      await botsStopped;
      await autoplayStopped;
      // Their presence changes (and anything else queued) reach the store before it closes.
      classes.stop();
      await classes.idle();
      await rooms.idle();
    },
  };
}
