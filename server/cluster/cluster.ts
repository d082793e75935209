import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Envelope } from '../../shared/room/index.ts';
import type { ErrorBody } from '../../shared/protocol/index.ts';
import type { ClusterLink, Forwarded, RoomLog, RunResult } from '../hosted.ts';
import { INTERNAL } from '../hosted.ts';
import { LogError } from '../commit.ts';
import type { Logger } from '../log.ts';
import type { Credential, Durability, SqliteStore, Write } from '../store/sqlite.ts';

/*
 * Cluster mode (REDIS_URL): any number of server processes serve the same rooms. Redis holds
 * what is durable: ONE stream of every write (`mnp:log`: a room's events with their token
 * changes, screen keys, browsers), each room's last seq, and each room's lease. Every process
 * reads the whole stream, in order, into its own SQLite copy (the `store` the rest of the
 * server reads, unchanged), and a room in memory here folds what other processes wrote and
 * broadcasts it to its sockets here, fog of war and revocations included. A room's commands
 * are decided by the one process that holds its lease; the others forward them there. Every
 * append is fenced inside Redis by the lease and the room's seq, so an owner that lost its
 * lease (paused, partitioned) cannot write. docs/ARCHITECTURE.md "Several processes" says why.
 */

const STREAM = 'mnp:log';
const seqKey = (code: string) => `mnp:seq:${code}`;
const leaseKey = (code: string) => `mnp:lease:${code}`;
const epochKey = (code: string) => `mnp:epoch:${code}`;
const inbox = (process: string) => `mnp:proc:${process}`;
/** Per room, per player and process (`player|process`): how many sockets sit for the player. */
const socketsKey = (code: string) => `mnp:sockets:${code}`;
/** A process is alive while this key is (renewed with its leases). */
const aliveKey = (process: string) => `mnp:alive:${process}`;
/** Every process that joined and has not been found dead yet. */
const PROCESSES = 'mnp:processes';

/** A write of the stream: what every process applies to its store, in stream order. */
type Op = { by: string } & (
  | { t: 'w'; write: Write }
  | { t: 'key'; room: string; keyHash: string }
  | { t: 'browser'; room: string; browserHash: string; playerId: string }
);

/**
 * A group commit's fenced appends, in order, in one call: for each write, its room's lease
 * must be the caller's and the room's log must end where the write says it does. KEYS: the
 * stream, then each write's seq and lease keys; ARGV: the writing process, then each write's
 * lease, expected seq, last seq and op. An entry's fields: `by` (the process) and `op`. Answers each write's stream id, or `!FENCED lease` / `!FENCED seq <n>`.
 */
const APPEND = `
local out = {}
for i = 0, (#ARGV - 1) / 4 - 1 do
  local seq, lease = KEYS[2 + 2 * i], KEYS[3 + 2 * i]
  local mine, expected = ARGV[2 + 4 * i], tonumber(ARGV[3 + 4 * i])
  local cur = tonumber(redis.call('GET', seq) or '0')
  if mine == '' or redis.call('GET', lease) ~= mine then
    out[i + 1] = '!FENCED lease'
  elseif cur ~= expected then
    out[i + 1] = '!FENCED seq ' .. cur
  else
    redis.call('SET', seq, ARGV[4 + 4 * i])
    out[i + 1] = redis.call('XADD', KEYS[1], '*', 'by', ARGV[1], 'op', ARGV[5 + 4 * i])
  end
end
return out`;

/**
 * Takes the room's lease if nobody holds it: {1, lease, seq}; held: {0, holder, ttl}; a room
 * that does not exist (and is not being created): {2}. A lease is `process:epoch`.
 */
const ACQUIRE = `
local cur = redis.call('GET', KEYS[1])
if cur then return {0, cur, redis.call('PTTL', KEYS[1])} end
if ARGV[3] == '1' and redis.call('EXISTS', KEYS[3]) == 0 then return {2, '', 0} end
local value = ARGV[1] .. ':' .. redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
return {1, value, tonumber(redis.call('GET', KEYS[3]) or '0')}`;

const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** A pipeline with the scripts above. */
interface Pipe {
  mnpRenew(...args: (string | number)[]): Pipe;
  exec(): Promise<[Error | null, unknown][] | null>;
}

