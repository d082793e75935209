import type {
  ClassActor,
  ClassCommand,
  ClassEnvelope,
  ClassState,
  StudentView,
  TableSummary,
} from '../shared/class/index.ts';
import {
  classGradeRows,
  classGradesCsv,
  decideClass,
  foldClass,
  planSeating,
  tableRoom,
  studentView,
  summaryChanged,
  tableSummary,
} from '../shared/class/index.ts';
import { stampClass } from '../shared/class/evolve.ts';
import type { ClassFanned, ErrorBody } from '../shared/protocol/index.ts';
import type { RoomCommand, RoomSettings, RoomState } from '../shared/room/index.ts';
import { publicLog } from '../shared/room/index.ts';
import { freeSeat } from '../shared/room/rules.ts';
import { INTERNAL } from './hosted.ts';
import type { RoomListener } from './hosted.ts';
import { hashToken, newClassCode, newPlayerId, newToken } from './ids.ts';
import type { Logger } from './log.ts';
import type { RoomHost } from './rooms.ts';
import type { ClassCredentialChange } from './store/classes.ts';
import type { SqliteStore } from './store/sqlite.ts';

/*
 * The class host (issue 11): one class's log in memory per class in use, one serial queue
 * per class, and the bridge to its tables. A table is an ordinary room of the room host: the
 * class creates it, seats students with `room:join`, fills it with bots and sends it the
 * instructor's class-wide commands as the room's host, through `RoomHost.run` like any
 * command (so every rule of a room holds at a table). Persist before telling: a class
 * command's events are in the store before its instructors hear of them and before it is
 * acknowledged, as a room's are.
 */

export type Result<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };

/** Where a class's committed events go: the instructors' sockets and the students'. */
export interface ClassTransport {
  /** The class's new events, to its instructors (and its projector). */
  events(code: string, events: ClassEnvelope[]): void;
  /** Tables that changed, to its instructors: summaries, never the tables' events. */
  tables(code: string, tables: TableSummary[]): void;
  /** A student's new view, to that student's sockets. */
  you(code: string, studentId: string, view: StudentView): void;
  /** The student was kicked: tell their sockets, which are no longer theirs. */
  revoke(code: string, studentId: string): void;
}

/** Who presented a class token. */
export type ClassRole = { role: 'host' } | { role: 'student'; studentId: string };

interface HostedClass {
  code: string;
  state: ClassState;
  /** The class's commands, one after the other. */
  tail: Promise<unknown>;
  /** The last summary sent of each table. */
  sent: Map<string, TableSummary>;
  /** Tables changed since the last flush: their latest state. */
  dirty: Map<string, RoomState>;
  flushing: ReturnType<typeof setTimeout> | null;
  lastFlush: number;
  /** When each player of each table last gave a command (for the dashboard's "idle"). */
  active: Map<string, Map<string, number>>;
}

/** A table's summary goes out at most this often (4 a second): the dashboard's budget. */
export const SUMMARY_MS = 250;
/** How often idle seats are looked for (they change with time, not with events). */
const IDLE_SCAN_MS = 5000;
/** The bot kind that fills a table's empty seats: an acceptor that answers and never proposes. */
const FILLER = 'quiet' as const;
const HOST = { role: 'host' } as const;
const SYSTEM_ROOM = { role: 'system' } as const;
const SYSTEM: ClassActor = { role: 'system' };
const NO_CLASS: ErrorBody = { code: 'not_found', message: 'There is no class with that code.' };

const addBot = (seat: string | null): RoomCommand => ({
  type: 'host:addBot',
  kind: FILLER,
  seat,
  newId: newPlayerId(),
});

export class ClassHost implements RoomListener {
  private readonly classes = new Map<string, HostedClass>();
  /** Table (room code) → its class's code, for the classes in memory. */
  private readonly tableOf = new Map<string, string>();
  private readonly scan: ReturnType<typeof setInterval>;

  constructor(
    private readonly deps: {
      store: SqliteStore;
      rooms: RoomHost;
      clock: () => number;
      logger: Logger;
      transport: ClassTransport;
    },
  ) {
    this.scan = setInterval(() => this.scanIdle(), IDLE_SCAN_MS);
    this.scan.unref();
  }

