import type { ErrorBody, Synced } from '../shared/protocol/index.ts';
import type {
  Actor,
  Envelope,
  ForkedLog,
  RoomCommand,
  RoomSettings,
  RoomState,
} from '../shared/room/index.ts';
import { evolveRoom, execute, foldRoom, isLive, mayChangeLiveness } from '../shared/room/index.ts';
import { foldInSlices } from './fold.ts';
import type { Caps, RoundStart } from './caps.ts';
import { overCap, roundStartAfter } from './caps.ts';
import type { Committed } from './commit.ts';
import { GroupCommit, sqliteLog } from './commit.ts';
import type {
  ClusterLink,
  Hosted,
  InFlight,
  RoomListener,
  RoomLog,
  RunResult,
  Submission,
  Transport,
} from './hosted.ts';
import { INTERNAL, newHosted } from './hosted.ts';
import { hashBrowser, hashToken, newCode, newPlayerId, newScreenKey, newToken } from './ids.ts';
import type { Logger } from './log.ts';
import type { Credential, CredentialChange, SqliteStore } from './store/sqlite.ts';

export type { RoomListener, RunResult, Transport } from './hosted.ts';
export { hashToken, newPlayerId, newToken } from './ids.ts';

/** A room's committed commands not broadcast yet: their events, in order. */
interface Outgoing {
  /** The room's committed state before the first of them. */
  before: RoomState;
  envelopes: Envelope[];
  /** The room's state after them all. */
  after: RoomState;
  /** The players the last of them took away (their tokens are revoked). */
  gone: InFlight['gone'];
}

/** What one group commit did to a room. */
interface Touched {
  changed: boolean;
  person: boolean;
  out: Outgoing | null;
}

/** A client that is this many events behind gets a snapshot instead of the events. */
export const SYNC_LIMIT = 500;
const SYSTEM: Actor = { role: 'system' };
/** Cluster mode: how long a command waits for another process to take over a room whose owner is gone. */
const UNREACHABLE_WAIT_MS = 15_000;
const UNREACHABLE: ErrorBody = {
  code: 'internal',
  message: 'The server that holds this room does not answer; nothing changed. Try again.',
};
const NO_CAPS: Caps = { maxRoundEvents: Infinity, maxRoomEvents: Infinity };
/** The refusal of a join from a browser that held the seat of a player the host removed. */
const REMOVED: ErrorBody = {
  code: 'forbidden',
  message: 'The host removed you from this room. Ask the host to let you back in.',
};

/**
 * Hosts open rooms: one RoomState per room in memory, folded from its log on
 * first use, so a restarted server resumes where the log ends.
 *
 * The one path of a command: `run` puts it in its room's queue; the queue is
 * drained in order, and only there is a command decided, stamped and folded
 * (`execute`, on the state its predecessors left); the group commit persists
 * it with whatever other rooms asked in the same turn of the event loop; then
 * `settle` makes it the room's state, fans it out to every audience
 * (`Transport`), tells the drivers (timers, bots) and answers. Nobody hears of
 * a command before it is on disk. The queue, not the absence of an `await`,
 * keeps a room's commands serial.
 */
export class RoomHost {
  private readonly rooms = new Map<string, Hosted>();
  private readonly commits: GroupCommit<InFlight>;
  private readonly listeners: RoomListener[] = [];
  /** Rooms being folded by `preload`. */
  private readonly loading = new Map<string, Promise<number | null>>();
  /** Rooms being deleted by retention: they answer as if they never were. */
  private readonly gone = new Set<string>();
  private readonly caps: Caps;
  private readonly log: RoomLog;
  private readonly cluster: ClusterLink | null;

  constructor(
    private readonly deps: {
      store: SqliteStore;
      clock: () => number;
      transport: Transport;
      logger: Logger;
      /** The caps on a round's and a room's events (none when absent). */
      caps?: Caps;
      /**
       * Cluster mode (server/cluster/): writes go to Redis (`log`), `store` is this process's
       * copy of the log, and a room's commands are decided by the process that owns it.
       */
      cluster?: { log: RoomLog; link: ClusterLink };
    },
  ) {
    this.caps = deps.caps ?? NO_CAPS;
    this.log = deps.cluster?.log ?? sqliteLog(deps.store, deps.logger);
    this.cluster = deps.cluster?.link ?? null;
    this.commits = new GroupCommit(this.log, deps.logger, (batch) => this.settle(batch));
  }

