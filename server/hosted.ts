import type { ErrorBody } from '../shared/protocol/index.ts';
import type { Actor, Envelope, RoomCommand, RoomState } from '../shared/room/index.ts';
import type { RoundStart } from './caps.ts';
import type { Credential } from './store/sqlite.ts';

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
   * A refusal of the server's own, asked in queue order just before the engine decides, on
   * the state the command would be decided on (a join from a removed player's browser).
   */
  guard?: ((latest: RoomState) => ErrorBody | null) | undefined;
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