  /** Cluster mode: classes are refused (their log is this process's SQLite file). */
  get clustered(): boolean {
    return this.deps.rooms.clustered;
  }

  /** Stops the class host's timers (the server closes). */
  stop(): void {
    clearInterval(this.scan);
    for (const cls of this.classes.values()) {
      if (cls.flushing) clearTimeout(cls.flushing);
      cls.flushing = null;
    }
  }

  // ---- loading and committing

  private hosted(code: string): HostedClass | null {
    const found = this.classes.get(code);
    if (found) return found;
    const log = this.deps.store.classes.load(code);
    if (log.length === 0) return null;
    return this.adopt(foldClass(log));
  }

  private adopt(state: ClassState): HostedClass {
    const cls: HostedClass = {
      code: state.code,
      state,
      tail: Promise.resolve(),
      sent: new Map(),
      dirty: new Map(),
      flushing: null,
      lastFlush: 0,
      active: new Map(),
    };
    this.classes.set(state.code, cls);
    for (const t of state.tables) this.tableOf.set(t.code, state.code);
    return cls;
  }

  /** A table's committed state now, without keeping it in memory (null: it is gone). */
  private peek(table: string): RoomState | null {
    const room = this.deps.rooms.open(table);
    this.deps.rooms.release(table);
    return room;
  }

  /** The class's state now, or null (tests, the report). */
  state(code: string): ClassState | null {
    return this.hosted(code)?.state ?? null;
  }

  exists(code: string): boolean {
    return this.classes.has(code) || this.deps.store.classes.has(code);
  }

  /** The class's commands run one after the other, each after the previous one's work. */
  private serial<T>(
    cls: HostedClass,
    work: () => Promise<Result<T>> | Result<T>,
  ): Promise<Result<T>> {
    const run = cls.tail.then(async () => {
      try {
        return await work();
      } catch (err) {
        this.deps.logger.error(`class ${cls.code}: a command failed`, err, { room: cls.code });
        return { ok: false as const, error: INTERNAL };
      }
    });
    cls.tail = run;
    return run;
  }

  /**
   * The one place a class command is decided, stamped and committed; then the instructors
   * hear of it, then the students whose view it changed. A refusal changes nothing.
   */
  private apply(
    cls: HostedClass,
    command: ClassCommand,
    actor: ClassActor,
    change: ClassCredentialChange = {},
  ): Result<ClassEnvelope[]> {
    const decided = decideClass(cls.state, command, actor);
    if (!decided.ok) return decided;
    if (decided.events.length === 0 && !change.grant) return { ok: true, data: [] };
    const { state, envelopes } = stampClass(cls.state, decided.events, this.deps.clock());
    this.deps.store.classes.append(cls.code, envelopes, change);
    cls.state = state;
    if (envelopes.length > 0) this.tell(cls, envelopes);
    return { ok: true, data: envelopes };
  }

  /** Telling cannot undo a committed command: a failure here is logged, not answered. */
  private tell(cls: HostedClass, envelopes: ClassEnvelope[]): void {
    const { transport } = this.deps;
    try {
      transport.events(cls.code, envelopes);
      let everyone = false;
      const some = new Set<string>();
      for (const { event } of envelopes) {
        switch (event.type) {
          case 'questionAsked':
          case 'questionRevealed':
          case 'classLocked':
            everyone = true;
            break;
          case 'studentSeated':
          case 'studentRenamed':
          case 'questionAnswered':
            some.add(event.studentId);
            break;
          case 'studentKicked':
            transport.revoke(cls.code, event.studentId);
            break;
          case 'tableOpened':
            this.tableOf.set(event.code, cls.code);
            break;
          default:
            break;
        }
      }
      for (const s of cls.state.students) {
        if (s.kicked || !(everyone || some.has(s.id))) continue;
        transport.you(cls.code, s.id, studentView(cls.state, s.id));
      }
    } catch (err) {
      this.deps.logger.error(`class ${cls.code}: telling of its events failed`, err, {
        room: cls.code,
      });
    }
  }

