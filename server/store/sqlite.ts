import Database from 'better-sqlite3';
import type { Envelope } from '../../shared/room/index.ts';
import { Checkpointer } from './checkpointer.ts';
import { ClassStore } from './classes.ts';

/** What a token grants. Only the token's sha256 is stored, never the token. */
export interface Credential {
  tokenHash: string;
  room: string;
  role: 'host' | 'player';
  /** The player the token sits for; null for a host token. */
  playerId: string | null;
  /**
   * When a player's token is granted: the hash of the browser id it was given to
   * (`browserHash`), remembered with the player (see `playersOfBrowser`). Never read back.
   */
  browserHash?: string;
}

/** Changes to credentials that commit together with a command's events. */
export interface CredentialChange {
  grant?: Credential;
  /** Every token of this player in the room stops working (kicked, left). */
  revokePlayer?: string;
  /** The room's first screen key (its sha256), given with the host token at creation. */
  screenKeyHash?: string;
}

export type Durability = 'normal' | 'full';

/**
 * How stale a room's stored last activity may be: a busy room's commands write it again only
 * once this much later, so a room may expire this much before its idle time (days) is up.
 */
export const ACTIVITY_STEP_MS = 60_000;

/** One command's share of a transaction. */
export interface Write {
  room: string;
  envelopes: readonly Envelope[];
  change: CredentialChange;
  /** Set when the command may have changed whether the room is live (see `liveRooms`). */
  live?: boolean;
  /** A person acted (a command of the host or a player who is not a bot, a join): see `expiredRooms`. */
  active?: boolean;
}

/** What the store keeps of a room besides its log, for retention. */
interface RoomTimes {
  /** The last time a person acted in the room (its creation at first). */
  activeAt: number | null;
  /** When the room was closed, or null. */
  closedAt: number | null;
}

/**
 * The event log is the store: one row per room event, plus the token hashes.
 *
 * Durability: WAL with synchronous=NORMAL. A committed transaction is in the
 * WAL file when `append` returns, so it survives the process being killed
 * (kill -9, a crash): the operating system still writes it out. It does NOT
 * promise to survive a power loss or a kernel crash, because NORMAL skips the
 * fsync at each commit; `durability: 'full'` (env DURABILITY=full) fsyncs
 * every commit, at a cost in latency.
 */
export class SqliteStore {
  private readonly db: Database.Database;
  private readonly checkpointer: Checkpointer | null = null;
  private readonly insertEvent: Database.Statement<[string, number, number, string]>;
  private readonly insertCredential: Database.Statement<[string, string, string, string | null]>;
  private readonly deletePlayer: Database.Statement<[string, string]>;
  private readonly insertLive: Database.Statement<[string]>;
  private readonly deleteLive: Database.Statement<[string]>;
  private readonly selectLive: Database.Statement<[], { room: string }>;
  private readonly selectAll: Database.Statement<
    [string],
    { event: string; seq: number; at: number }
  >;
  private readonly selectAfter: Database.Statement<
    [string, number, number],
    { event: string; seq: number; at: number }
  >;
  private readonly selectRoom: Database.Statement<[string], { one: number }>;
  private readonly selectCredential: Database.Statement<
    [string],
    { room: string; role: 'host' | 'player'; player_id: string | null }
  >;
  private readonly appendTx: (writes: readonly Write[]) => Map<string, RoomTimes>;
  /**
   * The last activity written of each room by this process (see `ACTIVITY_STEP_MS`): a
   * command within a minute of it writes no `rooms` row, so a busy room's commands write
   * only their events (1.7 WAL pages a command instead of 2.7, 400 busy rooms: issue 12).
   */
  private readonly activityWritten = new Map<string, number>();
  private readonly upsertRoom: Database.Statement<[string, number | null, number | null]>;
  private readonly selectExpired: Database.Statement<[number, number, number], { room: string }>;
  private readonly selectLastSeq: Database.Statement<[string], { last: number | null }>;
  private readonly selectRoundStart: Database.Statement<[string], { seq: number }>;
  private readonly deleteTop: Database.Statement<[string, string, number]>;
  private readonly forgetTx: (room: string) => void;
  private readonly upsertScreenKey: Database.Statement<[string, string]>;
  private readonly selectScreenKey: Database.Statement<[string, string], { one: number }>;
  private readonly insertBrowser: Database.Statement<[string, string, string]>;
  private readonly selectBrowser: Database.Statement<[string, string], { player_id: string }>;
  private readonly dropTx: (room: string) => void;
  /** Classes (server/classes.ts): their logs and tokens, in the same file. */
  readonly classes: ClassStore;

