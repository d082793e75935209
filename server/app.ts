import { createServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';
import { Server } from 'socket.io';
import { PROTOCOL_VERSION } from '../shared/protocol/index.ts';
import { createHttpApp } from './http.ts';
import type { Logger } from './log.ts';
import { consoleLogger } from './log.ts';
import type { RateLimit } from './ratelimit.ts';
import { DEFAULT_RATE_LIMIT } from './ratelimit.ts';
import { BotRunner, DEFAULT_BOT_BUDGET, DEFAULT_BOT_PACE_MS } from './bots.ts';
import { RoomHost } from './rooms.ts';
import type { AppServer } from './sockets.ts';
import { attachSockets, socketTransport } from './sockets.ts';
import type { SqliteStore } from './store/sqlite.ts';
import type { Scheduler } from './timers.ts';
import { TurnTimers, realScheduler } from './timers.ts';

export interface AppDeps {
  store: SqliteStore;
  /** Milliseconds since the epoch; stamps every event's `at`. */
  clock: () => number;
  logger?: Logger;
  rateLimit?: RateLimit;
  /** The built browser client (dist/client); when missing, `/` says how to build it. */
  clientDir?: string;
  /** Turn timers and bots wait with this (default: the real setTimeout); tests pass a fake. */
  scheduler?: Scheduler;
  /** A bot's pace between move batches [1500 ms]. */
  botPaceMs?: number;
  /** Bot move batches a room may run since a person's last command [500]. */
  botBudget?: number;
  /** Origins allowed to open sockets besides the server's own (env ALLOWED_ORIGINS, PUBLIC_URL). */
  allowedOrigins?: string[];
}

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
  const app = createHttpApp({ store: deps.store, logger, clientDir: deps.clientDir });
  const httpServer = createServer(app);
  const io: AppServer = new Server(httpServer, {
    maxHttpBufferSize: MAX_FRAME_BYTES,
    serveClient: false,
    // A page of another site cannot open a socket in its visitor's name.
    allowRequest: (req, callback) => {
      const allowed = originAllowed(req.headers.origin, req.headers.host, deps.allowedOrigins);
      callback(
        allowed ? null : 'This page may not connect: its origin is not this server.',
        allowed,
      );
    },
  });

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

  const rooms = new RoomHost({
    store: deps.store,
    clock: deps.clock,
    transport: socketTransport(io, (code) => deps.store.load(code)),
    logger,
  });
  attachSockets(io, rooms, {
    rateLimit: deps.rateLimit ?? DEFAULT_RATE_LIMIT,
    logger,
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
  rooms.listen(timers);
  rooms.listen(bots);
  // Rooms load lazily; those the server drives on its own (turns, bots) start now.
  rooms.resumeLive();

  return {
    app,
    io,
    httpServer,
    rooms,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          resolve({ port: (httpServer.address() as AddressInfo).port });
        });
      }),
    close: async () => {
      // No timer fires and no bot acts from now on; batches already running finish.
      timers.stop();
      const botsStopped = bots.stop();
      // Disconnects the sockets at once (their presence is logged), then closes the HTTP server.
      const closing = io.close();
      httpServer.closeAllConnections();
      await closing;
      await botsStopped;
      // Their presence changes (and anything else queued) reach the store before it closes.
      await rooms.idle();
    },
  };
}
