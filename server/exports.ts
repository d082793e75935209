import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Envelope, ForkedLog } from '../shared/room/index.ts';
import { forkLog, publicLog } from '../shared/room/index.ts';
import { gradeRows, gradesCsv } from '../shared/room/grades.ts';
import { SaveError, roundScenario } from '../shared/room/to-scenario.ts';
import type { ErrorBody } from '../shared/protocol/index.ts';
import type { AddressRecord } from './limits.ts';
import type { SqliteStore } from './store/sqlite.ts';

/*
 * Exports (docs/PROTOCOL.md, HTTP): grades.csv and a round as a scenario file,
 * folded from the room's public log (a fogged round being played is not in it),
 * and forks of event logs uploaded back.
 *
 * An uploaded log is never trusted: the server signs the logs it exports
 * (transcript.json's `signature`, an HMAC-SHA256 of the body without it, with a
 * secret of this server kept in its SQLite store) and forks only a log it
 * signed, unchanged. Any other log can still be replayed in the browser.
 */

/** Signs and checks exported logs with this server's secret. */
export class LogSigner {
  constructor(private readonly secret: Buffer) {}

  /** The secret kept in the store (made once, the same after a restart). */
  static of(store: SqliteStore): LogSigner {
    return new LogSigner(store.secret('log-signature', () => randomBytes(32)));
  }

  /** The signature of a body given in pieces: hex HMAC-SHA256. */
  sign(pieces: Iterable<Buffer | string>): string {
    const hmac = createHmac('sha256', this.secret);
    for (const piece of pieces) hmac.update(piece);
    return hmac.digest('hex');
  }

  /** Whether `signature` is this server's for `{ code, events }` exactly as it exported them. */
  verify(code: string, events: readonly unknown[], signature: string): boolean {
    const mine = Buffer.from(this.sign([JSON.stringify({ code, events })]), 'hex');
    const theirs = Buffer.from(signature, 'hex');
    return theirs.length === mine.length && timingSafeEqual(mine, theirs);
  }
}

/** What the routes need of the server. */
export interface ExportDeps {
  store: SqliteStore;
  signer: LogSigner;
  /** A log longer than this is not exported (MAX_ROOM_EVENTS). */
  maxEvents: number;
  /** Whether the room exists now (and is not being deleted). */
  exists: (code: string) => boolean;
  /** Commits a new room made from a log (RoomHost.createFrom). */
  createFrom: (
    build: (code: string, now: number) => ForkedLog,
  ) => Promise<
    | { ok: true; code: string; hostToken: string; state: { seq: number } }
    | { ok: false; error: ErrorBody }
  >;
}

/** What the routes read of a request and write of a response (express's, at the edge). */
export interface ReqLike {
  params: Record<string, string | undefined>;
  body?: unknown;
}
export interface ResLike {
  status(code: number): ResLike;
  setHeader(name: string, value: string): unknown;
  type(type: string): ResLike;
  send(body: string): unknown;
  json(body: unknown): unknown;
}
type Handler = (req: ReqLike, res: ResLike) => void;

/**
 * The helpers of server/http.ts the routes answer with, and its router: express is the
 * edge's (server/http.ts), not this file's.
 */
export interface HttpKit {
  roomOf(req: ReqLike, res: ResLike): { code: string; from: AddressRecord } | null;
  unknown(res: ResLike, from: AddressRecord): void;
  fromOf(req: ReqLike): AddressRecord;
  apiError(res: ResLike, status: number, code: string, message: string): void;
  tooMany(res: ResLike, bucket: AddressRecord['reads'], message: string): void;
  get(path: string, handler: Handler): void;
  /** A POST whose JSON body (at most `limit` bytes) is parsed into `req.body`. */
  post(path: string, limit: number, handler: Handler): void;
}

const roundNumber = z.coerce.number().int().min(1).max(1_000_000);

const forkBody = z.object({
  log: z.object({
    code: z.string().min(1).max(16),
    events: z.array(z.unknown()).min(1),
    signature: z.string().optional(),
  }),
  at: z.number().int().min(1),
});

export const UNSIGNED =
  'This log was not signed by this server, or it was changed after it was downloaded: it can be replayed in the browser, but not forked here.';

/** The header that makes a browser save the body under `filename`. */
function attachment(res: ResLike, filename: string): void {
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.setHeader('Cache-Control', 'no-cache');
}

