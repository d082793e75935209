/**
 * The socket.io contract between browsers (or bots) and the server.
 * docs/PROTOCOL.md explains every event with a worked session.
 */
import type { AckKindOf, PayloadInput, WireName } from '../room/commands.ts';
import type { Envelope, RoomState, TranscriptLine } from '../room/index.ts';
import type { ClassEnvelope, ClassState, StudentView, TableSummary } from '../class/types.ts';

/** Changes whenever the wire format does. Clients send it in the handshake's `auth.protocol`. */
export const PROTOCOL_VERSION = 6;

export const ERROR_CODES = [
  'bad_request',
  'not_found',
  'forbidden',
  'conflict',
  'rate_limited',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * A refusal: a stable machine-readable `code` and a sentence for people.
 * @example { code: 'conflict', message: 'Amy has 1 of the 3 promises it needs ...',
 *            seedLine: 'No promise quorum - cannot send accept request' }
 */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** The seed notebook's printed line for this refusal, when it has one. */
  seedLine?: string;
}

/**
 * Every command is acknowledged with one of these.
 * @example { ok: true, data: { seq: 42 } }
 * @example { ok: false, error: { code: 'forbidden', message: 'Only the host can do that.' } }
 */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };

/** The room as the receiver may see it, at event `seq` (= `state.seq`). */
export interface Snapshot {
  state: RoomState;
  /**
   * Fog of war only: the log lines this seat may read so far. A fogged seat
   * gets views, not events, so it cannot print the transcript itself.
   */
  lines?: TranscriptLine[];
}

/**
 * Fog of war: what a seated player receives instead of `room:events` while a
 * fogged round is played — their seat's view of the room after event `seq`,
 * and the new log lines about their node. `state.hiddenFrom` names the seat.
 */
export interface View {
  code: string;
  state: RoomState;
  /** New lines to append; with `replace`, the whole log this audience may read so far. */
  lines: TranscriptLine[];
  /**
   * True on the first view of a fogged round and when the round ends and
   * everything is revealed (then `state.hiddenFrom` is absent, `lines` is the
   * full log, and `room:events` follow again).
   */
  replace: boolean;
}

/** Who this socket is in the room. A socket can be the host and a player at once. */
export interface Identity {
  code: string;
  host: boolean;
  playerId: string | null;
  seat: string | null;
  /** Present (true) on a watcher that gave the host's screen key: it sees through the fog. */
  screen?: true;
}

export interface Joined {
  identity: Identity;
  /** Keep it (localStorage): presenting it again restores the same seat, even after a restart. */
  token: string;
  snapshot: Snapshot;
}

export interface Created {
  identity: Identity;
  hostToken: string;
  /**
   * The room's screen key: `room:watch` with it sees through the fog (the projector).
   * Keep it with the host token; the server stores only its hash (`host:screenKey` makes a new one).
   */
  screenKey: string;
  snapshot: Snapshot;
}

/** `host:screenKey`: the room's new screen key (the previous one no longer works). */
export interface ScreenKey {
  screenKey: string;
}

export interface Resumed {
  identity: Identity;
  snapshot: Snapshot;
}

/** `room:sync`: the events after `since`, or a snapshot when they are too many or gone. */
export type Synced = { events: Envelope[] } | { snapshot: Snapshot };

export interface Done {
  /** Sequence number of the room's last event after the command (unchanged if it caused none). */
  seq: number;
}

/**
 * `host:fork`: the what-if room made. The socket stays where it was; the fork is
 * opened with `room:resume { code, token: hostToken }` (a new tab, or this one).
 */
export interface Forked {
  code: string;
  hostToken: string;
}

/** `class:create`: the class made; the socket is its instructor. */
export interface ClassCreated {
  /** Keep it (localStorage) with the code: `class:resume` with it opens the dashboard again. */
  hostToken: string;
  state: ClassState;
}

/** `class:join`: the student is in the class (a table comes at the next round). */
export interface ClassJoined {
  /** Keep it: `class:resume` with it is the same student, even after a restart. */
  token: string;
  view: StudentView;
}

/** `class:resume`: who the token is, and what that one sees now. */
export type ClassResumed =
  | { role: 'host'; state: ClassState; tables: TableSummary[] }
  | { role: 'student'; view: StudentView };

/** A class command that changed the class: the class's last seq after it. */
export interface ClassDone {
  seq: number;
}

/** A class command sent to every table: how many took it, and the refusals (a table may be ended). */
export interface ClassFanned {
  seq: number;
  tables: number;
  refused: { table: string; message: string }[];
}

/** `class:seat` / `class:openTable`: a fresh token of a table's room (player or host). */
export interface ClassSeat {
  code: string;
  token: string;
}

export interface ClassTable {
  code: string;
  hostToken: string;
}

export interface ClassCohost {
  token: string;
}

/** What each kind of acknowledgement carries (a command's kind is in its catalogue entry). */
interface AckKinds {
  done: Done;
  created: Created;
  joined: Joined;
  resumed: Resumed;
  synced: Synced;
  forked: Forked;
  screenKey: ScreenKey;
  classCreated: ClassCreated;
  classJoined: ClassJoined;
  classResumed: ClassResumed;
  classDone: ClassDone;
  classFanned: ClassFanned;
  classSeat: ClassSeat;
  classTable: ClassTable;
  classCohost: ClassCohost;
}

/** The events a client may send: the catalogue's wire names. */
export type ClientEventName = WireName;
/** A payload as a client sends it. */
export type ClientPayload<E extends ClientEventName> = PayloadInput<E>;

export type AckOf<E extends ClientEventName> = Ack<AckKinds[AckKindOf<E>]>;

export type ClientToServerEvents = {
  [E in ClientEventName]: (payload: ClientPayload<E>, ack: (result: AckOf<E>) => void) => void;
};

export interface ServerToClientEvents {
  /** New events of the room this socket is in, in order, without gaps. */
  'room:events': (batch: { code: string; events: Envelope[] }) => void;
  /** Fog of war: this seat's view after new events (instead of `room:events`). */
  'room:view': (view: View) => void;
  /**
   * This socket's player was kicked by the host or left (from any of its
   * sockets): its token no longer works and the socket is now a watcher.
   */
  'room:revoked': (info: { code: string; reason: 'kicked' | 'left' }) => void;
  /** A class's new events, in order, to its instructors' sockets (they fold them: evolveClass). */
  'class:events': (batch: { code: string; events: ClassEnvelope[] }) => void;
  /** The tables that changed, to the instructors' sockets: at most a few times a second each. */
  'class:tables': (batch: { code: string; tables: TableSummary[] }) => void;
  /** A student's view of the class, whenever it changes for them. */
  'class:you': (view: StudentView) => void;
  /** This socket's student was removed from the class: the token no longer works. */
  'class:revoked': (info: { code: string; reason: 'kicked' }) => void;
}