  /** Whether rooms are shared with other processes (server/cluster/). */
  get clustered(): boolean {
    return this.cluster !== null;
  }

  /** Adds a listener of every room's committed changes (timers, bots). */
  listen(listener: RoomListener): void {
    this.listeners.push(listener);
  }

  private tell(code: string, state: RoomState, person: boolean): void {
    // In cluster mode the room's drivers run on the process that owns it, and only there.
    if (this.cluster && !this.cluster.owns(code)) return;
    for (const listener of this.listeners) {
      try {
        listener.changed(code, state, person);
      } catch (err) {
        this.deps.logger.error(`room ${code}: a listener failed`, err, { room: code });
      }
    }
  }

  /**
   * Loads the rooms the store says are live (a round with turns or bots), so
   * their timers and bots carry on after a restart. A room that fails to load
   * is logged and skipped.
   */
  resumeLive(): void {
    // In cluster mode live rooms are taken over by whichever process finds them unowned.
    if (this.cluster) return;
    for (const code of this.deps.store.liveRooms()) {
      try {
        this.hosted(code);
        this.release(code);
      } catch (err) {
        this.deps.logger.error(`room ${code}: resuming it failed`, err, { room: code });
      }
    }
  }

  /** The room's committed state, loading it from the log if needed; null if there is no such room. */
  open(code: string): RoomState | null {
    return this.hosted(code)?.state ?? null;
  }

  private hosted(code: string): Hosted | null {
    const found = this.rooms.get(code);
    if (found) return found;
    if (this.gone.has(code)) return null;
    const log = this.deps.store.load(code);
    if (log.length === 0) return null;
    return this.adopt(code, foldRoom(log), roundStartAfter(null, log));
  }

  /** Whether the room is in memory now (then nothing needs to be read to use it). */
  loaded(code: string): boolean {
    return this.rooms.has(code);
  }

  /**
   * Brings a room into memory without stalling the server (folded in slices,
   * server/fold.ts). Resolves to the number of events it read (0 if the room
   * was in memory), or null if there is no such room. The room stays in
   * memory until released, like one `open` loaded.
   */
  async preload(code: string): Promise<number | null> {
    // In cluster mode, first read what other processes wrote up to now (a room, a token).
    if (this.cluster) await this.cluster.barrier();
    if (this.rooms.has(code)) return 0;
    if (this.gone.has(code)) return null;
    let loading = this.loading.get(code);
    if (!loading) {
      loading = this.fold(code).finally(() => this.loading.delete(code));
      this.loading.set(code, loading);
    }
    return loading;
  }

  private async fold(code: string): Promise<number | null> {
    const store = this.deps.store;
    // Loaded meanwhile by a synchronous `open` (which may have written since), or expiring.
    const folded = await foldInSlices(
      (after, limit) => store.eventsAfter(code, after, limit),
      () => !this.rooms.has(code) && !this.gone.has(code),
    );
    if (folded === 'stopped') return this.rooms.has(code) ? 0 : null;
    if (folded === null) return null;
    if (!this.rooms.has(code)) this.adopt(code, folded.state, folded.roundStart);
    return folded.events;
  }

  /** A room folded from its log becomes a room in memory. */
  private adopt(code: string, state: RoomState, start: RoundStart | null): Hosted {
    const hosted = newHosted(code, state, start);
    this.rooms.set(code, hosted);
    // In cluster mode other processes may hold its players' sockets: presence stays as logged.
    if (this.cluster) {
      this.tell(code, state, false);
      return hosted;
    }
    // Nobody is connected to a room that was not in memory: the log may say
    // otherwise after a crash, so the system says they left — as a restart,
    // which keeps a turn of theirs for them. Bots have no socket: they stay.
    for (const p of state.players) {
      if (p.connected && p.bot === undefined)
        void this.run(
          code,
          { type: 'system:presence', playerId: p.id, connected: false, restart: true },
          SYSTEM,
        );
    }
    this.tell(code, state, false);
    return hosted;
  }

