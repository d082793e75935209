import type { ErrorBody } from '../shared/protocol/index.ts';
import type { Actor, Envelope, RoomCommand, RoomState } from '../shared/room/index.ts';
import type { RoundStart } from './caps.ts';
import type { Credential, Write } from './store/sqlite.ts';

/*
 * The room host's records (server/rooms.ts) and the two interfaces it talks
 * to: the fan-out (`Transport`) and the drivers (`RoomListener`).
 */

export type RunResult = { ok: true; seq: number } | { ok: false; error: ErrorBody };

/**
 * Where a room's committed events go. The room host never talks to socket.io
 * directly, so that a later issue can filter what each seat sees (fog of war:
 * `publish` decides per socket) and another can fan out over Redis to other
 * processes (a `publish` that also writes to a channel). Both are called only
 * after the events are in the store.
 */
export interface Transport {
  /** `before` and `after` are the room's committed states around the envelopes. */
  publish(code: string, envelopes: Envelope[], before: RoomState, after: RoomState): void;
  /** The player's tokens no longer work: tell its sockets and forget who they were. */
  revoke(code: string, playerId: string, reason: 'kicked' | 'left'): void;
}

/**
 * What the server drives on its own (turn timers, bots) hears of each room's
 * committed changes, and keeps the room in memory while it has work for it.
 */
export interface RoomListener {
  /**
   * The room was loaded, or commands of it committed (`person`: one of them
   * came from a person, the host or a player who is not a bot). Must not throw.
   */
  changed(code: string, state: RoomState, person: boolean): void;
  /** True while it has a timer or work in progress for the room. */
  holds(code: string): boolean;
  /** The room left memory. */
  released(code: string): void;
}

/** A command waiting in its room's queue. */
export interface Submission {
  command: RoomCommand;
  actor: Actor;
  grant: Credential | undefined;
  /** Told how many events the command wrote, once they are committed (the edge's per-address budget). */
  meter: ((events: number) => void) | undefined;
  /**
   * A join's browser (its hash): refused, in queue order just before the engine decides, when
   * it held the seat of a player the host removed. Data, not a check, so that a join can be
   * forwarded to the process that owns the room (cluster mode).
   */
  browserHash?: string | undefined;
  resolve: (result: RunResult) => void;
}

/** A room in memory. */
export interface Hosted {
  code: string;
  /** What the store holds: what snapshots, sync and transcripts show. */
  state: RoomState;
  /** `state` plus the commands handed to the commit: what the next command is decided on. */
  latest: RoomState;
  /** Commands handed to the group commit and not yet settled. */
  pending: number;
  /** The room's queue: commands are decided one at a time, in the order they were submitted. */
  queue: Submission[];
  draining: boolean;
  /** Sockets looking at the room (any role). At zero the room may leave memory. */
  subscribers: number;
  /** Sockets bound to each player: presence changes at the first and the last. */
  connections: Map<string, number>;
  /** Where the round of `latest` started (the round cap counts from there). */
  roundStart: RoundStart | null;
}

/** A decided command on its way through the group commit. */
export interface InFlight {
  hosted: Hosted;
  /** The room after it. */
  state: RoomState;
  /** A person (the host or a player who is not a bot) gave the command. */
  person: boolean;
  gone: { playerId: string; reason: 'left' | 'kicked' }[];
  meter: ((events: number) => void) | undefined;
  resolve: (result: RunResult) => void;
}

export const INTERNAL: ErrorBody = {
  code: 'internal',
  message: 'The server failed to handle that; nothing changed. Try again.',
};

export const newHosted = (
  code: string,
  state: RoomState,
  roundStart: RoundStart | null = null,
): Hosted => ({
  code,
  state,
  latest: state,
  pending: 0,
  queue: [],
  draining: false,
  subscribers: 0,
  connections: new Map(),
  roundStart,
});

/**
 * Where a room's writes become durable, and then readable in the store the room host reads
 * (`SqliteStore`). One process: the SQLite file itself (server/commit.ts). Cluster mode: a
 * fenced append to Redis, then the process's own copy of the log (server/cluster/).
 */
/** A commit's writes that did not commit, by index; a map says why, for each. */
export type Failed = ReadonlySet<number> | ReadonlyMap<number, ErrorBody>;

export interface RoomLog {
  /**
   * A group commit's writes, in order: the indexes of those that did not commit (a write that
   * failed fails the writes of its room queued after it). Once it returns or resolves, the
   * committed ones are in the store.
   */
  commit(writes: readonly Write[]): Failed | Promise<Failed>;
  /** A new room's first write; false when the code was taken meanwhile (another process). */
  create(write: Write): Promise<boolean>;
  setScreenKey(room: string, keyHash: string): Promise<void>;
  addBrowser(room: string, browserHash: string, playerId: string): Promise<void>;
}

/** What the room host asks of the cluster (server/cluster/), in cluster mode only. */
export interface ClusterLink {
  /**
   * Who decides the room's commands now: this process ('here': it holds the room's lease,
   * taking it if nobody does, and has read the log to its end), or the id of the owner.
   */
  route(code: string): Promise<'here' | { owner: string }>;
  /** Whether this process holds the room's lease now (its drivers run only where it does). */
  owns(code: string): boolean;
  /**
   * Runs the command on the owner; resolves once the owner committed it AND this process
   * has folded and broadcast its events (so an ack never overtakes its broadcast).
   * `unreachable`: the owner was not there to receive it; `moved`: it no longer owns the room.
   * Either way the command did not run.
   */
  forward(
    owner: string,
    request: Forwarded,
  ): Promise<(RunResult & { events?: number }) | 'unreachable' | 'moved'>;
  /** Resolves once this process has read every write made before it was called. */
  barrier(): Promise<void>;
  /** The room left this process's memory: its lease (if held) goes. */
  released(code: string): void;
  /** A socket of this process now sits for the player (presence counts every process's). */
  socketOpened(code: string, playerId: string): void;
  /**
   * This process's last socket of the player closed: resolves to whether a socket of another
   * living process still sits for the player (then the player stays connected).
   */
  socketClosed(code: string, playerId: string): Promise<boolean>;
}

/** A command sent to the process that owns its room. */
export interface Forwarded {
  code: string;
  command: RoomCommand;
  actor: Actor;
  grant?: Credential | undefined;
  browserHash?: string | undefined;
}