type ClusterRedis = Redis & {
  mnpAppend(keys: number, ...args: (string | number)[]): Promise<string[]>;
  mnpAcquire(...args: (string | number)[]): Promise<[number, string, number]>;
  mnpRenew(...args: (string | number)[]): Promise<number>;
  mnpRelease(...args: (string | number)[]): Promise<number>;
};

/** What the cluster drives in the room host (server/rooms.ts). */
export interface ClusterRooms {
  run(
    code: string,
    command: Forwarded['command'],
    actor: Forwarded['actor'],
    grant?: Credential,
    meter?: (events: number) => void,
    browserHash?: string,
  ): Promise<RunResult>;
  follow(code: string, envelopes: Envelope[]): void;
  takeOver(code: string): void;
  lost(code: string): void;
  reconcile(code: string, seated: ReadonlySet<string>): void;
}

type Message =
  | ({ k: 'req'; id: number; from: string } & Forwarded)
  | { k: 'res'; id: number; result: RunResult; events: number; moved?: true };

/** A stream id as two numbers, comparable. */
const idOf = (id: string): [number, number] => {
  const dash = id.indexOf('-');
  return [Number(id.slice(0, dash)), Number(id.slice(dash + 1))];
};
const atLeast = (a: [number, number], b: [number, number]) =>
  a[0] > b[0] || (a[0] === b[0] && a[1] >= b[1]);

export interface ClusterOptions {
  /** `redis://host:port` or a unix socket's path. */
  url: string;
  /** This process's copy of the log: the store the rest of the server reads. */
  store: SqliteStore;
  logger: Logger;
  /** How long a room's lease lasts unless renewed [3000 ms]; renewed every third of it. */
  leaseMs?: number;
  /** Redis's AOF: fsync every second (normal) or at every write (full). */
  durability?: Durability;
  /**
   * Fault injection for tests: what this process reads of the log waits this long before
   * it is applied (a slow reader: the answers of forwarded commands then come first).
   */
  readDelayMs?: number;
}

/**
 * A connection that keeps commands while Redis is away: those queued meanwhile and those in
 * flight when it broke are sent once it is back (an append that had run is then refused by its
 * own fence, `!FENCED seq`, and the stream tells what became of it: `absorbDeferred`). With
 * `batched`, the commands of one turn of the event loop go in one write (auto-pipelining).
 */
/** The answer to commands whose append's answer was lost with the connection to Redis. */
const UNSURE: ErrorBody = {
  code: 'internal',
  message:
    'The server lost its connection to its database while saving that; it may be saved. Look at the room before trying again.',
};

/** How long a starting process waits for Redis to answer before it gives up. */
const START_TIMEOUT_MS = 10_000;

