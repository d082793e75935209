import { existsSync, readFileSync, statSync } from 'node:fs';
import type { NetworkInterfaceInfo } from 'node:os';
import { networkInterfaces } from 'node:os';
import { extname, join, relative, sep } from 'node:path';
import express from 'express';
import helmet from 'helmet';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import QRCode from 'qrcode';
import { PROTOCOL_VERSION } from '../shared/protocol/index.ts';
import { classCode, roomCode } from '../shared/protocol/schemas.ts';
import type { AddressBook, AddressRecord } from './limits.ts';
import { requestAddress } from './limits.ts';
import type { Logger } from './log.ts';
import type { TokenBucket } from './ratelimit.ts';
import type { Transcripts } from './transcripts.ts';
import { Diagrams } from './diagram.ts';
import type { ExportDeps } from './exports.ts';
import { exportRoutes } from './exports.ts';

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

/**
 * Where the invite link points: the join link and its QR code are `BASE/r/CODE`. Never the
 * `Host` header of a request (anyone can send any), and not the address the host's browser
 * happened to use (`localhost` works on the host's computer only).
 */
export interface InviteOptions {
  /** PUBLIC_URL: the address players open (a proxy, a tunnel, a name on the network). */
  publicUrl?: string;
  /** HOST: the address the server listens on; a wildcard (0.0.0.0, ::, unset) means all. */
  listenHost?: string;
  /** The machine's network interfaces [os.networkInterfaces]; tests give their own. */
  interfaces?: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
}

/** The invite's base URL, and whether it only works on this computer (`local`). */
export interface InviteBase {
  url: string;
  local: boolean;
}

const WILDCARD = new Set(['', '0.0.0.0', '::', '[::]']);

/** True for a name of this computer itself: localhost, 127.0.0.0/8, ::1, 0.0.0.0. */
export function loopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return (
    h === 'localhost' ||
    h.endsWith('.localhost') ||
    /^127(\.\d{1,3}){3}$/.test(h) ||
    h === '::1' ||
    h === '0.0.0.0' ||
    h === '::'
  );
}

/** The first IPv4 address of this machine that is not internal (the LAN address), or null. */
export function lanAddress(
  interfaces: () => NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces,
): string | null {
  for (const addresses of Object.values(interfaces())) {
    for (const a of addresses ?? []) {
      if (a.family === 'IPv4' && !a.internal) return a.address;
    }
  }
  return null;
}

/**
 * The invite's base: PUBLIC_URL when set; else the address the server listens on when it
 * is one address; else this machine's LAN address, on the server's `port`; else localhost.
 */
export function inviteBase(options: InviteOptions, port: number): InviteBase {
  if (options.publicUrl) {
    const url = new URL(options.publicUrl);
    const base = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    return { url: base, local: loopbackHost(url.hostname) };
  }
  const listen = options.listenHost?.trim() ?? '';
  const host = WILDCARD.has(listen) ? lanAddress(options.interfaces) : listen;
  if (host === null) return { url: `http://localhost:${port}`, local: true };
  const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return { url: `http://${shown}:${port}`, local: loopbackHost(host) };
}

function apiError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

/** 429 with the seconds until the budget lets one request through again. */
function tooMany(res: Response, bucket: TokenBucket, message: string): void {
  res.setHeader(
    'Retry-After',
    String(Math.min(3600, Math.max(1, Math.ceil(bucket.waitMs() / 1000)))),
  );
  apiError(res, 429, 'rate_limited', message);
}

/** How long a refusal past the HTTP budget is held back at most. */
const HOLD_MS = 1000;

/** Join QR codes by URL: making one costs a millisecond or two, and a room's never changes. */
const QR_CACHE = 256;
const JSON_END = Buffer.from(']}');

/**
 * The HTTP side: health, a room's transcript and log, the join QR code, and
 * the built client. Read-only: every change goes through the socket commands.
 */
