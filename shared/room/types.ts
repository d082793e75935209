import type {
  Chosen,
  Delivery,
  PaxosCommand,
  PaxosConfig,
  PaxosEvent,
  PaxosState,
  ValueRule,
} from '../paxos/index.ts';

/** The friends, in seat order. A room uses the first `seats` of them as its nodes. */
export const FRIENDS = ['Amy', 'Ben', 'Cal', 'Dan', 'Eva', 'Fay', 'Gus'] as const;
export const MIN_SEATS = 3;
export const MAX_SEATS = FRIENDS.length;

export const DEFAULT_MOVIES = ['Oppenheimer', 'Barbie', 'Dune', 'Past Lives', 'Spider-Verse'];

/** What the host chooses. Applies to the next round started. */
export interface RoomSettings {
  movies: string[];
  seats: number;
  /** null: a majority of the seats. A smaller quorum is allowed: it is a lesson. */
  quorum: number | null;
  delivery: Delivery;
  valueRule: ValueRule;
}

export interface Player {
  id: string;
  name: string;
  /** The friend-node this player acts as; null for a spectator. */
  seat: string | null;
  connected: boolean;
}

export interface Round {
  number: number;
  paxos: PaxosState;
  status: 'playing' | 'ended';
  startedAt: number;
  endedAt: number | null;
}

/** What stays of a finished round: the schedule of movie nights. */
export interface RoundSummary {
  number: number;
  chosen: Chosen[];
  findings: number;
  messages: number;
  endedAt: number;
}

export interface RoomState {
  code: string;
  status: 'open' | 'closed';
  settings: RoomSettings;
  createdAt: number;
  players: Player[];
  round: Round | null;
  history: RoundSummary[];
  /** Sequence number of the last event folded (0 before the first). */
  seq: number;
}

/** Who is asking. The server maps a verified token to one of these; the engine checks the rules. */
export type Actor = { role: 'host' } | { role: 'player'; playerId: string } | { role: 'system' };

/** A Paxos command as a seated player sends it: the node is always the player's own seat. */
export type NodeCommand =
  | { type: 'newProposal'; value: string }
  | { type: 'promiseRequest'; to: string }
  | { type: 'acceptRequest'; to: string }
  | { type: 'propose'; value: string; to: string[] };

export type NetworkAction = 'deliver' | 'drop' | 'duplicate';

export type RoomCommand =
  | { type: 'join'; playerId: string; name: string; spectator: boolean }
  | { type: 'leave'; playerId: string }
  | { type: 'presence'; playerId: string; connected: boolean }
  | { type: 'kick'; playerId: string }
  | { type: 'updateSettings'; settings: RoomSettings }
  | { type: 'startRound' }
  | { type: 'endRound' }
  | { type: 'say'; text: string }
  | { type: 'close' }
  | { type: 'node'; command: NodeCommand }
  | { type: 'network'; action: NetworkAction; messageId: number; answer?: 'grant' | 'reject' };

export type RoomCommandType = RoomCommand['type'];

export type RoomEvent =
  | { type: 'roomCreated'; code: string; settings: RoomSettings }
  | { type: 'playerJoined'; player: Player }
  | { type: 'playerLeft'; playerId: string; reason: 'left' | 'kicked' }
  | { type: 'presenceChanged'; playerId: string; connected: boolean }
  | { type: 'settingsChanged'; settings: RoomSettings }
  | { type: 'roundStarted'; number: number; config: PaxosConfig }
  /** One engine event of the current round; `by` is the player whose command caused it. */
  | { type: 'paxos'; event: PaxosEvent; by: string | null }
  | { type: 'roundEnded'; reason: 'host' | 'restart' }
  /** The host's narration, printed in the transcript like the seed's `print`. */
  | { type: 'note'; text: string }
  | { type: 'roomClosed' };

export type RoomEventType = RoomEvent['type'];

/** An event as stored and broadcast: numbered in the room, stamped by the server's clock. */
export interface Envelope {
  seq: number;
  at: number;
  event: RoomEvent;
}

export type RoomErrorCode = 'bad_request' | 'not_found' | 'forbidden' | 'conflict';

export interface RoomError {
  code: RoomErrorCode;
  message: string;
  /** The seed notebook's line for this refusal, when it prints one. */
  seedLine?: string;
}

export type RoomDecision = { ok: true; events: RoomEvent[] } | { ok: false; error: RoomError };

export type { PaxosCommand };