  constructor(path: string, options: { durability?: Durability } = {}) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`);
    // The checkpointer thread may hold a lock for a moment: wait instead of failing.
    this.db.pragma('busy_timeout = 2000');
    if (this.db.pragma('journal_mode', { simple: true }) === 'wal') {
      // Checkpoints fsync; they run on another thread so commits never wait for the disk.
      this.db.pragma('wal_autocheckpoint = 0');
      this.checkpointer = new Checkpointer(path);
    }
    const hadRooms =
      this.db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rooms'")
        .get() !== undefined;
    // A rowid table: events arrive in time order, so rows append at the end of
    // the table and only the small (room, seq) key index is written at random
    // (a WITHOUT ROWID table cost twice as much per command with ~1 KB rows).
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS events (
        room TEXT NOT NULL,
        seq INTEGER NOT NULL,
        at INTEGER NOT NULL,
        event TEXT NOT NULL,
        PRIMARY KEY (room, seq)
      );
      CREATE TABLE IF NOT EXISTS credentials (
        token_hash TEXT PRIMARY KEY,
        room TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('host', 'player')),
        player_id TEXT
      );
      CREATE INDEX IF NOT EXISTS credentials_by_player ON credentials (room, player_id);
      -- Rooms the server drives on its own (turn timers, bots): loaded at start.
      CREATE TABLE IF NOT EXISTS live_rooms (room TEXT PRIMARY KEY);
      -- Retention (server/expiry.ts): when a person last acted in each room, when it was closed.
      CREATE TABLE IF NOT EXISTS rooms (
        room TEXT PRIMARY KEY,
        active_at INTEGER,
        closed_at INTEGER
      );
      -- The screen key of each room (its sha256): a watcher with it sees through the fog.
      CREATE TABLE IF NOT EXISTS screen_keys (room TEXT PRIMARY KEY, key_hash TEXT NOT NULL);
      -- The browsers (sha256 of the room and the browser id) that held each player's seat:
      -- a browser whose player the host removed may not join again (docs/PROTOCOL.md).
      CREATE TABLE IF NOT EXISTS browsers (
        room TEXT NOT NULL,
        browser_hash TEXT NOT NULL,
        player_id TEXT NOT NULL,
        PRIMARY KEY (room, browser_hash, player_id)
      );
      CREATE INDEX IF NOT EXISTS rooms_by_active ON rooms (active_at);
      CREATE INDEX IF NOT EXISTS rooms_by_closed ON rooms (closed_at);
    `);
    if (!hadRooms) {
      // A database from before retention: every room's last event counts as its last activity.
      this.db.exec(`
        INSERT OR IGNORE INTO rooms (room, active_at, closed_at)
        SELECT room, max(at),
          max(CASE WHEN event LIKE '{"type":"roomClosed"%' THEN at END)
        FROM events GROUP BY room;
      `);
    }
    this.insertEvent = this.db.prepare(
      'INSERT INTO events (room, seq, at, event) VALUES (?, ?, ?, ?)',
    );
    this.insertCredential = this.db.prepare(
      'INSERT INTO credentials (token_hash, room, role, player_id) VALUES (?, ?, ?, ?)',
    );
    this.deletePlayer = this.db.prepare('DELETE FROM credentials WHERE room = ? AND player_id = ?');
    this.insertLive = this.db.prepare('INSERT OR IGNORE INTO live_rooms (room) VALUES (?)');
    this.deleteLive = this.db.prepare('DELETE FROM live_rooms WHERE room = ?');
    this.selectLive = this.db.prepare('SELECT room FROM live_rooms ORDER BY room');
    this.selectAll = this.db.prepare(
      'SELECT seq, at, event FROM events WHERE room = ? ORDER BY seq',
    );
    this.selectAfter = this.db.prepare(
      'SELECT seq, at, event FROM events WHERE room = ? AND seq > ? ORDER BY seq LIMIT ?',
    );
    this.selectRoom = this.db.prepare('SELECT 1 AS one FROM events WHERE room = ? AND seq = 1');
    this.selectCredential = this.db.prepare(
      'SELECT room, role, player_id FROM credentials WHERE token_hash = ?',
    );
    this.upsertRoom = this.db.prepare(`
      INSERT INTO rooms (room, active_at, closed_at) VALUES (?, ?, ?)
      ON CONFLICT (room) DO UPDATE SET
        active_at = max(coalesce(active_at, 0), coalesce(excluded.active_at, 0)),
        closed_at = coalesce(closed_at, excluded.closed_at)
    `);
    this.selectExpired = this.db.prepare(
      'SELECT room FROM rooms WHERE active_at < ? OR closed_at < ? ORDER BY room LIMIT ?',
    );
    this.selectLastSeq = this.db.prepare('SELECT max(seq) AS last FROM events WHERE room = ?');
    this.selectRoundStart = this.db.prepare(
      `SELECT seq FROM events WHERE room = ? AND event LIKE '{"type":"roundStarted"%'
       ORDER BY seq DESC LIMIT 1`,
    );
    this.deleteTop = this.db.prepare(
      'DELETE FROM events WHERE room = ? AND seq > (SELECT max(seq) FROM events WHERE room = ?) - ?',
    );
    this.upsertScreenKey = this.db.prepare(
      'INSERT INTO screen_keys (room, key_hash) VALUES (?, ?) ON CONFLICT (room) DO UPDATE SET key_hash = excluded.key_hash',
    );
    this.selectScreenKey = this.db.prepare(
      'SELECT 1 AS one FROM screen_keys WHERE room = ? AND key_hash = ?',
    );
    this.insertBrowser = this.db.prepare(
      'INSERT OR IGNORE INTO browsers (room, browser_hash, player_id) VALUES (?, ?, ?)',
    );
    this.selectBrowser = this.db.prepare(
      'SELECT player_id FROM browsers WHERE room = ? AND browser_hash = ?',
    );
    const deleteCredentials = this.db.prepare('DELETE FROM credentials WHERE room = ?');
    const deleteScreenKey = this.db.prepare('DELETE FROM screen_keys WHERE room = ?');
    const deleteBrowsers = this.db.prepare('DELETE FROM browsers WHERE room = ?');
    const deleteRoomRow = this.db.prepare('DELETE FROM rooms WHERE room = ?');
    const deleteEvents = this.db.prepare('DELETE FROM events WHERE room = ?');
    // Tokens die first, so that nobody opens a room while its log is being deleted.
    this.forgetTx = this.db.transaction((room: string) => {
      deleteCredentials.run(room);
      deleteScreenKey.run(room);
      deleteBrowsers.run(room);
      this.deleteLive.run(room);
    });
    this.dropTx = this.db.transaction((room: string) => {
      deleteEvents.run(room);
      deleteRoomRow.run(room);
    });
    this.classes = new ClassStore(this.db);
    // Events and credential changes of one command (or of one batch) commit or fail together.
    this.appendTx = this.db.transaction((writes: readonly Write[]) => {
      const times = new Map<string, RoomTimes>();
      const written = this.activityWritten;
      for (const { room, envelopes, change, live, active } of writes) {
        for (const e of envelopes) {
          this.insertEvent.run(room, e.seq, e.at, JSON.stringify(e.event));
        }
        if (change.revokePlayer !== undefined) this.deletePlayer.run(room, change.revokePlayer);
        const g = change.grant;
        if (g) this.insertCredential.run(g.tokenHash, g.room, g.role, g.playerId);
        if (g?.browserHash !== undefined && g.playerId !== null) {
          this.insertBrowser.run(room, g.browserHash, g.playerId);
        }
        const key = change.screenKeyHash;
        if (key !== undefined) this.upsertScreenKey.run(room, key);
        if (live !== undefined) (live ? this.insertLive : this.deleteLive).run(room);
        const at = envelopes[envelopes.length - 1]?.at ?? null;
        const created = envelopes[0]?.event.type === 'roomCreated';
        const closed = envelopes.some((e) => e.event.type === 'roomClosed');
        if (at !== null && (active || created || closed)) {
          const t = times.get(room) ?? { activeAt: null, closedAt: null };
          if (active || created) t.activeAt = at;
          if (closed) t.closedAt = at;
          times.set(room, t);
        }
      }
      // One row per room and transaction, and at most one a minute while the room is busy.
      for (const [room, t] of times) {
        const last = written.get(room);
        const recent =
          last !== undefined && t.activeAt !== null && t.activeAt - last < ACTIVITY_STEP_MS;
        if (recent && t.closedAt === null) times.delete(room);
        else this.upsertRoom.run(room, t.activeAt, t.closedAt);
      }
      return times;
    });
  }

  /**
   * Appends a command's envelopes (and its credential changes) in one
   * transaction. A seq already taken throws, so two writers cannot interleave
   * a room's log.
   */
  append(
    room: string,
    envelopes: readonly Envelope[],
    change: CredentialChange = {},
    live?: boolean,
  ): void {
    this.noteActivity(this.appendTx([{ room, envelopes, change, live }]));
  }

  /** Several commands, of any rooms, in one transaction: all commit or none (group commit). */
  appendBatch(writes: readonly Write[]): void {
    if (writes.length > 0) this.noteActivity(this.appendTx(writes));
  }

  /** Once committed: the activity now on disk (a rolled back transaction wrote none). */
  private noteActivity(times: Map<string, RoomTimes>): void {
    for (const [room, t] of times) {
      const last = this.activityWritten.get(room) ?? -Infinity;
      if (t.activeAt !== null && t.activeAt > last) this.activityWritten.set(room, t.activeAt);
    }
  }

  /** The whole log of a room, in order; empty for an unknown room. */
  load(room: string): Envelope[] {
    return this.selectAll.all(room).map(toEnvelope);
  }

  /** At most `limit` envelopes after `since`, in order. */
  eventsAfter(room: string, since: number, limit: number): Envelope[] {
    return this.selectAfter.all(room, since, limit).map(toEnvelope);
  }

  /**
   * Rooms whose last commit left them live: a round is played with turns or
   * bots, so the server's timers drive them. A small table kept in the same
   * transactions as the log, so a restart finds them without reading any log.
   */
  liveRooms(): string[] {
    return this.selectLive.all().map((r) => r.room);
  }

  /** The seq of the room's last event; 0 for an unknown room. */
  lastSeq(room: string): number {
    return this.selectLastSeq.get(room)?.last ?? 0;
  }

  /** The seq of the room's last `roundStarted`, or null. */
  lastRoundStart(room: string): number | null {
    return this.selectRoundStart.get(room)?.seq ?? null;
  }

  /**
   * Up to `limit` rooms whose last activity of a person was before
   * `idleBefore`, or that were closed before `closedBefore`.
   */
  expiredRooms(idleBefore: number, closedBefore: number, limit: number): string[] {
    return this.selectExpired.all(idleBefore, closedBefore, limit).map((r) => r.room);
  }

  /**
   * One step of deleting a room (retention): its tokens first, then at most
   * `chunk` of its events from the end (what is left is a prefix of the log,
   * a valid room, if the process dies in between), and at last the room.
   * Returns true when nothing of the room is left. Small steps, so that a big
   * room's deletion never stalls the server.
   */
  deleteRoomStep(room: string, chunk: number): boolean {
    this.forgetTx(room);
    const last = this.lastSeq(room);
    if (last > chunk) {
      this.deleteTop.run(room, room, chunk);
      return false;
    }
    this.dropTx(room);
    this.activityWritten.delete(room);
    return true;
  }

  hasRoom(room: string): boolean {
    return this.selectRoom.get(room) !== undefined;
  }

  /** Whether this is the hash of the room's screen key. */
  screenKeyMatches(room: string, keyHash: string): boolean {
    return this.selectScreenKey.get(room, keyHash) !== undefined;
  }

  /** Gives the room a new screen key (its hash): the previous one stops working. */
  setScreenKey(room: string, keyHash: string): void {
    this.upsertScreenKey.run(room, keyHash);
  }

  /** Remembers that this browser (its hash) held this player's seat. */
  addBrowser(room: string, browserHash: string, playerId: string): void {
    this.insertBrowser.run(room, browserHash, playerId);
  }

  /** The players whose seat this browser (its hash) held in the room. */
  playersOfBrowser(room: string, browserHash: string): string[] {
    return this.selectBrowser.all(room, browserHash).map((r) => r.player_id);
  }

  /** A token alone, with no event: a class's fresh token for a seat or a table's host. */
  grant(credential: Credential): void {
    this.insertCredential.run(
      credential.tokenHash,
      credential.room,
      credential.role,
      credential.playerId,
    );
  }

  credential(tokenHash: string): Credential | null {
    const row = this.selectCredential.get(tokenHash);
    return row ? { tokenHash, room: row.room, role: row.role, playerId: row.player_id } : null;
  }

  /**
   * A secret of this server, kept with its rooms: made by `make` the first time `name` is
   * asked for, the same one after a restart (signing exported logs: server/exports.ts).
   */
  secret(name: string, make: () => Buffer): Buffer {
    this.db.exec('CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL)');
    this.db.prepare('INSERT OR IGNORE INTO secrets (name, value) VALUES (?, ?)').run(name, make());
    const row = this.db.prepare('SELECT value FROM secrets WHERE name = ?').get(name);
    return (row as { value: Buffer }).value;
  }

  close(): void {
    this.checkpointer?.stop();
    if (this.db.open) this.db.close();
  }
}

function toEnvelope(row: { seq: number; at: number; event: string }): Envelope {
  return { seq: row.seq, at: row.at, event: JSON.parse(row.event) as Envelope['event'] };
}
