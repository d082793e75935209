import type { Chosen, PaxosCommand, PaxosConfig, PaxosEvent, PaxosState } from '../paxos/index.ts';
import type { Payload, RoomCommandOf } from './commands.ts';
import type { DemoState, DemoEvent } from './demo-types.ts';
import type { RoomSettings } from './settings.ts';
import type {
  BotKind,
  RoundRules,
  RoundStats,
  ScoreLine,
  TurnEndReason,
  TurnState,
} from './game.ts';

export { DEFAULT_MOVIES, FRIENDS, MAX_SEATS, MIN_SEATS } from './settings.ts';
export type { RoomSettings } from './settings.ts';
export type { DemoAsk, DemoState } from './demo-types.ts';

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
  /**
   * Auto-play's speed in steps per second while it is on (`host:autoplay`); absent when it is
   * off, and in every log without auto-play. The server's driver steps the round at this speed.
   */
  autoplay?: number;
  /** A guided demo plays this round (`host:loadScenario`; shared/room/demo.ts). Absent: none. */
  demo?: DemoState;
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
  /** The title the host gave the room (absent until it is given one). */
  title?: string;
  /** Set on a fog-of-war view: the seat it was made for; other nodes' state is hidden. */
  hiddenFrom?: string;
  /** The host locked the room: nobody new may join (absent until it is locked once). */
  locked?: boolean;
  /**
   * Extra seconds on each turn of a player, by player id (absent until the host gives any:
   * old logs fold to the same state). WCAG 2.2.1: a student who needs longer gets it.
   */
  extraSeconds?: Record<string, number>;
  /**
   * Players the host removed (kicked), until the host lets them back in: a browser that held
   * one of their seats may not join again. Absent until the first kick. Bots are not listed.
   */
  removed?: RemovedPlayer[];
  /** A what-if room (`host:fork`): the room it was forked from and the seq it was forked after. */
  forkedFrom?: { code: string; at: number };
}

/** A kicked player, as the host's page lists them ("Let back in"). */
export interface RemovedPlayer {
  playerId: string;
  name: string;
}

/** Who is asking. The server maps a verified token to one of these; the engine checks the rules. */
export type Actor = { role: 'host' } | { role: 'player'; playerId: string } | { role: 'system' };

export type { RoomCommand, RoomCommandName, RoomCommandOf } from './commands.ts';

/** What the host can do to a message in flight. */
export type NetworkAction = Payload<'host:network'>['action'];

/** A seated player's commands as their own node. */
export type NodeCommand = RoomCommandOf<
  'node:newProposal' | 'node:promiseRequest' | 'node:acceptRequest' | 'node:propose'
>;

export type RoomEvent =
  | { type: 'roomCreated'; code: string; settings: RoomSettings }
  | { type: 'playerJoined'; player: Player }
  | { type: 'playerLeft'; playerId: string; reason: 'left' | 'kicked' }
  | { type: 'presenceChanged'; playerId: string; connected: boolean }
  | { type: 'settingsChanged'; settings: RoomSettings }
  /** The host gave the room a title. */
  | { type: 'roomRenamed'; title: string }
  /** The host renamed a player (an offensive name); a class renames its student so. */
  | { type: 'playerRenamed'; playerId: string; name: string }
  /** The host gave a player extra seconds on each of their turns (0: none again). */
  | { type: 'extraTimeGiven'; playerId: string; seconds: number }
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
  /** The host locked the room (no new joins) or opened it again. */
  | { type: 'roomLocked'; locked: boolean }
  /** The host lets a removed player's browser join again. */
  | { type: 'playerAllowedBack'; playerId: string }
  /**
   * Auto-play's speed changed (0: it stopped). `reason`: the host set it, there was nothing
   * left to deliver (`done`), or a fork starts still (`forked`).
   */
  | { type: 'autoplayChanged'; speed: number; reason: AutoplayReason }
  /** A fork's first own event: the room whose log up to `at` this room's log repeats. */
  | { type: 'roomForked'; parent: string; at: number }
  /** A guided demo's events (shared/room/demo-types.ts). */
  | DemoEvent
  | { type: 'roomClosed' };

export type RoomEventType = RoomEvent['type'];

/** Why auto-play's speed changed. */
export type AutoplayReason = 'host' | 'done' | 'forked';

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