/** `redis://…`, `rediss://…` or a unix socket's path. */
export function redisUrlProblem(url: string): string | null {
  if (/^rediss?:\/\//.test(url)) return URL.canParse(url) ? null : 'not a valid address';
  if (url.startsWith('/') || url.startsWith('./')) return null;
  return 'expected redis://host:port, rediss://host:port or the path of a unix socket';
}

const connect = (url: string, batched = false): Redis => {
  const options = { maxRetriesPerRequest: null, enableAutoPipelining: batched } as const;
  return url.startsWith('redis://') || url.startsWith('rediss://')
    ? new Redis(url, options)
    : new Redis({ ...options, path: url });
};

/**
 * This process's membership of the cluster: its Redis connections (commands; the stream's
 * reader, which blocks; pub/sub for forwarded commands), the leases it holds, and its copy.
 */
export class Cluster implements ClusterLink {
  readonly id = randomBytes(6).toString('hex');
  private readonly cmd: ClusterRedis;
  private readonly reader: Redis;
  private readonly sub: Redis;
  private readonly leaseMs: number;
  private rooms: ClusterRooms | null = null;
  /** Leases held: room -> `process:epoch`. */
  private readonly leases = new Map<string, string>();
  /** Owners seen elsewhere, until about when their lease ends. */
  private readonly owners = new Map<string, { owner: string; until: number }>();
  /** Takeovers in progress (one per room). */
  private readonly taking = new Map<string, Promise<'here' | { owner: string }>>();
  /** The last stream entry applied to the store. */
  private applied: [number, number] = [0, 0];
  private lastId = '0-0';
  /** Waiting for the store to reach a stream entry. */
  private idWaiters: { id: [number, number]; resolve: () => void }[] = [];
  /** Each room's last seq in the store, and who waits for a seq. */
  private readonly seqs = new Map<string, number>();
  private seqWaiters: { code: string; seq: number; resolve: () => void }[] = [];
  /** Forwarded commands waiting for their answer. */
  private readonly pending = new Map<
    number,
    { code: string; owner: string; answer: (m: Extract<Message, { k: 'res' }> | null) => void }
  >();
  private nextId = 1;
  /** Messages to other processes, sent at the end of this turn of the event loop. */
  private readonly posts = new Map<string, { messages: Message[]; sent: Promise<number> }>();
  private closed = false;
  private ticking = false;
  /** The processes last seen alive (`tick`). */
  private alive = new Set<string>();
  /** Stream ids of this process's own writes, already in the store (`commit`, `append`). */
  private readonly mine = new Set<string>();
  /** Appends in flight: their entries may be read before their answer comes. */
  private writing = 0;
  /** Own entries read while appends were in flight, not known yet as `mine`. */
  private deferred: [id: string, fields: string[]][] = [];
  private timer: ReturnType<typeof setInterval> | null = null;
  private reading: Promise<void> = Promise.resolve();

  constructor(private readonly options: ClusterOptions) {
    this.leaseMs = options.leaseMs ?? 3000;
    this.cmd = connect(options.url, true) as ClusterRedis;
    this.cmd.defineCommand('mnpAppend', { lua: APPEND });
    this.cmd.defineCommand('mnpAcquire', { numberOfKeys: 3, lua: ACQUIRE });
    this.cmd.defineCommand('mnpRenew', { numberOfKeys: 1, lua: RENEW });
    this.cmd.defineCommand('mnpRelease', { numberOfKeys: 1, lua: RELEASE });
    this.reader = connect(options.url);
    this.sub = connect(options.url);
    // While Redis is away each connection retries (and says so) every few hundred ms: the
    // log gets the first error of an outage and then one line every 10 s.
    let quietUntil = 0;
    for (const r of [this.cmd, this.reader, this.sub]) {
      r.on('error', (err: Error) => {
        if (this.closed || Date.now() < quietUntil) return;
        quietUntil = Date.now() + 10_000;
        options.logger.error(`redis at ${options.url}: ${err.message} (retrying)`, err);
      });
      r.on('ready', () => (quietUntil = 0));
    }
  }

  /**
   * Joins the cluster: Redis's AOF set as durability asks, the stream read into the store
   * to its end, the inbox subscribed. Then the room host may be attached and the server listen.
   */
  async start(): Promise<void> {
    const { logger, durability, url } = this.options;
    // A server that cannot reach its Redis says so and stops, rather than wait in silence.
    const reached = await Promise.race([
      this.cmd.ping().then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), START_TIMEOUT_MS).unref()),
    ]);
    if (!reached) {
      this.closed = true;
      for (const r of [this.cmd, this.reader, this.sub]) r.disconnect();
      throw new Error(
        `REDIS_URL=${url}: no answer from Redis in ${START_TIMEOUT_MS / 1000} s (is redis-server running there?)`,
      );
    }
    try {
      await this.cmd.config('SET', 'appendonly', 'yes');
      await this.cmd.config('SET', 'appendfsync', durability === 'full' ? 'always' : 'everysec');
    } catch (err) {
      // A managed Redis may forbid CONFIG: then its own persistence settings stand.
      logger.error('redis: could not turn AOF on (CONFIG SET); check its persistence', err);
    }
    // The server's signing secret is the cluster's (an export signed by one process opens on all).
    const secret = randomBytes(32).toString('hex');
    await this.cmd.set('mnp:secret:log-signature', secret, 'NX');
    const shared = (await this.cmd.get('mnp:secret:log-signature'))!;
    this.options.store.secret('log-signature', () => Buffer.from(shared, 'hex'));
    for (;;) {
      const batch = await this.reader.xread('COUNT', 5000, 'STREAMS', STREAM, this.lastId);
      const entries = batch?.[0]?.[1] ?? [];
      if (entries.length === 0) break;
      this.apply(entries);
    }
    await this.cmd.set(aliveKey(this.id), '1', 'PX', this.leaseMs);
    await this.cmd.sadd(PROCESSES, this.id);
    this.alive = new Set(await this.cmd.smembers(PROCESSES));
    await this.sub.subscribe(inbox(this.id));
    // Pub/sub forgets what was in flight when the connection to Redis broke: the forwarded
    // commands still waiting then will not be answered (they may or may not have run).
    this.sub.on('close', () => {
      for (const p of [...this.pending.values()]) p.answer(null);
    });
    this.sub.on('message', (_channel: string, text: string) => this.receive(text));
    this.reading = this.read();
    this.timer = setInterval(() => void this.tick(), Math.max(50, this.leaseMs / 3));
  }

  /** The room host this process serves; forwarded commands and others' events go to it. */
  attach(rooms: ClusterRooms): void {
    this.rooms = rooms;
  }

  /** The log as the room host writes it (server/hosted.ts `RoomLog`). */
  readonly log: RoomLog = {
    commit: (writes) => this.commit(writes),
    create: (write) => this.create(write),
    setScreenKey: (room, keyHash) => this.append({ by: this.id, t: 'key', room, keyHash }),
    addBrowser: (room, browserHash, playerId) =>
      this.append({ by: this.id, t: 'browser', room, browserHash, playerId }),
  };

  owns(code: string): boolean {
    return this.leases.has(code);
  }

  async route(code: string): Promise<'here' | { owner: string }> {
    if (this.leases.has(code)) return 'here';
    const known = this.owners.get(code);
    if (known && known.until > Date.now()) return { owner: known.owner };
    let taking = this.taking.get(code);
    if (!taking) {
      taking = this.acquire(code, true).finally(() => this.taking.delete(code));
      this.taking.set(code, taking);
    }
    return taking;
  }

  /** Tries to take the room's lease; once taken, reads the log to its end and takes it over. */
  private async acquire(code: string, mustExist: boolean): Promise<'here' | { owner: string }> {
    const [taken, value, n] = await this.cmd.mnpAcquire(
      leaseKey(code),
      epochKey(code),
      seqKey(code),
      this.id,
      this.leaseMs,
      mustExist ? '1' : '0',
    );
    if (taken === 0) {
      const owner = value.slice(0, value.lastIndexOf(':'));
      if (owner === this.id) {
        // Ours from before (a lease we thought lost): let it go, then try again.
        await this.cmd.mnpRelease(leaseKey(code), value);
        return this.acquire(code, mustExist);
      }
      // Known until its lease would end unrenewed; a forward to a process gone finds out sooner.
      this.owners.set(code, { owner, until: Date.now() + Math.max(n, 0) });
      return { owner };
    }
    if (taken === 2) throw new Error(`room ${code} is not in the cluster's log`);
    await this.seen(code, n);
    this.leases.set(code, value);
    this.owners.delete(code);
    if (mustExist) {
      this.rooms?.takeOver(code);
      // Its previous owner may have died with players' sockets: they are not connected.
      void this.reconcile([code]);
    }
    return 'here';
  }

  async forward(
    owner: string,
    request: Forwarded,
  ): Promise<(RunResult & { events?: number }) | 'unreachable' | 'moved'> {
    // Its answer comes to this process's inbox: not while that is not listening (Redis away).
    if (this.sub.status !== 'ready') return 'unreachable';
    const id = this.nextId++;
    const message: Message = { k: 'req', id, from: this.id, ...request };
    // Answered, or given up on: when the owner's lease ends first (it died or paused with the
    // command: `tick` looks), or after a long while.
    const answered = new Promise<Extract<Message, { k: 'res' }> | null>((resolve) => {
      const timeout = setTimeout(() => this.pending.get(id)?.answer(null), 30_000);
      this.pending.set(id, {
        code: request.code,
        owner,
        answer: (m) => {
          clearTimeout(timeout);
          this.pending.delete(id);
          resolve(m);
        },
      });
    });
    const receivers = await this.post(owner, message);
    if (receivers === 0) {
      // Nobody listens there: that process is gone. Its lease runs out; then someone takes over.
      this.pending.get(id)?.answer(null);
      this.owners.delete(request.code);
      return 'unreachable';
    }
    const reply = await answered;
    if (!reply) {
      this.owners.delete(request.code);
      return {
        ok: false,
        error: {
          code: 'internal',
          message:
            'The server that holds this room did not answer in time. Look at the room before trying again.',
        },
      };
    }
    if (reply.moved) {
      this.owners.delete(request.code);
      return 'moved';
    }
    // The ack waits for the command's own events to be folded and broadcast here.
    if (reply.result.ok) await this.seen(request.code, reply.result.seq);
    return { ...reply.result, events: reply.events };
  }

  barrier(): Promise<void> {
    return this.cmd.xrevrange(STREAM, '+', '-', 'COUNT', 1).then((last) => {
      const id = last[0]?.[0];
      return id === undefined ? undefined : this.reach(idOf(id));
    });
  }

  socketOpened(code: string, playerId: string): void {
    this.cmd.hincrby(socketsKey(code), `${playerId}|${this.id}`, 1).catch((err: unknown) => {
      this.options.logger.error(`room ${code}: counting a socket failed`, err, { room: code });
    });
  }

  async socketClosed(code: string, playerId: string): Promise<boolean> {
    await this.cmd.hincrby(socketsKey(code), `${playerId}|${this.id}`, -1);
    return (await this.seated(code)).has(playerId);
  }

  /** The players a socket of a living process sits for in the room. */
  private async seated(code: string): Promise<Set<string>> {
    const counts = await this.cmd.hgetall(socketsKey(code));
    const seated = new Set<string>();
    for (const [field, n] of Object.entries(counts)) {
      const bar = field.lastIndexOf('|');
      const process = field.slice(bar + 1);
      if (Number(n) > 0 && (process === this.id || this.alive.has(process))) {
        seated.add(field.slice(0, bar));
      }
    }
    return seated;
  }

  /** Rooms owned here: players whose sockets were on a process that died are disconnected. */
  private async reconcile(codes: string[]): Promise<void> {
    try {
      for (const code of codes) {
        if (!this.leases.has(code)) continue;
        this.rooms?.reconcile(code, await this.seated(code));
      }
    } catch (err) {
      this.options.logger.error('cluster: presence after a process died failed', err);
    }
  }

  released(code: string): void {
    const value = this.leases.get(code);
    if (value === undefined) return;
    this.leases.delete(code);
    this.cmd.mnpRelease(leaseKey(code), value).catch((err: unknown) => {
      this.options.logger.error(`room ${code}: releasing its lease failed`, err, { room: code });
    });
  }

  /** Every lease let go and the connections closed (the server stops). */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.timer) clearInterval(this.timer);
    const held = [...this.leases];
    this.leases.clear();
    // Others may take the rooms at once; with Redis away they wait for the leases to run out.
    const goodbye = Promise.all([
      ...held.map(([code, value]) => this.cmd.mnpRelease(leaseKey(code), value).catch(() => 0)),
      this.cmd.del(aliveKey(this.id)).catch(() => 0),
    ]);
    await Promise.race([goodbye, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    this.closed = true;
    this.reader.disconnect();
    this.sub.disconnect();
    await this.reading;
    this.cmd.disconnect();
  }

  /**
   * The group commit's writes in one fenced call to Redis; those that committed go into the
   * store at once (this process's own writes are not read back from the stream: `apply`).
   */
  private async commit(writes: readonly Write[]): Promise<Map<number, ErrorBody>> {
    const keys: string[] = [STREAM];
    const args: (string | number)[] = [this.id];
    const sent: number[] = [];
    writes.forEach((write, i) => {
      const first = write.envelopes[0];
      const last = write.envelopes.at(-1);
      if (!first || !last) return;
      sent.push(i);
      const op: Op = { by: this.id, t: 'w', write };
      keys.push(seqKey(write.room), leaseKey(write.room));
      args.push(this.leases.get(write.room) ?? '', first.seq - 1, last.seq, JSON.stringify(op));
    });
    const failed = new Map<number, ErrorBody>();
    if (sent.length === 0) return failed;
    let results: string[];
    try {
      results = await this.writeOnce(() => this.cmd.mnpAppend(keys.length, ...keys, ...args));
    } catch (err) {
      // Redis may have run it: if so its events come back in the log and are broadcast.
      this.options.logger.error(`cluster: an append of ${sent.length} writes got no answer`, err);
      throw new LogError(UNSURE);
    }
    const committed: Write[] = [];
    sent.forEach((i, k) => {
      const answer = results[k] ?? '!no answer';
      const write = writes[i]!;
      if (!answer.startsWith('!')) {
        committed.push(write);
        this.mine.add(answer);
        return;
      }
      // Another process holds the room now: nothing of it was written. Or the log is ahead of
      // this write: the append was sent again after the connection broke, and the first one
      // was written (its events come back in the log and are broadcast). The room's writes
      // after a refused one were decided on top of it: refused too.
      const fencedSeq = answer.startsWith('!FENCED seq');
      failed.set(i, fencedSeq ? UNSURE : INTERNAL);
      if (answer.startsWith('!FENCED lease')) this.lose(write.room);
      else if (fencedSeq) this.released(write.room);
    });
    this.store(committed);
    this.absorbDeferred();
    this.wake();
    return failed;
  }

  /** Committed writes into the store, and each room's last seq noted. */
  private store(writes: Write[]): void {
    if (writes.length === 0) return;
    const { store, logger } = this.options;
    try {
      store.appendBatch(writes);
    } catch (err) {
      logger.error(`cluster: a batch of ${writes.length} writes applied one by one`, err);
      // One by one, so that one bad write (a bug) does not keep the others out.
      for (const w of writes) {
        try {
          store.appendBatch([w]);
        } catch (inner) {
          logger.error(`room ${w.room}: applying the cluster's log failed`, inner, {
            room: w.room,
          });
        }
      }
    }
    for (const w of writes) this.seqs.set(w.room, w.envelopes.at(-1)!.seq);
  }

  private async create(write: Write): Promise<boolean> {
    const route = await this.acquire(write.room, false);
    if (route !== 'here') return false;
    const failed = await this.commit([write]);
    if (failed.size === 0) return true;
    this.released(write.room);
    return false;
  }

  /** An op without a room's fence (screen keys, browsers): durable, then in the store. */
  private async append(op: Exclude<Op, { t: 'w' }>): Promise<void> {
    const id = await this.writeOnce(() =>
      this.cmd.xadd(STREAM, '*', 'by', this.id, 'op', JSON.stringify(op)),
    );
    this.mine.add(id!);
    this.storeOp(op);
    this.absorbDeferred();
    this.wake();
  }

  /**
   * An append, counted in flight while it is; if it fails (the connection broke), whatever of
   * this process's was read meanwhile is looked at now (`absorbDeferred`).
   */
  private async writeOnce<T>(append: () => Promise<T>): Promise<T> {
    this.writing++;
    try {
      const answer = await append();
      this.writing--;
      return answer;
    } catch (err) {
      this.writing--;
      this.absorbDeferred();
      throw err;
    }
  }

  /** An op that is not a room's write, into the store. */
  private storeOp(op: Exclude<Op, { t: 'w' }>): void {
    const { store } = this.options;
    if (op.t === 'key') store.setScreenKey(op.room, op.keyHash);
    else store.addBrowser(op.room, op.browserHash, op.playerId);
  }

  /** The lease went elsewhere: the room's drivers stop here and its commands go there. */
  private lose(code: string): void {
    if (!this.leases.delete(code)) return;
    this.options.logger.error(`room ${code}: lost its lease`, undefined, { room: code });
    this.rooms?.lost(code);
  }

  /** Renews the leases held; takes over live rooms that nobody holds (their owner died). */
  private async tick(): Promise<void> {
    // A slow Redis must not pile ticks up.
    if (this.ticking) return;
    this.ticking = true;
    try {
      // This process is alive; those whose key ran out are not: their players' sockets went.
      await this.cmd.set(aliveKey(this.id), '1', 'PX', this.leaseMs);
      // (Again each time: one that was paused past its key was taken off the list meanwhile.)
      await this.cmd.sadd(PROCESSES, this.id);
      const known = await this.cmd.smembers(PROCESSES);
      const living = await Promise.all(known.map((p) => this.cmd.exists(aliveKey(p))));
      const dead = known.filter((p, i) => living[i] === 0 && p !== this.id);
      this.alive = new Set(known.filter((p, i) => living[i] === 1 || p === this.id));
      if (dead.length > 0) {
        await this.cmd.srem(PROCESSES, ...dead);
        void this.reconcile([...this.leases.keys()]);
      }
      const held = [...this.leases];
      if (held.length > 0) {
        const pipe = this.cmd.pipeline() as unknown as Pipe;
        for (const [code, value] of held) pipe.mnpRenew(leaseKey(code), value, this.leaseMs);
        const results = (await pipe.exec()) ?? [];
        held.forEach(([code, value], i) => {
          const [err, renewed] = results[i] ?? [null, 0];
          if (!err && renewed === 0 && this.leases.get(code) === value) this.lose(code);
        });
      }
      // Forwarded commands whose owner lost its lease meanwhile will not be answered.
      const waiting = [...this.pending.values()];
      if (waiting.length > 0) {
        const codes = [...new Set(waiting.map((p) => p.code))];
        const holders = await Promise.all(codes.map((code) => this.cmd.get(leaseKey(code))));
        const holder = new Map(codes.map((code, i) => [code, holders[i] ?? '']));
        for (const p of waiting) {
          if (!holder.get(p.code)!.startsWith(`${p.owner}:`)) p.answer(null);
        }
      }
      const live = this.options.store.liveRooms().filter((code) => !this.leases.has(code));
      if (live.length === 0) return;
      const exists = await Promise.all(live.map((code) => this.cmd.exists(leaseKey(code))));
      for (const [i, code] of live.entries()) {
        if (exists[i] === 0 && !this.taking.has(code)) await this.route(code);
      }
    } catch (err) {
      if (!this.closed) this.options.logger.error('cluster: renewing leases failed', err);
    } finally {
      this.ticking = false;
    }
  }

  /** Reads the stream as it grows, for as long as the process is in the cluster. */
  private async read(): Promise<void> {
    while (!this.closed) {
      try {
        const batch = await this.reader.xread(
          'COUNT',
          5000,
          'BLOCK',
          0,
          'STREAMS',
          STREAM,
          this.lastId,
        );
        const entries = batch?.[0]?.[1];
        const delay = this.options.readDelayMs ?? 0;
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
        if (entries && entries.length > 0) this.apply(entries);
      } catch (err) {
        if (this.closed) return;
        this.options.logger.error('cluster: reading the log failed', err);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  /**
   * Stream entries, in order, into the store; the events other processes wrote go to the
   * room host (folded and broadcast here); then whoever waited for them hears, acks last.
   */
  private apply(entries: [id: string, fields: string[]][]): void {
    if (entries.length === 0) return;
    this.lastId = entries.at(-1)![0];
    this.absorb(entries);
    this.applied = idOf(this.lastId);
    this.wake();
  }

  /**
   * Own entries read while appends were in flight, once they are answered: those not known
   * as `mine` by then were appended by Redis although their append failed here (the
   * connection broke before the answer came): they are applied as another process's are.
   */
  private absorbDeferred(): void {
    if (this.writing > 0 || this.deferred.length === 0) return;
    const deferred = this.deferred;
    this.deferred = [];
    const unknown = deferred.filter(([id]) => !this.mine.delete(id));
    if (unknown.length === 0) return;
    this.options.logger.error(
      `cluster: ${unknown.length} writes of this process found in the log after their append failed`,
    );
    this.absorb(unknown, true);
  }

  private absorb(entries: [id: string, fields: string[]][], recovered = false): void {
    const { logger } = this.options;
    const others = new Map<string, Envelope[]>();
    let writes: Write[] = [];
    for (const [id, fields] of entries) {
      // This process's own writes went into the store when Redis took them (`commit`): the
      // writer is a field of its own, so they are not even parsed.
      if (fields[1] === this.id && !recovered) {
        if (this.mine.delete(id)) continue;
        if (this.writing > 0) {
          this.deferred.push([id, fields]);
          continue;
        }
      }
      let op: Op;
      try {
        op = JSON.parse(fields[3] ?? 'null') as Op;
      } catch (err) {
        logger.error(`cluster: entry ${id} is not JSON`, err);
        continue;
      }
      if (op.t === 'w') {
        writes.push(op.write);
        const list = others.get(op.write.room) ?? [];
        for (const e of op.write.envelopes) list.push(e);
        others.set(op.write.room, list);
        continue;
      }
      this.store(writes);
      writes = [];
      try {
        this.storeOp(op);
      } catch (err) {
        logger.error(`cluster: applying entry ${id} failed`, err);
      }
    }
    this.store(writes);
    for (const [code, envelopes] of others) this.rooms?.follow(code, envelopes);
  }

  /** Whoever waited for the store to reach a room's seq or a stream entry hears (acks last). */
  private wake(): void {
    if (this.seqWaiters.length > 0) {
      const waiting = this.seqWaiters;
      this.seqWaiters = [];
      for (const w of waiting) {
        if (this.seqOf(w.code) >= w.seq) w.resolve();
        else this.seqWaiters.push(w);
      }
    }
    if (this.idWaiters.length > 0) {
      const waiting = this.idWaiters;
      this.idWaiters = [];
      for (const w of waiting) {
        if (atLeast(this.applied, w.id)) w.resolve();
        else this.idWaiters.push(w);
      }
    }
  }

  private seqOf(code: string): number {
    let seq = this.seqs.get(code);
    if (seq === undefined) {
      seq = this.options.store.lastSeq(code);
      this.seqs.set(code, seq);
    }
    return seq;
  }

  /** Resolves once the store holds the room's log up to `seq` (and this process followed it). */
  private seen(code: string, seq: number): Promise<void> {
    if (this.seqOf(code) >= seq) return Promise.resolve();
    return new Promise((resolve) => this.seqWaiters.push({ code, seq, resolve }));
  }

  /** Resolves once the store holds the stream up to `id`. */
  private reach(id: [number, number]): Promise<void> {
    if (atLeast(this.applied, id)) return Promise.resolve();
    return new Promise((resolve) => this.idWaiters.push({ id, resolve }));
  }

  /**
   * Sends a message to a process's inbox: the messages to one process of one turn of the
   * event loop go as one PUBLISH. Resolves to how many processes received it (0: gone).
   */
  private post(to: string, message: Message): Promise<number> {
    let batch = this.posts.get(to);
    if (!batch) {
      const messages: Message[] = [];
      const sent = new Promise<number>((resolve, reject) => {
        setImmediate(() => {
          this.posts.delete(to);
          this.cmd.publish(inbox(to), JSON.stringify(messages)).then(resolve, reject);
        });
      });
      batch = { messages, sent };
      this.posts.set(to, batch);
    }
    batch.messages.push(message);
    return batch.sent;
  }

  /**
   * An answer to a forwarded command, sent again while nobody receives it: the asking process
   * may be reconnecting to Redis (pub/sub keeps nothing for later). Given up after a while.
   */
  private async answer(to: string, reply: Message): Promise<void> {
    const until = Date.now() + this.leaseMs + 2000;
    while ((await this.post(to, reply)) === 0 && Date.now() < until && !this.closed) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Messages to this process: forwarded commands and answers. */
  private receive(text: string): void {
    let messages: Message[];
    try {
      messages = JSON.parse(text) as Message[];
    } catch (err) {
      this.options.logger.error('cluster: a message that is not JSON', err);
      return;
    }
    for (const message of messages) this.handle(message);
  }

  /** A forwarded command (run here, answered to its process) or the answer to one of ours. */
  private handle(message: Message): void {
    if (message.k === 'res') {
      this.pending.get(message.id)?.answer(message);
      return;
    }
    const rooms = this.rooms;
    if (!rooms) return;
    const { id, from, code, command, actor, grant, browserHash } = message;
    // Not (or no longer) the owner: the sender takes the room or asks its owner. A process
    // never takes a room for a command forwarded to it, so a room goes where it is used.
    if (!this.leases.has(code)) {
      const reply: Message = {
        k: 'res',
        id,
        result: { ok: false, error: INTERNAL },
        events: 0,
        moved: true,
      };
      void this.post(from, reply).catch(() => 0);
      return;
    }
    let events = 0;
    rooms
      .run(code, command, actor, grant, (n) => (events = n), browserHash)
      .catch((): RunResult => ({ ok: false, error: INTERNAL }))
      .then((result) => {
        return this.answer(from, { k: 'res', id, result, events });
      })
      .catch((err: unknown) => this.options.logger.error('cluster: answering failed', err));
  }
}
