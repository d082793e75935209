import type {
  Chosen,
  Delivery,
  PaxosCommand,
  PaxosConfig,
  PaxosEvent,
  PaxosState,
  ValueRule,
} from '../paxos/index.ts';
import type {
  BotKind,
  RoundRules,
  RoundStats,
  ScoreLine,
  TurnEndReason,
  TurnState,
} from './game.ts';

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
  /** Rules of play (mode, turns, fog, be-the-acceptor). Absent: DEFAULT_RULES. */
  rules?: RoundRules;
}

export interface Player {
  id: string;
  name: string;
  /** The friend-node this player acts as; null for a spectator. */
  seat: string | null;
  connected: boolean;
  /** Set for a bot: which kind. Bots act through the same commands as people. */
  bot?: BotKind;
}

export type RoundEndReason = 'host' | 'restart' | 'chosen' | 'turnLimit';

export interface Round {
  number: number;
  paxos: PaxosState;
  rules: RoundRules;
  status: 'playing' | 'ended';
  startedAt: number;
  endedAt: number | null;
  /** Turn-based rounds only. */
  turn: TurnState | null;
  stats: RoundStats;
}

/** What stays of a finished round: the schedule of movie nights. */
export interface RoundSummary {
  number: number;
  reason: RoundEndReason;
  chosen: Chosen[];
  findings: number;
  messages: number;
  rejections: number;
  /** Proposals that did not get their movie chosen. */
  wastedProposals: number;
  /** Whose movie it was originally (the first node to propose it as its own wish). */
  originalOwner: { node: string; name: string } | null;
  /** Who got it chosen (the first proposer to see its accept quorum). */
  chosenBy: { node: string; name: string } | null;
  scores: ScoreLine[];
  endedAt: number;
}

/** A player's running total across the room's rounds. */
export interface ScoreEntry {
  playerId: string;
  name: string;
  points: number;
}

export interface RoomState {
  code: string;
  status: 'open' | 'closed';
  settings: RoomSettings;
  createdAt: number;
  players: Player[];
  round: Round | null;
  history: RoundSummary[];
  scoreboard: ScoreEntry[];
  /** The host paused the game: no node acts and turn timers stand still. */
  paused: boolean;
  /** Sequence number of the last event folded (0 before the first). */
  seq: number;
  /** Set on a fog-of-war view: the seat it was made for; other nodes' state is hidden. */
  hiddenFrom?: string;
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
  | { type: 'network'; action: NetworkAction; messageId: number; answer?: 'grant' | 'reject' }
  /** Be the acceptor: the seated player answers a request waiting in their inbox. */
  | { type: 'answer'; messageId: number; answer: 'grant' | 'reject' }
  /** Turn-based: the player ends their turn early. */
  | { type: 'endTurn' }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'skipTurn' }
  /** Time enters the engine as a command: the server's timer says what time it is. */
  | { type: 'tick'; now: number }
  /** A bot takes a free seat (the host's choice) or the seat a player leaves to it. */
  | { type: 'addBot'; playerId: string; name: string; kind: BotKind; seat: string | null }
  | { type: 'leaveToBot'; playerId: string; name: string; kind: BotKind };

export type RoomCommandType = RoomCommand['type'];

export type RoomEvent =
  | { type: 'roomCreated'; code: string; settings: RoomSettings }
  | { type: 'playerJoined'; player: Player }
  | { type: 'playerLeft'; playerId: string; reason: 'left' | 'kicked' }
  | { type: 'presenceChanged'; playerId: string; connected: boolean }
  | { type: 'settingsChanged'; settings: RoomSettings }
  | { type: 'roundStarted'; number: number; config: PaxosConfig; rules?: RoundRules }
  /** One engine event of the current round; `by` is the player whose command caused it. */
  | { type: 'paxos'; event: PaxosEvent; by: string | null }
  | { type: 'roundEnded'; reason: RoundEndReason }
  | { type: 'turnStarted'; seat: string; number: number }
  | { type: 'turnEnded'; seat: string; reason: TurnEndReason }
  | { type: 'paused' }
  | { type: 'resumed' }
  /** A player-acceptor answered against the acceptor's rule. */
  | {
      type: 'mistake';
      playerId: string;
      seat: string;
      messageId: number;
      answer: 'grant' | 'reject';
      explanation: string;
      applied: boolean;
    }
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