/** Registers the export routes on `app` (before the API's 404). */
export function exportRoutes(deps: ExportDeps, kit: HttpKit): void {
  /** The room's public log, its reads charged to the address; null when an answer went out. */
  const publicLogOf = (req: ReqLike, res: ResLike): { code: string; log: Envelope[] } | null => {
    const room = kit.roomOf(req, res);
    if (!room) return null;
    const { code, from } = room;
    if (!deps.exists(code)) {
      kit.unknown(res, from);
      return null;
    }
    const last = deps.store.lastSeq(code);
    if (last > deps.maxEvents) {
      kit.apiError(
        res,
        413,
        'too_large',
        `This room's log has ${last} events, more than this server exports (MAX_ROOM_EVENTS).`,
      );
      return null;
    }
    if (from.reads.empty()) {
      kit.tooMany(res, from.reads, 'Your address read too many big rooms: wait a few seconds.');
      return null;
    }
    from.reads.charge(last);
    return { code, log: publicLog(deps.store.load(code)) };
  };

  kit.get('/api/rooms/:code/grades.csv', (req, res) => {
    const read = publicLogOf(req, res);
    if (!read) return;
    attachment(res, `grades-${read.code}.csv`);
    res.type('text/csv; charset=utf-8').send(gradesCsv(gradeRows(read.log)));
  });

  kit.get('/api/rooms/:code/rounds/:round/scenario.json', (req, res) => {
    const round = roundNumber.safeParse(req.params.round);
    if (!round.success) {
      return kit.apiError(res, 400, 'bad_request', 'A round is a whole number from 1.');
    }
    const read = publicLogOf(req, res);
    if (!read) return;
    let scenario;
    try {
      scenario = roundScenario(read.log, round.data);
    } catch (err) {
      if (!(err instanceof SaveError)) throw err;
      return kit.apiError(res, 409, 'conflict', err.message);
    }
    if (!scenario) {
      return kit.apiError(
        res,
        404,
        'not_found',
        `Room ${read.code} has no round ${round.data} to export (a fogged round is exported once it ends).`,
      );
    }
    attachment(res, `room-${read.code}-round-${round.data}.scenario.json`);
    res.type('application/json').send(`${JSON.stringify(scenario, null, 2)}\n`);
  });

  // A what-if room from an uploaded log this server signed (transcript.json), after event `at`.
  // A room created: the address's room budget pays, as for `host:fork`.
  kit.post('/api/forks', Math.max(1, deps.maxEvents) * 2048, async (req, res) => {
    const from = kit.fromOf(req);
    if (from.roomsCreated.empty()) {
      return kit.tooMany(
        res,
        from.roomsCreated,
        'Too many new rooms from your address: wait a minute.',
      );
    }
    if (from.events.empty() || from.reads.empty()) {
      return kit.tooMany(
        res,
        from.reads,
        'Your address read or wrote too much: wait a few seconds.',
      );
    }
    const body = forkBody.safeParse(req.body);
    if (!body.success) {
      const issue = body.error.issues[0]!;
      return kit.apiError(
        res,
        400,
        'bad_request',
        `Not a fork request: "${issue.path.join('.')}" ${issue.message}.`,
      );
    }
    const { log, at } = body.data;
    if (log.events.length > deps.maxEvents) {
      return kit.apiError(
        res,
        413,
        'too_large',
        `This log has more than ${deps.maxEvents} events.`,
      );
    }
    from.reads.charge(log.events.length);
    if (log.signature === undefined || !/^[0-9a-f]{64}$/.test(log.signature)) {
      return kit.apiError(res, 403, 'unsigned', UNSIGNED);
    }
    if (!deps.signer.verify(log.code, log.events, log.signature)) {
      return kit.apiError(res, 403, 'unsigned', UNSIGNED);
    }
    if (at > log.events.length) {
      return kit.apiError(
        res,
        400,
        'bad_request',
        `This log has ${log.events.length} events, so it cannot be forked after event ${at}.`,
      );
    }
    const prefix = log.events.slice(0, at) as Envelope[];
    let made: Awaited<ReturnType<ExportDeps['createFrom']>>;
    try {
      made = await deps.createFrom((code, now) =>
        forkLog(prefix, { parent: log.code, at, code, now }),
      );
    } catch {
      // Signed by this server, yet not a log it can fold (an older version's?): refused.
      return kit.apiError(res, 400, 'bad_request', 'This log cannot be forked after that event.');
    }
    if (!made.ok) return kit.apiError(res, 409, made.error.code, made.error.message);
    from.roomsCreated.take();
    from.events.charge(made.state.seq);
    res.status(201).json({ code: made.code, hostToken: made.hostToken });
  });
}