  // ---- the wire's commands (server/class-sockets.ts calls them)

  create(title: string, settings: RoomSettings): { hostToken: string; state: ClassState } {
    let code = newClassCode();
    for (let tries = 1; this.exists(code); tries++) {
      if (tries >= 50) throw new Error('no free class code after 50 tries');
      code = newClassCode();
    }
    const hostToken = newToken();
    const { state, envelopes } = stampClassCreated(code, title, settings, this.deps.clock());
    this.deps.store.classes.append(code, envelopes, {
      grant: { tokenHash: hashToken(hostToken), code, role: 'host', studentId: null },
    });
    this.adopt(state);
    return { hostToken, state };
  }

  /** Who a token of this class is, or null (unknown, another class's, a kicked student's). */
  authenticate(code: string, token: string): ClassRole | null {
    const credential = this.deps.store.classes.credential(hashToken(token));
    if (!credential || credential.code !== code) return null;
    if (credential.role === 'host') return { role: 'host' };
    const student = this.hosted(code)?.state.students.find((s) => s.id === credential.studentId);
    return student && !student.kicked ? { role: 'student', studentId: student.id } : null;
  }

  join(
    code: string,
    name: string,
  ): Promise<Result<{ studentId: string; token: string; view: StudentView }>> {
    const cls = this.hosted(code);
    if (!cls) return Promise.resolve({ ok: false, error: NO_CLASS });
    return this.serial(cls, () => {
      const studentId = newPlayerId();
      const token = newToken();
      const joined = this.apply(cls, { type: 'join', name, newId: studentId }, SYSTEM, {
        grant: { tokenHash: hashToken(token), code, role: 'student', studentId },
      });
      if (!joined.ok) return joined;
      return { ok: true, data: { studentId, token, view: studentView(cls.state, studentId) } };
    });
  }

  view(code: string, studentId: string): StudentView | null {
    const state = this.hosted(code)?.state;
    return state?.students.some((s) => s.id === studentId) ? studentView(state, studentId) : null;
  }

  /** A class command with nothing to do at the tables: answered with the class's seq. */
  run(code: string, command: ClassCommand, actor: ClassActor): Promise<Result<{ seq: number }>> {
    const cls = this.hosted(code);
    if (!cls) return Promise.resolve({ ok: false, error: NO_CLASS });
    return this.serial(cls, () => {
      const r = this.apply(cls, command, actor);
      return r.ok ? { ok: true, data: { seq: cls.state.seq } } : r;
    });
  }

  /** A fresh player token of the student's seat at their table. */
  seat(code: string, studentId: string): Result<{ code: string; token: string }> {
    const student = this.hosted(code)?.state.students.find((s) => s.id === studentId);
    if (!student || student.kicked) {
      return { ok: false, error: { code: 'forbidden', message: 'You are not in this class.' } };
    }
    if (!student.table || !student.playerId) {
      return {
        ok: false,
        error: { code: 'conflict', message: 'You sit at a table when the next round starts.' },
      };
    }
    const room = this.peek(student.table);
    if (!room?.players.some((p) => p.id === student.playerId)) {
      return {
        ok: false,
        error: { code: 'not_found', message: 'Your table is gone: wait for the next round.' },
      };
    }
    const token = this.deps.rooms.grantToken(student.table, 'player', student.playerId);
    return { ok: true, data: { code: student.table, token } };
  }

  /** A fresh host token of one of the class's tables. */
  openTable(code: string, table: string): Result<{ code: string; hostToken: string }> {
    const state = this.hosted(code)?.state;
    if (!state) return { ok: false, error: NO_CLASS };
    if (!state.tables.some((t) => t.code === table)) {
      return {
        ok: false,
        error: { code: 'not_found', message: 'That table is not in this class.' },
      };
    }
    if (this.peek(table) === null) {
      return { ok: false, error: { code: 'not_found', message: 'That table is gone.' } };
    }
    return {
      ok: true,
      data: { code: table, hostToken: this.deps.rooms.grantToken(table, 'host', null) },
    };
  }