  /** A code no room has, in memory, in the store or being deleted. */
  private freeCode(): string {
    let code = newCode();
    const taken = (c: string) =>
      this.rooms.has(c) || this.gone.has(c) || this.deps.store.hasRoom(c);
    for (let tries = 1; taken(code); tries++) {
      if (tries >= 50) throw new Error('no free room code after 50 tries');
      code = newCode();
    }
    return code;
  }

  async create(settings: RoomSettings): Promise<{
    code: string;
    hostToken: string;
    screenKey: string;
    state: RoomState;
  }> {
    for (let tries = 1; ; tries++) {
      const code = this.freeCode();
      const hostToken = newToken();
      const screenKey = newScreenKey();
      const envelope: Envelope = {
        seq: 1,
        at: this.deps.clock(),
        event: { type: 'roomCreated', code, settings },
      };
      const state = evolveRoom(null, envelope);
      const change: CredentialChange = {
        grant: { tokenHash: hashToken(hostToken), room: code, role: 'host', playerId: null },
        screenKeyHash: hashToken(screenKey),
      };
      // A new code has nothing queued: its first event commits on its own, now. Another
      // process may have taken the code meanwhile (cluster mode): then another code.
      if (!(await this.log.create({ room: code, envelopes: [envelope], change }))) {
        if (tries >= 10) throw new Error('no free room code after 10 tries');
        continue;
      }
      this.rooms.set(code, newHosted(code, state));
      return { code, hostToken, screenKey, state };
    }
  }

  /**
   * A new room from a log that `build` writes for the room's new code and the
   * server's clock (a fork: server/fork.ts): committed at once with its host
   * token, as `create` does, then in memory, and its drivers (bots, timers,
   * auto-play) hear of it. Nobody looks at it yet, so it may leave memory at once.
   */
  async createFrom(
    build: (code: string, now: number) => ForkedLog,
  ): Promise<
    | { ok: true; code: string; hostToken: string; state: RoomState }
    | { ok: false; error: ErrorBody }
  > {
    for (let tries = 1; ; tries++) {
      const code = this.freeCode();
      const built = build(code, this.deps.clock());
      if (!built.ok) return built;
      const { envelopes, state } = built;
      if (envelopes.length > this.caps.maxRoomEvents) {
        return {
          ok: false,
          error: {
            code: 'conflict',
            message: `That would be a room of ${envelopes.length} events, over the cap of ${this.caps.maxRoomEvents}: fork from an earlier event.`,
          },
        };
      }
      const hostToken = newToken();
      const grant: Credential = {
        tokenHash: hashToken(hostToken),
        room: code,
        role: 'host',
        playerId: null,
      };
      // Another process may have taken the code meanwhile (cluster mode): then another code.
      const write = { room: code, envelopes, change: { grant }, live: isLive(state) };
      if (!(await this.log.create(write))) {
        if (tries >= 10) throw new Error('no free room code after 10 tries');
        continue;
      }
      this.rooms.set(code, newHosted(code, state, roundStartAfter(null, envelopes)));
      this.tell(code, state, true);
      this.release(code);
      return { ok: true, code, hostToken, state };
    }
  }

  /** The room's first `upTo` committed events (fewer if it has fewer). */
  logUpTo(code: string, upTo: number): Envelope[] {
    return this.deps.store.eventsAfter(code, 0, upTo);
  }

  /** A new player: the engine decides the seat; the token commits with the event. */
  async join(
    code: string,
    name: string,
    spectator: boolean,
    browser?: string,
  ): Promise<{ ok: true; playerId: string; token: string } | { ok: false; error: ErrorBody }> {
    const playerId = newPlayerId();
    const token = newToken();
    const command: RoomCommand = { type: 'room:join', code, name, spectator, newId: playerId };
    const browserHash = browser === undefined ? undefined : hashBrowser(code, browser);
    const grant: Credential = {
      tokenHash: hashToken(token),
      room: code,
      role: 'player',
      playerId,
      ...(browserHash === undefined ? {} : { browserHash }),
    };
    const result = await this.run(code, command, SYSTEM, grant, undefined, browserHash);
    return result.ok ? { ok: true, playerId, token } : result;
  }