export function createHttpApp(deps: {
  logger: Logger;
  clientDir?: string;
  transcripts: Transcripts;
  /** Whether a room exists now (and is not being deleted by retention). */
  exists: (code: string) => boolean;
  book: AddressBook;
  /** Where invite links point (PUBLIC_URL, the LAN address). */
  invite?: InviteOptions;
  /** grades.csv, scenario.json, signed logs and their forks (server/exports.ts). */
  exports?: ExportDeps;
  /** Classes (server/classes.ts): whether one exists, and its grades.csv (null: none). */
  classes?: { exists: (code: string) => boolean; gradesCsv: (code: string) => string | null };
}): express.Express {
  const { book, transcripts } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders);

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true, version: VERSION, protocol: PROTOCOL_VERSION });
  });

  const fromOf = (req: Request): AddressRecord =>
    book.of(requestAddress(req, book.limits.trustProxy));

  // Every API request takes a token of its address's HTTP budget (health and pages do not).
  // Past it the 429 is held back until a token is due (at most a second): a client that
  // loops without waiting then waits anyway, instead of costing the server thousands of
  // refusals a second. When too many are held already it goes at once and closes the
  // connection.
  app.use('/api', (req, res, next) => {
    const from = fromOf(req);
    if (from.http.take()) return next();
    const refuse = () => {
      if (!res.writableEnded)
        tooMany(res, from.http, 'Too many requests from your address: wait a few seconds.');
    };
    const cancel = book.hold(from, Math.min(HOLD_MS, from.http.waitMs()), () => {
      res.off('close', gone);
      refuse();
    });
    const gone = () => cancel?.();
    if (cancel) {
      res.once('close', gone);
      return;
    }
    res.setHeader('Connection', 'close');
    refuse();
  });

  /**
   * The room code of a request, or null when an answer went out: 400 for a
   * malformed code, 429 once the address looked up too many unknown codes
   * (then no lookup answers, so that a probe cannot tell live codes from dead).
   */
  const codeOf =
    (schema: typeof roomCode | typeof classCode, bad: string, tooManyUnknown: string) =>
    (req: Request, res: Response): { code: string; from: AddressRecord } | null => {
      const parsed = schema.safeParse(req.params.code);
      if (!parsed.success) {
        apiError(res, 400, 'bad_request', parsed.error.issues[0]?.message ?? bad);
        return null;
      }
      const from = fromOf(req);
      if (from.lookups.empty()) {
        tooMany(res, from.lookups, tooManyUnknown);
        return null;
      }
      return { code: parsed.data, from };
    };
  const roomOf = codeOf(
    roomCode,
    'Bad room code.',
    'Too many unknown room codes from your address: wait a minute.',
  );

  const unknown = (res: Response, from: AddressRecord): void => {
    from.lookups.take();
    apiError(res, 404, 'not_found', 'There is no room with that code.');
  };

  /**
   * A room's transcript from the cache (server/transcripts.ts): the events
   * folded to bring it up to date are charged to the address's reads. A
   * fogged round being played is left out until it ends.
   */
  const transcript = async (req: Request, res: Response, kind: 'text' | 'json') => {
    const room = roomOf(req, res);
    if (!room) return;
    const { from } = room;
    const read = await transcripts.read(room.code, (events) => {
      if (from.reads.empty()) return false;
      from.reads.charge(events);
      return true;
    });
    switch (read.kind) {
      case 'not_found':
        return unknown(res, from);
      case 'too_large':
        return apiError(
          res,
          413,
          'too_large',
          `This room's log has ${read.events} events, more than this server prints (MAX_ROOM_EVENTS).`,
        );
      case 'refused':
        return tooMany(
          res,
          from.reads,
          'Your address read too many big rooms: wait a few seconds.',
        );
      case 'ok': {
        res.setHeader('ETag', read.etag);
        res.type(kind === 'text' ? 'text/plain; charset=utf-8' : 'application/json');
        if (req.fresh) {
          res.status(304).end();
          return;
        }
        // Bytes already made, written as they are: a request folds and copies nothing.
        const chunks = kind === 'text' ? read.text : signed(read.etag, read.json);
        res.setHeader('Content-Length', String(chunks.reduce((n, c) => n + c.length, 0)));
        if (req.method === 'HEAD') {
          res.end();
          return;
        }
        for (const chunk of chunks) res.write(chunk);
        res.end();
        return;
      }
    }
  };

  /**
   * transcript.json's body, signed when exports are on: `"signature"` is the HMAC of the
   * body without it (server/exports.ts), so that the server can fork the log uploaded back.
   */
  const signatures = new Map<string, Buffer>();
  const signed = (etag: string, json: readonly Buffer[]): readonly Buffer[] => {
    const signer = deps.exports?.signer;
    if (!signer) return [...json, JSON_END];
    let end = signatures.get(etag);
    if (!end) {
      end = Buffer.from(`],"signature":"${signer.sign([...json, JSON_END])}"}`);
      if (signatures.size >= QR_CACHE) signatures.delete(signatures.keys().next().value!);
      signatures.set(etag, end);
    }
    return [...json, end];
  };

  app.get('/api/rooms/:code/transcript.txt', (req, res) => transcript(req, res, 'text'));
  app.get('/api/rooms/:code/transcript.json', (req, res) => transcript(req, res, 'json'));
  // A round's space-time diagram from the public log (server/diagram.ts).
  const diagrams = new Diagrams({
    transcripts,
    lastSeq: deps.exports && ((code) => deps.exports!.store.lastSeq(code)),
  });
  app.get('/api/rooms/:code/diagram.svg', async (req, res) => {
    const room = roomOf(req, res);
    if (!room) return;
    const answer = await diagrams.answer(room.code, req.query.round, room.from);
    if (answer.kind === 'unknown') return unknown(res, room.from);
    if (answer.kind === 'tooMany') return tooMany(res, room.from.reads, answer.message);
    if (answer.kind === 'error') return apiError(res, answer.status, answer.code, answer.message);
    res.setHeader('Content-Disposition', `attachment; filename="${answer.filename}"`);
    res.setHeader('Cache-Control', 'no-cache');
    res.type('image/svg+xml').send(answer.svg);
  });

  /** The invite of a room, on the port the server listens on (the one this request came to). */
  const inviteOf = (req: Request, code: string): InviteBase => {
    const base = inviteBase(deps.invite ?? {}, req.socket.localPort ?? 0);
    return { url: `${base.url}/r/${code}`, local: base.local };
  };

  // The join link as the page shows it: `{ url, local }` (local: it only works on this computer).
  app.get('/api/rooms/:code/invite.json', (req, res) => {
    const room = roomOf(req, res);
    if (!room) return;
    if (!deps.exists(room.code)) return unknown(res, room.from);
    res.setHeader('Cache-Control', 'no-cache');
    res.json(inviteOf(req, room.code));
  });

  const qrCodes = new Map<string, string>();
  /** A join link's QR code, made once per link (a room's and a class's never change). */
  const qrSvg = async (url: string): Promise<string> => {
    let svg = qrCodes.get(url);
    if (svg === undefined) {
      svg = await QRCode.toString(url, { type: 'svg', margin: 2 });
      if (qrCodes.size >= QR_CACHE) qrCodes.delete(qrCodes.keys().next().value!);
      qrCodes.set(url, svg);
    }
    return svg;
  };
  app.get('/api/rooms/:code/qr.svg', async (req, res) => {
    const room = roomOf(req, res);
    if (!room) return;
    if (!deps.exists(room.code)) return unknown(res, room.from);
    // The phone opens the invite link: PUBLIC_URL or the LAN address, never the Host header.
    const { url } = inviteOf(req, room.code);
    res.type('image/svg+xml').send(await qrSvg(url));
  });

  /** A class code of a request, as `roomOf` does a room's (its unknown codes cost lookups too). */
  const classCodeOf = codeOf(
    classCode,
    'Bad class code.',
    'Too many unknown codes from your address: wait a minute.',
  );
  const classOf = (req: Request, res: Response): { code: string; from: AddressRecord } | null => {
    const cls = classCodeOf(req, res);
    if (!cls || deps.classes?.exists(cls.code)) return cls;
    cls.from.lookups.take();
    apiError(res, 404, 'not_found', 'There is no class with that code.');
    return null;
  };

  // A class's report: one row per student per class round, the columns of a room's grades.csv.
  app.get('/api/classes/:code/grades.csv', (req, res) => {
    const cls = classOf(req, res);
    if (!cls) return;
    const csv = deps.classes!.gradesCsv(cls.code);
    if (csv === null) return apiError(res, 404, 'not_found', 'There is no class with that code.');
    res.setHeader('Content-Disposition', `attachment; filename="grades-class-${cls.code}.csv"`);
    res.setHeader('Cache-Control', 'no-cache');
    res.type('text/csv; charset=utf-8').send(csv);
  });

  // The class's join QR code for the projector: the invite base (never the Host header) + /c/CODE.
  app.get('/api/classes/:code/qr.svg', async (req, res) => {
    const cls = classOf(req, res);
    if (!cls) return;
    const base = inviteBase(deps.invite ?? {}, req.socket.localPort ?? 0);
    const url = `${base.url}/c/${cls.code}`;
    res.type('image/svg+xml').send(await qrSvg(url));
  });

  if (deps.exports) {
    // The routes see express's request and response through small interfaces (exports.ts).
    exportRoutes(deps.exports, {
      roomOf: (req, res) => roomOf(req as Request, res as Response),
      unknown: (res, from) => unknown(res as Response, from),
      fromOf: (req) => fromOf(req as Request),
      apiError: (res, ...rest) => apiError(res as Response, ...rest),
      tooMany: (res, ...rest) => tooMany(res as Response, ...rest),
      get: (path, handler) => app.get(path, handler),
      post: (path, limit, handler) => app.post(path, express.json({ limit }), handler),
    });
  }

  app.use('/api', (_req, res) => apiError(res, 404, 'not_found', 'No such endpoint.'));

  const dir = deps.clientDir;
  if (dir && existsSync(join(dir, 'index.html'))) {
    // A single-page app: its routes all load index.html, served as /index.html is.
    app.get(['/', '/r/*splat', '/c/*splat'], (req, _res, next) => {
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
    app.get('/c/*splat', page);
  }

  // Anything else: a page that says so (the API's own 404 answers in JSON above).
  app.use((_req: Request, res: Response) => {
    res.status(404).type('html').setHeader('Cache-Control', 'no-cache').send(NOT_FOUND);
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    // A request the router could not read (a malformed percent-escape, a bad header): the
    // client's fault, answered as such and not logged as the server's failure.
    const { status, type } = (err ?? {}) as { status?: unknown; type?: unknown };
    // A body over its route's limit, or one that is not JSON (express.json's errors).
    if (type === 'entity.too.large') {
      if (!res.headersSent) apiError(res, 413, 'too_large', 'That upload is too large.');
      return;
    }
    if (type === 'entity.parse.failed') {
      if (!res.headersSent) apiError(res, 400, 'bad_request', 'That body is not valid JSON.');
      return;
    }
    if (typeof status === 'number' && status >= 400 && status < 500) {
      if (!res.headersSent) apiError(res, 400, 'bad_request', 'That address cannot be read.');
      return;
    }
    deps.logger.error(`HTTP ${req.method} ${req.path.slice(0, 80)} failed`, err);
    if (!res.headersSent) apiError(res, 500, 'internal', 'The server failed to answer.');
  });
  return app;
}