  /** Another instructor's token for the class. */
  cohost(code: string): Result<{ token: string }> {
    if (!this.hosted(code)) return { ok: false, error: NO_CLASS };
    const token = newToken();
    this.deps.store.classes.grant({
      tokenHash: hashToken(token),
      code,
      role: 'host',
      studentId: null,
    });
    return { ok: true, data: { token } };
  }

  /**
   * A class round: the students who wait are seated (free seats of the tables first, then
   * bots' seats, then new tables: `planSeating`), empty seats get bots, and every table
   * starts a round. The tables are prepared side by side, each one's commands in order.
   */
  startRound(code: string): Promise<Result<ClassFanned>> {
    const cls = this.hosted(code);
    if (!cls) return Promise.resolve({ ok: false, error: NO_CLASS });
    return this.serial(cls, async () => {
      const { rooms } = this.deps;
      const refused: ClassFanned['refused'] = [];
      const occupied = new Map<string, { free: number; bots: number }>();
      for (const t of cls.state.tables) {
        const room = this.peek(t.code);
        if (!room || room.status === 'closed') continue;
        occupied.set(t.code, tableRoom(room));
      }
      const plan = planSeating(cls.state, occupied);
      const opened: string[] = [];
      for (let i = 0; i < plan.newTables; i++) {
        const table = (await rooms.create(cls.state.settings)).code;
        const r = this.apply(cls, { type: 'tableOpened', code: table }, SYSTEM);
        if (!r.ok) throw new Error(`opening table ${table}: ${r.error.message}`);
        opened.push(table);
        const index = cls.state.tables.length;
        await rooms.run(
          table,
          { type: 'host:rename', title: `${cls.state.title} · Table ${index}`.slice(0, 60) },
          HOST,
        );
      }
      const seats = new Map<string, string[]>();
      for (const s of plan.seats) {
        const table = typeof s.table === 'string' ? s.table : opened[s.table]!;
        seats.set(table, [...(seats.get(table) ?? []), s.studentId]);
      }
      const started = await Promise.all(
        cls.state.tables
          .filter((t) => occupied.has(t.code) || opened.includes(t.code))
          .map((t) => this.prepare(cls, t.code, seats.get(t.code) ?? [], refused)),
      );
      const tables = started.filter((t): t is { code: string; round: number } => t !== null);
      if (cls.state.paused) this.apply(cls, { type: 'pause', paused: false }, SYSTEM);
      const r = this.apply(cls, { type: 'roundStarted', tables }, SYSTEM);
      if (!r.ok) return r;
      return { ok: true, data: { seq: cls.state.seq, tables: tables.length, refused } };
    });
  }

  /** Seats a table's students, fills it with bots and starts its round: its round number. */
  private async prepare(
    cls: HostedClass,
    table: string,
    studentIds: string[],
    refused: ClassFanned['refused'],
  ): Promise<{ code: string; round: number } | null> {
    const { rooms } = this.deps;
    // Kept in memory while it is prepared (nobody may look at it yet).
    rooms.subscribe(table);
    try {
      // A class's tables are locked between rounds (below): only the class seats people there.
      if (rooms.open(table)?.locked) {
        await rooms.run(table, { type: 'host:lock', locked: false }, HOST);
      }
      for (const id of studentIds) {
        const student = cls.state.students.find((s) => s.id === id);
        if (!student || student.kicked || student.table !== null) continue;
        const room = rooms.open(table);
        if (!room) break;
        if (freeSeat(room) === null) {
          // A person takes a bot's seat.
          const bot = room.players.find((p) => p.bot !== undefined && p.seat !== null);
          if (bot) await rooms.run(table, { type: 'host:kick', playerId: bot.id }, HOST);
        }
        const joined = await rooms.join(table, student.name, false);
        if (!joined.ok) {
          refused.push({ table, message: `${student.name}: ${joined.error.message}` });
          continue;
        }
        const { playerId } = joined;
        // Joined by the class, not by a phone: connected once the phone opens the table.
        await rooms.run(
          table,
          { type: 'system:presence', playerId, connected: false },
          SYSTEM_ROOM,
        );
        const seat = rooms.open(table)?.players.find((p) => p.id === playerId)?.seat ?? null;
        if (seat === null) {
          await rooms.run(table, { type: 'host:kick', playerId }, HOST);
          refused.push({ table, message: `${student.name}: no free seat.` });
          continue;
        }
        this.apply(cls, { type: 'seated', studentId: id, table, playerId, seat }, SYSTEM);
        if (student.extraSeconds > 0) {
          await rooms.run(
            table,
            { type: 'host:extraTime', playerId, seconds: student.extraSeconds },
            HOST,
          );
        }
      }
      for (
        let room = rooms.open(table);
        room && freeSeat(room) !== null;
        room = rooms.open(table)
      ) {
        const added = await rooms.run(table, addBot(null), HOST);
        if (!added.ok) {
          refused.push({ table, message: added.error.message });
          break;
        }
      }
      // Nobody joins a table by its room code (a kicked student, a friend the link was sent
      // to): a student's seat comes from the class. Screens and the instructor open it with tokens.
      await rooms.run(table, { type: 'host:lock', locked: true }, HOST);
      const start = await rooms.run(table, { type: 'host:startRound' }, HOST);
      if (!start.ok) {
        refused.push({ table, message: start.error.message });
        return null;
      }
      return { code: table, round: rooms.open(table)?.round?.number ?? 0 };
    } finally {
      rooms.unsubscribe(table);
    }
  }

