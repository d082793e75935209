/*
 * The rules of play that make a room a game: modes, turns, who answers as an
 * acceptor, what each seat sees. Chosen by the host in the room's settings
 * and fixed for a round when it starts.
 */

/** The kinds of bot a seat can be given (the policies live in shared/bots.ts). */
export const BOT_KINDS = ['quiet', 'steady', 'duelling'] as const;
export type BotKind = (typeof BOT_KINDS)[number];

export const BOT_DESCRIPTIONS: Record<BotKind, string> = {
  quiet: 'Quiet acceptor: only answers requests, never proposes.',
  steady:
    'Steady proposer: proposes its movie to a majority, one request at a time (in turns, the steady bots take the lead one after another).',
  duelling:
    'Duelling proposer: answers every pre-emption with a higher proposal at once (the livelock demo).',
};

export const MODES = ['realtime', 'turns'] as const;
export type Mode = (typeof MODES)[number];

export const VISIBILITIES = ['open', 'fog'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

/** `engine`: the acceptor rule answers at once (the seed). `players`: requests wait in each seated player's inbox. */
export const ACCEPTOR_MODES = ['engine', 'players'] as const;
export type AcceptorMode = (typeof ACCEPTOR_MODES)[number];

/** A wrong answer from a player-acceptor is refused (and counted), or applied anyway for the demo. */
export const WRONG_ANSWERS = ['refuse', 'apply'] as const;
export type WrongAnswers = (typeof WRONG_ANSWERS)[number];

export interface RoundRules {
  mode: Mode;
  actionsPerTurn: number;
  turnSeconds: number;
  /** Turns after which the round ends; null for no limit. */
  turnLimit: number | null;
  visibility: Visibility;
  acceptors: AcceptorMode;
  wrongAnswers: WrongAnswers;
  /** End the round as soon as a value is chosen and a proposer has seen its accept quorum. */
  endWhenChosen: boolean;
  /**
   * The "Run both phases" shortcut (`node:propose`, the notebook's `propose`) may be used in
   * this round. Never in turns, whatever it says (each request is one action). Absent in rounds
   * logged before the host could turn it off: allowed. Its default: `proposeByDefault`.
   */
  allowPropose?: boolean;
}

/**
 * Whether "Run both phases" is allowed when the host does not say. In free play (real time,
 * the engine answers as acceptor) yes: it is the notebook's `propose`, and watching it retry is
 * part of the lesson. In turns no: each request is one action, so it cannot run. When players
 * answer as acceptors no: that is the classroom's game, where every request and every answer
 * is made by hand, and one click would fill every inbox and finish the round for everyone.
 */
export function proposeByDefault(rules: Pick<RoundRules, 'mode' | 'acceptors'>): boolean {
  return rules.mode === 'realtime' && rules.acceptors === 'engine';
}

/** Whether this round's rules let a player run both phases at once (`node:propose`). */
export function proposeAllowed(rules: RoundRules): boolean {
  return rules.mode === 'realtime' && rules.allowPropose !== false;
}

export const DEFAULT_RULES: RoundRules = {
  mode: 'realtime',
  actionsPerTurn: 2,
  turnSeconds: 45,
  turnLimit: null,
  visibility: 'open',
  acceptors: 'engine',
  wrongAnswers: 'refuse',
  endWhenChosen: true,
  allowPropose: true,
};

export interface TurnState {
  /** Seats in playing order. */
  order: string[];
  /** Whose turn it is; null while no seated player is connected. */
  seat: string | null;
  /** Turns started so far in this round. */
  number: number;
  actionsLeft: number;
  /** Server time at which the turn passes; null while paused or waiting. */
  endsAt: number | null;
  /** While paused: how long the turn still had. */
  leftMs: number | null;
}

export type TurnEndReason = 'done' | 'passed' | 'timeout' | 'skipped' | 'disconnected' | 'left';

/** What happened in a round, counted as it happens: the raw material of the summary and scores. */
export interface RoundStats {
  /** Requests, replies and duplicates put on the network. */
  messages: number;
  rejections: number;
  /** Requests sent by each node (its proposer's cost). */
  requestsBy: Record<string, number>;
  /** Every proposal started: whose, its id, its own wish, and the player who started it. */
  proposals: { node: string; proposalId: number; value: string; by: string | null }[];
  /** The first proposer to see its accept quorum. */
  learned: { node: string; proposalId: number; value: string; by: string | null } | null;
  /** Wrong acceptor answers per player id. */
  mistakes: Record<string, number>;
  /**
   * A guided demo's predictions per player id (shared/room/demo.ts): questions answered, and
   * answered right, counted at each reveal. Absent until the first reveal (and in old logs).
   */
  predictions?: Record<string, { answered: number; right: number }>;
}

export function emptyStats(): RoundStats {
  return { messages: 0, rejections: 0, requestsBy: {}, proposals: [], learned: null, mistakes: {} };
}

export interface ScoreLine {
  playerId: string;
  name: string;
  points: number;
  reasons: string[];
}
