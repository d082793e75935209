import type { IncomingHttpHeaders } from 'node:http';
import { isIPv6 } from 'node:net';
import type { RateLimit } from './ratelimit.ts';
import { TokenBucket } from './ratelimit.ts';

/*
 * Limits per client address: what one address may cost the server, so that
 * one client (a script, a bot gone wild) cannot slow down every other room.
 * docs/PROTOCOL.md "Limits" lists them for clients; server/main.ts reads them
 * from the environment (`readLimits`).
 *
 * The defaults are sized for the worst real case, not the average one: a
 * whole class of 30 to 60 phones behind ONE school NAT address, each with a
 * tab or two open, all joining in the same minute, reconnecting together after
 * a Wi-Fi hiccup and clicking as fast as excited people do. A limit a class
 * can hit is a bug; an attacker gets the same budget as one big class.
 */

export interface Limits {
  /**
   * Connections open at once from one address. 60 phones with two tabs each,
   * plus the host's page and a projector, is ~125; a phone that lost Wi-Fi keeps
   * its old connection until the server's ping times out (~45 s) while the new
   * one opens, so double that, and a margin: 300.
   */
  socketsPerAddress: number;
  /**
   * New connections from one address: 60 at once, then 20 a second. A class of
   * 60 phones joining in the same minute passes at once; after a Wi-Fi hiccup
   * socket.io's clients come back spread over seconds (randomised backoff), and
   * one refused retries. The attack it stops: opening hundreds of sockets in
   * one burst, whose handshakes stalled every room's event loop (`npm run
   * bench:abuse`, the sockets flood).
   */
  addressConnects: RateLimit;
  /**
   * Commands from one address across all its sockets (on top of each socket's
   * own bucket). 60 players clicking twice a second is 120/s; after a Wi-Fi
   * hiccup every tab resumes and syncs at once, and a new connection takes one
   * token too: 200/s, 1,000 at once.
   */
  addressCommands: RateLimit;
  /**
   * Events written by one address's commands. A command writes 1 to ~90
   * events (a `node:propose` to many nodes); 60 players mostly sending single
   * requests (3 events each) twice a second with some proposes write ~500/s:
   * 1,000/s, 2,000 at once (a whole class's requests in one second, or 20
   * proposes to 14 nodes). The attack it stops: sockets that each propose to
   * 14 nodes write tens of thousands of events a second and grow the database
   * by megabytes a second. The burst is also what lands in one turn of the
   * event loop: at 5,000, twenty simultaneous proposes stalled the loop 33–39
   * ms and raised other rooms' ack p99 up to 2.9x (`npm run bench:abuse --
   * --only proposes`); at 2,000, 16 ms and 0.9x.
   */
  addressEvents: RateLimit;
  /**
   * Events read and folded to serve one address: loading a room that is not
   * in memory (join, resume, watch) and bringing a room's cached transcript up
   * to date over HTTP. The burst is above the largest room log (20,000), so a
   * class opening its own big room never waits; past it, 2,000/s (~6% of a
   * core). The attack it stops: watching or downloading big rooms in a loop,
   * each a whole fold.
   */
  addressReads: RateLimit;
  /**
   * Rooms created by one address: 30 a minute, 30 at once (a class splits into
   * groups of five: 12 rooms, and a few more for a second lesson).
   */
  roomsCreated: RateLimit;
  /**
   * Invalid frames from one address: payloads the schema refuses, unknown
   * events, frames without an acknowledgement, commands sent past a rate limit.
   * A real client sends almost none (a name with an emoji the rules refuse, a
   * stale tab): 100 at once, then 1/s. Past it the sending connection is
   * closed and the address may not connect again until the budget refills.
   */
  invalidFrames: RateLimit;
  /**
   * Lookups of room codes that do not exist (room:join/resume/watch, the HTTP
   * room endpoints) from one address. A class mistyping the code at the start:
   * 60 at once, then 30 a minute. Past it every lookup from the address is
   * refused (a success would tell a live code from a dead one), except
   * `room:resume` with a token of that room.
   */
  failedLookups: RateLimit;
  /**
   * Requests to the HTTP API (`/api/...`) from one address. A class opening
   * the QR code and downloading transcripts: 120 at once, then 2/s.
   */
  http: RateLimit;
  /**
   * Events in one round. A lesson's round is tens to hundreds of events; a
   * demo left to duelling bots writes ~7,500 before they sleep. Past 10,000
   * only a command that ends the round is accepted.
   */
  maxRoundEvents: number;
  /**
   * Events in a room's log: every command is refused past it (the room is full:
   * create another). A whole day of lessons in one room is ~10,000 events. It
   * also bounds a fold: a 20,000-event log folds in ~70 ms on this machine.
   */
  maxRoomEvents: number;
  /**
   * Reverse proxies in front of the server whose `X-Forwarded-For` is
   * trusted: 0 (default) uses the connection's own address; N takes the N-th
   * address from the right of that header (what the N-th proxy saw). Set it
   * only behind a proxy: else any client could name its own address.
   */
  trustProxy: number;
}