  /**
   * One room command at every table of the class (after the class's own command, if any):
   * how many took it and what the others answered.
   */
  fanOut(
    code: string,
    command: RoomCommand | ((table: string) => RoomCommand),
    before?: ClassCommand,
  ): Promise<Result<ClassFanned>> {
    const cls = this.hosted(code);
    if (!cls) return Promise.resolve({ ok: false, error: NO_CLASS });
    return this.serial(cls, async () => {
      if (before) {
        const r = this.apply(cls, before, HOST);
        if (!r.ok) return r;
      }
      const answers = await Promise.all(
        cls.state.tables.map(async (t) => ({
          table: t.code,
          r: await this.deps.rooms.run(
            t.code,
            typeof command === 'function' ? command(t.code) : command,
            HOST,
          ),
        })),
      );
      const refused = answers.flatMap(({ table, r }) =>
        r.ok ? [] : [{ table, message: r.error.message }],
      );
      return {
        ok: true,
        data: { seq: cls.state.seq, tables: answers.length - refused.length, refused },
      };
    });
  }

  /**
   * A command about one student that their table must follow too (kick, rename, extra
   * time). The class decides first (a refusal changes nothing anywhere); then the table; the
   * class's events commit last, so a table that refuses (a name its room has) leaves the
   * class as it was.
   */
  moderate(
    code: string,
    command: Extract<ClassCommand, { type: 'kick' | 'rename' | 'extraTime' }>,
  ): Promise<Result<{ seq: number }>> {
    const cls = this.hosted(code);
    if (!cls) return Promise.resolve({ ok: false, error: NO_CLASS });
    return this.serial(cls, async () => {
      const decided = decideClass(cls.state, command, HOST);
      if (!decided.ok) return decided;
      const student = cls.state.students.find((s) => s.id === command.studentId)!;
      const { table, playerId, seat } = student;
      const { rooms } = this.deps;
      if (table && playerId && command.type !== 'kick') {
        const r = await rooms.run(
          table,
          command.type === 'rename'
            ? { type: 'host:renamePlayer', playerId, name: command.name }
            : { type: 'host:extraTime', playerId, seconds: command.seconds },
          HOST,
        );
        // A table that no longer has the player (kicked there, or gone) does not hold it up.
        if (!r.ok && r.error.code !== 'not_found') return r;
      }
      const change = command.type === 'kick' ? { revokeStudent: student.id } : {};
      const r = this.apply(cls, command, HOST, change);
      if (!r.ok) return r;
      if (command.type === 'kick' && table && playerId) {
        // Out of the table for good; a bot takes the seat so the table plays on.
        const kicked = await rooms.run(table, { type: 'host:kick', playerId }, HOST);
        if (kicked.ok && seat) await rooms.run(table, addBot(seat), HOST);
      }
      return { ok: true, data: { seq: cls.state.seq } };
    });
  }

