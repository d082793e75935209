import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import express from 'express';
import helmet from 'helmet';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import QRCode from 'qrcode';
import { PROTOCOL_VERSION } from '../shared/protocol/index.ts';
import { roomCode } from '../shared/protocol/schemas.ts';
import { publicLog, roomTranscript, transcriptText } from '../shared/room/index.ts';
import type { Envelope } from '../shared/room/index.ts';
import type { Logger } from './log.ts';
import type { SqliteStore } from './store/sqlite.ts';

const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

const NO_CLIENT = `<!doctype html>
<meta charset="utf-8"><title>Movie Night Paxos</title>
<h1>Movie Night Paxos</h1>
<p>The server is running, but the browser client is not built.
Run <code>npm run build</code> (or <code>npm start</code>, which builds first) and reload.</p>
`;

/** Hashed file names (`/assets/name-HASH.js`) never change content: cache them for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** The copies `vite build` writes beside each text file (vite.config.ts), best first. */
const CODINGS = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;
const COMPRESSIBLE = new Set(['.js', '.css', '.html', '.svg']);

/** Whether an Accept-Encoding header allows `coding`: named, or `*`, with a q above 0. */
function acceptsEncoding(header: string | undefined, coding: string): boolean {
  let wildcard = false;
  for (const part of (header ?? '').toLowerCase().split(',')) {
    const [name, ...params] = part.split(';').map((p) => p.trim());
    const q = params.find((p) => p.startsWith('q='));
    const allowed = q === undefined || Number(q.slice(2)) > 0;
    if (name === coding) return allowed;
    if (name === '*') wildcard = allowed;
  }
  return wildcard;
}

/**
 * Serves `file.br` or `file.gz` in place of `file` when the browser accepts that coding and
 * the build wrote the copy: the request is pointed at the copy, with the original's
 * Content-Type and a Content-Encoding, for the static handler that runs next.
 */
function precompressed(dir: string): RequestHandler {
  return (req, res, next) => {
    const type = extname(req.path);
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !COMPRESSIBLE.has(type)) return next();
    res.vary('Accept-Encoding');
    let path: string;
    try {
      path = decodeURIComponent(req.path);
    } catch {
      return next();
    }
    // The static handler refuses what escapes `dir` or names a dotfile; so does this.
    if (path.split('/').some((segment) => segment.startsWith('.'))) return next();
    const accept = req.get('Accept-Encoding');
    const coding = CODINGS.find(
      ({ name, suffix }) =>
        acceptsEncoding(accept, name) &&
        statSync(join(dir, path + suffix), { throwIfNoEntry: false })?.isFile(),
    );
    if (coding) {
      res.type(type);
      res.setHeader('Content-Encoding', coding.name);
      req.url = req.path + coding.suffix + req.url.slice(req.path.length);
    }
    next();
  };
}

const NOT_FOUND = `<!doctype html>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Not found · Movie Night Paxos</title>
<h1>There is nothing here</h1>
<p>This address is not a page of Movie Night Paxos. A room's link looks like <code>/r/ABCDE</code>.</p>
<p><a href="/">Go to the home page</a> to create a room or join one with its code.</p>
`;

/**
 * Security headers (helmet): a Content-Security-Policy that allows the app's own scripts and
 * its own websocket ('self' covers ws: and wss: to the same host), styles inline (Svelte
 * injects the styles of on-demand screens and animates with style attributes), images from
 * itself and data: URLs; no framing by other sites; no referrer. Served over plain HTTP on a
 * classroom network, so no HSTS and no upgrade of requests to https.
 */
const securityHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      fontSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'self'"],
    },
  },
  strictTransportSecurity: false,
  referrerPolicy: { policy: 'no-referrer' },
});

function apiError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

/**
 * The HTTP side: health, a room's transcript and log, the join QR code, and
 * the built client. Read-only: every change goes through the socket commands.
 */
export function createHttpApp(deps: {
  store: SqliteStore;
  logger: Logger;
  clientDir?: string;
}): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders);

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true, version: VERSION, protocol: PROTOCOL_VERSION });
  });

  /**
   * The room's log as anyone may read it (a fogged round being played is left
   * out until it ends), or an error answer (400 bad code, 404 unknown room) and null.
   */
  const logOf = (req: Request, res: Response): { code: string; log: Envelope[] } | null => {
    const parsed = roomCode.safeParse(req.params.code);
    if (!parsed.success) {
      apiError(res, 400, 'bad_request', parsed.error.issues[0]?.message ?? 'Bad room code.');
      return null;
    }
    const log = deps.store.load(parsed.data);
    if (log.length === 0) {
      apiError(res, 404, 'not_found', 'There is no room with that code.');
      return null;
    }
    return { code: parsed.data, log: publicLog(log) };
  };

  app.get('/api/rooms/:code/transcript.txt', (req, res) => {
    const room = logOf(req, res);
    if (!room) return;
    res.type('text/plain; charset=utf-8').send(transcriptText(roomTranscript(room.log)));
  });

  app.get('/api/rooms/:code/transcript.json', (req, res) => {
    const room = logOf(req, res);
    if (room) res.json({ code: room.code, events: room.log });
  });

  app.get('/api/rooms/:code/qr.svg', async (req, res) => {
    const parsed = roomCode.safeParse(req.params.code);
    if (!parsed.success) {
      apiError(res, 400, 'bad_request', parsed.error.issues[0]?.message ?? 'Bad room code.');
      return;
    }
    if (!deps.store.hasRoom(parsed.data)) {
      apiError(res, 404, 'not_found', 'There is no room with that code.');
      return;
    }
    // The phone opens the address the host's browser used: the LAN address on a classroom network.
    const url = `${req.protocol}://${req.get('host') ?? 'localhost'}/r/${parsed.data}`;
    const svg = await QRCode.toString(url, { type: 'svg', margin: 2 });
    res.type('image/svg+xml').send(svg);
  });

  app.use('/api', (_req, res) => apiError(res, 404, 'not_found', 'No such endpoint.'));

  const dir = deps.clientDir;
  if (dir && existsSync(join(dir, 'index.html'))) {
    // A single-page app: its routes all load index.html, served as /index.html is.
    app.get(['/', '/r/*splat'], (req, _res, next) => {
      req.url = '/index.html';
      next();
    });
    app.use(
      precompressed(dir),
      express.static(dir, {
        index: false,
        cacheControl: false,
        setHeaders: (res, file) =>
          res.setHeader(
            'Cache-Control',
            relative(dir, file).startsWith(`assets${sep}`) ? IMMUTABLE : 'no-cache',
          ),
      }),
    );
  } else {
    const page = (_req: Request, res: Response) => res.type('html').send(NO_CLIENT);
    app.get('/', page);
    app.get('/r/*splat', page);
  }

  // Anything else: a page that says so (the API's own 404 answers in JSON above).
  app.use((_req: Request, res: Response) => {
    res.status(404).type('html').setHeader('Cache-Control', 'no-cache').send(NOT_FOUND);
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    // A request the router could not read (a malformed percent-escape, a bad header): the
    // client's fault, answered as such and not logged as the server's failure.
    const status = (err as { status?: unknown } | null)?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      if (!res.headersSent) apiError(res, 400, 'bad_request', 'That address cannot be read.');
      return;
    }
    deps.logger.error(`HTTP ${req.method} ${req.path.slice(0, 80)} failed`, err);
    if (!res.headersSent) apiError(res, 500, 'internal', 'The server failed to answer.');
  });
  return app;
}