export const DEFAULT_LIMITS: Limits = {
  socketsPerAddress: 300,
  addressConnects: { perSecond: 20, burst: 60 },
  addressCommands: { perSecond: 200, burst: 1000 },
  addressEvents: { perSecond: 1000, burst: 2000 },
  addressReads: { perSecond: 2000, burst: 25_000 },
  roomsCreated: { perSecond: 0.5, burst: 30 },
  invalidFrames: { perSecond: 1, burst: 100 },
  failedLookups: { perSecond: 0.5, burst: 60 },
  http: { perSecond: 2, burst: 120 },
  maxRoundEvents: 10_000,
  maxRoomEvents: 20_000,
  trustProxy: 0,
};

/** The environment variable of every limit (docs/PROTOCOL.md "Limits" has the same table). */
export const LIMIT_ENV = {
  socketsPerAddress: 'MAX_SOCKETS_PER_ADDRESS',
  addressConnects: ['CONNECTS_PER_SECOND', 'CONNECTS_BURST'],
  addressCommands: ['ADDRESS_RATE_PER_SECOND', 'ADDRESS_RATE_BURST'],
  addressEvents: ['ADDRESS_EVENTS_PER_SECOND', 'ADDRESS_EVENTS_BURST'],
  addressReads: ['ADDRESS_READS_PER_SECOND', 'ADDRESS_READS_BURST'],
  roomsCreated: ['ROOMS_PER_MINUTE'],
  invalidFrames: ['INVALID_PER_MINUTE', 'INVALID_BURST'],
  failedLookups: ['LOOKUP_FAILURES_PER_MINUTE', 'LOOKUP_FAILURES_BURST'],
  http: ['HTTP_RATE_PER_SECOND', 'HTTP_RATE_BURST'],
  maxRoundEvents: 'MAX_ROUND_EVENTS',
  maxRoomEvents: 'MAX_ROOM_EVENTS',
  trustProxy: 'TRUST_PROXY',
} as const;

/** The limits the environment sets; anything missing or not a number ≥ 0 keeps its default. */
export function readLimits(env: Record<string, string | undefined>): Limits {
  const num = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name}=${raw}: expected a number ≥ 0`);
    return n;
  };
  const d = DEFAULT_LIMITS;
  const e = LIMIT_ENV;
  const perMinute = (names: readonly string[], fallback: RateLimit): RateLimit => {
    const minute = num(names[0]!, fallback.perSecond * 60);
    return { perSecond: minute / 60, burst: num(names[1] ?? names[0]!, fallback.burst) };
  };
  const rate = (names: readonly [string, string], fallback: RateLimit): RateLimit => ({
    perSecond: num(names[0], fallback.perSecond),
    burst: num(names[1], fallback.burst),
  });
  return {
    socketsPerAddress: num(e.socketsPerAddress, d.socketsPerAddress),
    addressConnects: rate(e.addressConnects, d.addressConnects),
    addressCommands: rate(e.addressCommands, d.addressCommands),
    addressEvents: rate(e.addressEvents, d.addressEvents),
    addressReads: rate(e.addressReads, d.addressReads),
    roomsCreated: perMinute(e.roomsCreated, d.roomsCreated),
    invalidFrames: perMinute(e.invalidFrames, d.invalidFrames),
    failedLookups: perMinute(e.failedLookups, d.failedLookups),
    http: rate(e.http, d.http),
    maxRoundEvents: num(e.maxRoundEvents, d.maxRoundEvents),
    maxRoomEvents: num(e.maxRoomEvents, d.maxRoomEvents),
    trustProxy: Math.floor(num(e.trustProxy, d.trustProxy)),
  };
}

/** IPv6 `a:b::c` as its eight groups. */
function ipv6Groups(address: string): string[] {
  const [head, tail] = address.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right];
}

/**
 * Who a request comes from, as the limits count it. The connection's address,
 * or with `trustProxy` N the address the N-th proxy saw (from the right of
 * `X-Forwarded-For`). IPv4-mapped IPv6 (`::ffff:10.0.0.7`) is the IPv4
 * address; other IPv6 addresses count per /64, the block one home or phone is
 * given, so that a client cannot take a fresh address for every connection.
 */
export function clientAddress(
  remote: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustProxy: number,
): string {
  let address = remote ?? 'unknown';
  if (trustProxy > 0 && forwardedFor !== undefined) {
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
      .split(',')
      .map((h) => h.trim())
      .filter((h) => h !== '');
    const chain = [...hops, address];
    address = chain[Math.max(0, chain.length - 1 - trustProxy)]!;
  }
  address = address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  const zone = address.indexOf('%');
  if (zone >= 0) address = address.slice(0, zone);
  if (!isIPv6(address)) return address;
  const groups = ipv6Groups(address.toLowerCase()).slice(0, 4);
  return `${groups.map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** A request as `requestAddress` reads it (node's IncomingMessage, engine.io's handshake). */
export interface AddressedRequest {
  socket: { remoteAddress?: string | undefined };
  headers: IncomingHttpHeaders;
}

/** The address the limits count a request (or a connection's handshake) under. */
export const requestAddress = (req: AddressedRequest, trustProxy: number): string =>
  clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustProxy);