  /** A socket of this browser now holds the player's seat (a resume): remembered for kicks. */
  noteBrowser(code: string, playerId: string, browser: string): Promise<void> {
    return this.log.addBrowser(code, hashBrowser(code, browser), playerId);
  }

  /** Kick means gone: a browser that held a removed player's seat waits for the host's consent. */
  private barred(hosted: Hosted, browserHash: string | undefined): ErrorBody | null {
    if (browserHash === undefined) return null;
    const removed = new Set(hosted.latest.removed?.map((r) => r.playerId));
    if (removed.size === 0) return null;
    const held = this.deps.store.playersOfBrowser(hosted.code, browserHash);
    return held.some((id) => removed.has(id)) ? REMOVED : null;
  }

  /** Whether `key` is the room's screen key now. */
  screenKeyOpens(code: string, key: string): boolean {
    return this.deps.store.screenKeyMatches(code, hashToken(key));
  }

  /** A new screen key for the room, stored (hashed) before it is returned; the old one is dead. */
  async newScreenKey(code: string): Promise<string> {
    const key = newScreenKey();
    await this.log.setScreenKey(code, hashToken(key));
    return key;
  }

  /**
   * A fresh token for a player already in the room, or for its host (`playerId` null),
   * stored (hashed) before it is returned: a class hands them to its students and its
   * instructor (server/classes.ts). Single-process only, as classes are.
   */
  grantToken(code: string, role: 'host' | 'player', playerId: string | null): string {
    const token = newToken();
    this.deps.store.grant({ tokenHash: hashToken(token), room: code, role, playerId });
    return token;
  }

  /** What a token grants in this room, or null (unknown token, other room, player gone). */
  authenticate(code: string, token: string): Credential | null {
    const credential = this.deps.store.credential(hashToken(token));
    if (!credential || credential.room !== code) return null;
    if (credential.role === 'player') {
      const state = this.open(code);
      if (!state?.players.some((p) => p.id === credential.playerId)) return null;
    }
    return credential;
  }

  /** The room a token opens, or null (unknown or revoked): proof of a code without looking it up. */
  tokenRoom(token: string): string | null {
    return this.deps.store.credential(hashToken(token))?.room ?? null;
  }

  /**
   * Submits a command to its room's queue. Resolves once it is durable and
   * fanned out (or refused, or failed). A failure anywhere answers `internal`
   * and leaves the room as it was.
   */
  run(
    code: string,
    command: RoomCommand,
    actor: Actor,
    grant?: Credential,
    meter?: (events: number) => void,
    browserHash?: string,
  ): Promise<RunResult> {
    let hosted: Hosted | null;
    try {
      hosted = this.hosted(code);
    } catch (err) {
      this.deps.logger.error(`room ${code}: loading it for ${command.type} failed`, err, {
        room: code,
        event: command.type,
      });
      return Promise.resolve({ ok: false, error: INTERNAL });
    }
    if (!hosted) {
      return Promise.resolve({ ok: false, error: { code: 'not_found', message: 'No such room.' } });
    }
    const room = hosted;
    const here = () =>
      new Promise<RunResult>((resolve) => {
        room.queue.push({ command, actor, grant, meter, browserHash, resolve });
        this.drain(room);
      });
    if (!this.cluster) return here();
    return this.routed(this.cluster, { code, command, actor, grant, browserHash }, here, meter);
  }