  // ---- the dashboard: summaries of the tables, throttled

  /** Every table's summary now (a dashboard opens). */
  summaries(code: string): TableSummary[] {
    const cls = this.hosted(code);
    if (!cls) return [];
    const out: TableSummary[] = [];
    for (const t of cls.state.tables) {
      const room = this.peek(t.code);
      if (!room) continue;
      const summary = tableSummary(t, room, cls.active.get(t.code) ?? new Map(), this.deps.clock());
      cls.sent.set(t.code, summary);
      out.push(summary);
    }
    return out;
  }

  /** A player of a table gave a command (the edge tells): not idle. */
  touched(room: string, playerId: string): void {
    const code = this.tableOf.get(room);
    const cls = code === undefined ? undefined : this.classes.get(code);
    if (!cls) return;
    let seen = cls.active.get(room);
    if (!seen) cls.active.set(room, (seen = new Map()));
    seen.set(playerId, this.deps.clock());
  }

  changed(code: string, state: RoomState): void {
    const classCode = this.tableOf.get(code);
    const cls = classCode === undefined ? undefined : this.classes.get(classCode);
    if (!cls) return;
    cls.dirty.set(code, state);
    this.schedule(cls);
  }

  holds(): boolean {
    return false;
  }

  released(): void {}

  private schedule(cls: HostedClass): void {
    if (cls.flushing) return;
    const wait = Math.max(0, cls.lastFlush + SUMMARY_MS - Date.now());
    cls.flushing = setTimeout(() => this.flush(cls), wait);
  }

  private flush(cls: HostedClass): void {
    cls.flushing = null;
    cls.lastFlush = Date.now();
    try {
      const now = this.deps.clock();
      const out: TableSummary[] = [];
      for (const [code, state] of cls.dirty) {
        const table = cls.state.tables.find((t) => t.code === code);
        if (!table) continue;
        const summary = tableSummary(table, state, cls.active.get(code) ?? new Map(), now);
        // A new event is news (the card's count of messages, its seq); an idle scan that
        // finds the same table again is not, unless a seat turned idle.
        const sent = cls.sent.get(code);
        if (sent?.seq === summary.seq && !summaryChanged(sent, summary)) continue;
        cls.sent.set(code, summary);
        out.push(summary);
      }
      cls.dirty.clear();
      if (out.length > 0) this.deps.transport.tables(cls.code, out);
    } catch (err) {
      this.deps.logger.error(`class ${cls.code}: summing up its tables failed`, err, {
        room: cls.code,
      });
    }
  }

  /** Seats turn idle with time alone: the tables being played are looked at again. */
  private scanIdle(): void {
    for (const cls of this.classes.values()) {
      for (const [code, sent] of cls.sent) {
        if (sent.status !== 'playing' || !this.deps.rooms.loaded(code)) continue;
        const state = this.deps.rooms.open(code);
        if (state) cls.dirty.set(code, state);
      }
      if (cls.dirty.size > 0) this.schedule(cls);
    }
  }

  // ---- the report

  /** The class's grades.csv, or null if there is no such class. */
  gradesCsv(code: string): string | null {
    const state = this.hosted(code)?.state;
    if (!state) return null;
    const tables = state.tables.map((t) => ({
      code: t.code,
      log: publicLog(this.deps.store.load(t.code)),
    }));
    return classGradesCsv(classGradeRows(state, tables));
  }

  /** Waits for every class's queued commands (before the store closes). */
  async idle(): Promise<void> {
    await Promise.all([...this.classes.values()].map((c) => c.tail));
  }
}

/** A class's first event, stamped. */
function stampClassCreated(
  code: string,
  title: string,
  settings: RoomSettings,
  at: number,
): { state: ClassState; envelopes: ClassEnvelope[] } {
  const envelope: ClassEnvelope = {
    seq: 1,
    at,
    event: { type: 'classCreated', code, title, settings },
  };
  return { state: foldClass([envelope]), envelopes: [envelope] };
}