/** What one address has spent. */
export interface AddressRecord {
  readonly address: string;
  /** Connections open now (engine.io level, counted from the handshake to the close). */
  connections: number;
  /** Refusals being held back now (`AddressBook.hold`). */
  held: number;
  /**
   * Until then (the book's clock) the address's new connections are cut at once: it was
   * told (a typed refusal, or the answer that closed its connection) and did not wait.
   */
  coolUntil: number;
  readonly connects: TokenBucket;
  readonly commands: TokenBucket;
  readonly events: TokenBucket;
  readonly reads: TokenBucket;
  readonly roomsCreated: TokenBucket;
  readonly invalid: TokenBucket;
  readonly lookups: TokenBucket;
  readonly http: TokenBucket;
  /** Last use (the book's clock), to forget addresses that left. */
  seen: number;
}

/**
 * Refusals held back at once, per address and over all (each holds a request of a few KB):
 * past them a refusal goes at once (or the connection is cut).
 */
const HOLD_PER_ADDRESS = 256;
const HOLD_TOTAL = 4096;

/** Addresses not seen for this long, with no connection and full buckets, are forgotten. */
const FORGET_MS = 10 * 60_000;
const SWEEP_EVERY_MS = 60_000;

/**
 * The budgets of every address, created on first sight and forgotten when
 * unused (a forgotten address is no different from a new one: its buckets
 * were full again). Shared by the socket edge and HTTP.
 */
export class AddressBook {
  private readonly records = new Map<string, AddressRecord>();
  private lastSweep: number;
  private heldTotal = 0;

  constructor(
    readonly limits: Limits,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastSweep = now();
  }

  of(address: string): AddressRecord {
    const now = this.now();
    if (now - this.lastSweep > SWEEP_EVERY_MS) this.sweep(now);
    let record = this.records.get(address);
    if (!record) {
      const bucket = (limit: RateLimit) => new TokenBucket(limit, this.now);
      const l = this.limits;
      record = {
        address,
        connections: 0,
        held: 0,
        coolUntil: 0,
        connects: bucket(l.addressConnects),
        commands: bucket(l.addressCommands),
        events: bucket(l.addressEvents),
        reads: bucket(l.addressReads),
        roomsCreated: bucket(l.roomsCreated),
        invalid: bucket(l.invalidFrames),
        lookups: bucket(l.failedLookups),
        http: bucket(l.http),
        seen: now,
      };
      this.records.set(address, record);
    }
    record.seen = now;
    return record;
  }

  /** New connections from the address are cut for `ms` (see `AddressRecord.coolUntil`). */
  cool(record: AddressRecord, ms: number): void {
    record.coolUntil = Math.max(record.coolUntil, this.now() + Math.min(ms, 60_000));
  }

  /**
   * Whether a new connection from the address is refused before anything is read: it
   * is cooling down, or out of its command or invalid-frame budget.
   */
  shut(record: AddressRecord): boolean {
    return this.now() < record.coolUntil || record.commands.empty() || record.invalid.empty();
  }

  /** Whether another refusal of this address may be held back now. */
  canHold(record: AddressRecord): boolean {
    return record.held < HOLD_PER_ADDRESS && this.heldTotal < HOLD_TOTAL;
  }

  /**
   * Holds a refusal back for `ms`, then runs `refuse`: a tarpit. A client that
   * tries again as soon as it is refused then waits anyway, and costs the server
   * one refusal a second instead of thousands. Returns a function that cancels
   * it (the client went away), or null when too many are held already: then
   * the caller refuses at once.
   */
  hold(record: AddressRecord, ms: number, refuse: () => void): (() => void) | null {
    if (!this.canHold(record)) return null;
    record.held++;
    this.heldTotal++;
    let done = false;
    const release = () => {
      if (done) return false;
      done = true;
      record.held--;
      this.heldTotal--;
      return true;
    };
    const timer = setTimeout(() => {
      if (release()) refuse();
    }, ms);
    return () => {
      if (release()) clearTimeout(timer);
    };
  }

  /** The address's record if it has one (nothing is created). */
  peek(address: string): AddressRecord | undefined {
    return this.records.get(address);
  }

  /** Addresses known now (for tests). */
  get size(): number {
    return this.records.size;
  }

  sweep(now = this.now()): void {
    this.lastSweep = now;
    for (const [address, r] of this.records) {
      if (r.connections > 0 || r.held > 0 || now - r.seen < FORGET_MS) continue;
      const buckets = [
        r.connects,
        r.commands,
        r.events,
        r.reads,
        r.roomsCreated,
        r.invalid,
        r.lookups,
        r.http,
      ];
      if (buckets.every((b) => b.full())) this.records.delete(address);
    }
  }
}