  /**
   * Cluster mode: the command runs here if this process owns the room (or takes it, nobody
   * holding it), else on its owner. An owner that is gone (it did not receive the command)
   * is waited out until its lease ends and another process, maybe this one, takes the room.
   */
  private async routed(
    cluster: ClusterLink,
    request: Parameters<ClusterLink['forward']>[1],
    here: () => Promise<RunResult>,
    meter: ((events: number) => void) | undefined,
  ): Promise<RunResult> {
    const { code } = request;
    try {
      const deadline = Date.now() + UNREACHABLE_WAIT_MS;
      let moves = 0;
      for (;;) {
        const route = await cluster.route(code);
        if (route === 'here') return await here();
        const result = await cluster.forward(route.owner, request);
        if (result !== 'unreachable' && result !== 'moved') {
          if (result.ok) meter?.(result.events ?? 0);
          return result.ok ? { ok: true, seq: result.seq } : { ok: false, error: result.error };
        }
        if (Date.now() > deadline) return { ok: false, error: UNREACHABLE };
        // A room that moved is asked again at once, the first few times.
        if (result === 'unreachable' || ++moves > 3) {
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    } catch (err) {
      this.deps.logger.error(`room ${code}: routing ${request.command.type} failed`, err, {
        room: code,
        event: request.command.type,
      });
      return { ok: false, error: INTERNAL };
    } finally {
      this.release(code);
    }
  }

  /** Decides the room's queued commands one after the other, in order. */
  private drain(hosted: Hosted): void {
    if (hosted.draining) return;
    hosted.draining = true;
    try {
      for (let next = hosted.queue.shift(); next; next = hosted.queue.shift()) {
        this.decide(hosted, next);
      }
    } finally {
      hosted.draining = false;
    }
  }

  /** The only place a command is decided, stamped and folded; then it goes to the group commit. */
  private decide(
    hosted: Hosted,
    { command, actor, grant, meter, browserHash, resolve }: Submission,
  ): void {
    try {
      const barred = this.barred(hosted, browserHash);
      if (barred) return resolve({ ok: false, error: barred });
      const result = execute(hosted.latest, command, actor, this.deps.clock());
      if (!result.ok) return resolve(result);
      const { envelopes, state } = result;
      const full = overCap(this.caps, hosted.latest, this.roundStartSeq(hosted), envelopes);
      if (full) return resolve({ ok: false, error: full });
      // Even a command without events waits for the ones before it, so its ack never runs ahead.
      if (envelopes.length === 0 && hosted.pending === 0) {
        return resolve({ ok: true, seq: hosted.state.seq });
      }
      const person =
        actor.role === 'host' ||
        (actor.role === 'player' &&
          hosted.latest.players.some((p) => p.id === actor.playerId && p.bot === undefined));
      // A player who left or was kicked loses their tokens in the same transaction.
      const gone = envelopes.flatMap((e) => (e.event.type === 'playerLeft' ? [e.event] : []));
      const change: CredentialChange = {
        ...(grant ? { grant } : {}),
        ...(gone[0] ? { revokePlayer: gone[0].playerId } : {}),
      };
      const live = mayChangeLiveness(envelopes) ? isLive(state) : undefined;
      // Retention counts a person's command or a join as activity; the server's own commands are not.
      const active = person || command.type === 'room:join';
      hosted.latest = state;
      hosted.roundStart = roundStartAfter(hosted.roundStart, envelopes);
      hosted.pending++;
      this.commits.enqueue(
        { room: hosted.code, envelopes, change, live, active },
        { hosted, state, person, gone, meter, resolve },
      );
    } catch (err) {
      this.deps.logger.error(`room ${hosted.code}: ${command.type} failed`, err, {
        room: hosted.code,
        event: command.type,
      });
      resolve({ ok: false, error: INTERNAL });
    }
  }

  /**
   * After a group commit, in order: a committed command becomes its room's
   * state; a failed one is answered `internal`. Each room's committed commands
   * of the batch go out as ONE broadcast (cut after a command that revokes a
   * player, so the revocation follows its own events as before): under load a
   * turn carries several commands of a room, and every socket costs a write per
   * message (profile, issue 12). Then the commands are answered, in order, after
   * every broadcast of the batch; then, per room touched, the drivers hear of it.
   */
  private settle(batch: Committed<InFlight>[]): void {
    const touched = new Map<Hosted, Touched>();
    for (const { write, tag, ok } of batch) {
      const { hosted } = tag;
      hosted.pending--;
      let seen = touched.get(hosted);
      if (!seen) touched.set(hosted, (seen = { changed: false, person: false, out: null }));
      if (!ok) continue;
      const before = hosted.state;
      hosted.state = tag.state;
      if (write.envelopes.length === 0) continue;
      seen.changed = true;
      seen.person ||= tag.person;
      seen.out ??= { before, envelopes: [], after: tag.state, gone: [] };
      for (const envelope of write.envelopes) seen.out.envelopes.push(envelope);
      seen.out.after = tag.state;
      seen.out.gone = tag.gone;
      if (tag.gone.length > 0) {
        this.fanOut(hosted, seen.out);
        seen.out = null;
      }
    }
    for (const [hosted, seen] of touched) if (seen.out) this.fanOut(hosted, seen.out);
    for (const { write, tag, ok, error } of batch) {
      if (!ok) {
        tag.resolve({ ok: false, error: error ?? INTERNAL });
        continue;
      }
      tag.resolve({ ok: true, seq: tag.state.seq });
      tag.meter?.(write.envelopes.length);
    }
    for (const [hosted, { changed, person }] of touched) {
      // Commands decided on a state that never became durable are gone: start again from the store's.
      if (hosted.pending === 0) hosted.latest = hosted.state;
      if (changed) this.tell(hosted.code, hosted.state, person);
      this.release(hosted.code);
    }
  }

  /** The seq where the round of `latest` started, for the round cap; null if none is played. */
  private roundStartSeq(hosted: Hosted): number | null {
    const round = hosted.latest.round;
    if (round?.status !== 'playing') return null;
    // After a commit failed, `latest` went back to the stored state: ask the store.
    if (hosted.roundStart?.number !== round.number) {
      const seq = this.deps.store.lastRoundStart(hosted.code);
      hosted.roundStart = seq === null ? null : { number: round.number, seq };
    }
    return hosted.roundStart?.seq ?? null;
  }

  /** Telling others cannot undo a committed command: a failure here is logged, not answered. */
  private fanOut(hosted: Hosted, { before, envelopes, after, gone }: Outgoing): void {
    try {
      this.deps.transport.publish(hosted.code, envelopes, before, after);
      for (const { playerId, reason } of gone) {
        hosted.connections.delete(playerId);
        this.deps.transport.revoke(hosted.code, playerId, reason);
      }
    } catch (err) {
      this.deps.logger.error(`room ${hosted.code}: publishing events failed`, err, {
        room: hosted.code,
        event: 'publish',
      });
    }
  }

  /**
   * Cluster mode: events another process committed to a room, now in this process's store,
   * in order. A room in memory here folds them and broadcasts them to its sockets here, as
   * `settle` does for its own (revocations included).
   */
  follow(code: string, envelopes: Envelope[]): void {
    const hosted = this.rooms.get(code);
    if (!hosted || envelopes.length === 0) return;
    try {
      const before = hosted.state;
      if (envelopes[0]!.seq !== before.seq + 1) {
        // Not the next events (this process's own commit of the room is not settled yet: the
        // lease moved in between): the copy starts again from the store, which holds them all.
        // Its sockets see the seq jump and catch up with room:sync.
        this.deps.logger.error(
          `room ${code}: events from ${envelopes[0]!.seq} after seq ${before.seq}`,
          undefined,
          { room: code },
        );
        hosted.state = foldRoom(this.deps.store.load(code));
        if (hosted.pending === 0) hosted.latest = hosted.state;
        return;
      }
      let after = before;
      for (const envelope of envelopes) after = evolveRoom(after, envelope);
      hosted.state = after;
      if (hosted.pending === 0) hosted.latest = after;
      hosted.roundStart = roundStartAfter(hosted.roundStart, envelopes);
      const gone = envelopes.flatMap((e) => (e.event.type === 'playerLeft' ? [e.event] : []));
      this.fanOut(hosted, { before, envelopes, after, gone });
    } catch (err) {
      this.deps.logger.error(`room ${code}: following it failed`, err, { room: code });
    }
  }

  /**
   * Cluster mode: this process now owns the room (its store holds the log to its end): what
   * the next command is decided on is the stored state, and its drivers start here.
   */
  takeOver(code: string): void {
    const hosted = this.hosted(code);
    if (!hosted) return;
    if (hosted.pending === 0) hosted.latest = hosted.state;
    this.tell(code, hosted.state, false);
  }

  /** Cluster mode: the room's lease went elsewhere; its drivers stop here. */
  lost(code: string): void {
    if (!this.rooms.has(code)) return;
    for (const listener of this.listeners) listener.released(code);
  }

  /** The events after `since` while they are few, else a snapshot to start again from. */
  sync(code: string, since: number): Synced {
    const state = this.open(code);
    if (!state) throw new Error(`sync of room ${code}, which is not there`);
    const missing = state.seq - since;
    if (missing < 0 || missing > SYNC_LIMIT) return { snapshot: { state } };
    if (missing === 0) return { events: [] };
    return { events: this.deps.store.eventsAfter(code, since, missing) };
  }

  subscribe(code: string): void {
    const hosted = this.hosted(code);
    if (hosted) hosted.subscribers++;
  }

  unsubscribe(code: string): void {
    const hosted = this.rooms.get(code);
    if (!hosted) return;
    hosted.subscribers--;
    this.release(code);
  }

  /**
   * Forgets a room nobody looks at and nothing is queued for; its log folds
   * it again when someone comes back.
   */
  release(code: string): void {
    const hosted = this.rooms.get(code);
    if (!hosted || hosted.subscribers > 0 || hosted.pending > 0 || hosted.queue.length > 0) return;
    if (this.listeners.some((l) => l.holds(code))) return;
    this.rooms.delete(code);
    for (const listener of this.listeners) listener.released(code);
    this.cluster?.released(code);
  }

  /** A socket now sits for this player; the first one makes the player connected. */
  async bindPlayer(code: string, playerId: string): Promise<void> {
    const hosted = this.hosted(code);
    if (!hosted) return;
    const n = hosted.connections.get(playerId) ?? 0;
    hosted.connections.set(playerId, n + 1);
    if (n === 0) {
      this.cluster?.socketOpened(code, playerId);
      await this.run(code, { type: 'system:presence', playerId, connected: true }, SYSTEM);
    }
  }

  /**
   * The last socket of a player went away: the player is disconnected. With
   * `restart`, because the server is stopping: a turn of theirs is kept.
   */
  unbindPlayer(code: string, playerId: string, restart = false): void {
    const hosted = this.rooms.get(code);
    const n = hosted?.connections.get(playerId);
    if (!hosted || n === undefined) return;
    if (n > 1) {
      hosted.connections.set(playerId, n - 1);
      return;
    }
    hosted.connections.delete(playerId);
    const presence: RoomCommand = { type: 'system:presence', playerId, connected: false };
    const gone = () => void this.run(code, restart ? { ...presence, restart } : presence, SYSTEM);
    if (!this.cluster) return gone();
    // In cluster mode a tab of the player's on another process keeps them connected.
    this.cluster.socketClosed(code, playerId).then(
      (elsewhere) => {
        if (!elsewhere) gone();
      },
      (err: unknown) => {
        this.deps.logger.error(`room ${code}: presence across processes failed`, err, {
          room: code,
        });
        gone();
      },
    );
  }

  /**
   * Cluster mode, on the room's owner: the players the room shows connected whom no socket of
   * a living process sits for (their process died) are disconnected, as if they had left.
   */
  reconcile(code: string, seated: ReadonlySet<string>): void {
    const hosted = this.rooms.get(code);
    if (!hosted) return;
    for (const p of hosted.state.players) {
      if (!p.connected || p.bot !== undefined || seated.has(p.id)) continue;
      if (hosted.connections.has(p.id)) continue;
      void this.run(code, { type: 'system:presence', playerId: p.id, connected: false }, SYSTEM);
    }
  }

  /**
   * Retention takes the room away: it must not be in use (no socket looks,
   * nothing queued or loading). From now on it answers as if it never existed;
   * its drivers are told it left memory. False if it is in use.
   */
  expire(code: string): boolean {
    const hosted = this.rooms.get(code);
    if (hosted && (hosted.subscribers > 0 || hosted.pending > 0 || hosted.queue.length > 0)) {
      return false;
    }
    if (this.loading.has(code)) return false;
    this.gone.add(code);
    if (hosted) {
      this.rooms.delete(code);
      for (const listener of this.listeners) listener.released(code);
    }
    return true;
  }

  /** The expired room's log is deleted: its code may be given out again. */
  forget(code: string): void {
    this.gone.delete(code);
  }

  /** True while retention deletes the room. */
  expiring(code: string): boolean {
    return this.gone.has(code);
  }

  /** Waits until every queued command is committed and answered (before closing the store). */
  idle(): Promise<void> {
    return this.commits.idle();
  }

  /** Rooms in memory now (for tests and the benchmark's report). */
  get size(): number {
    return this.rooms.size;
  }
}
