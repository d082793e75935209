import type { Chosen } from '../paxos/index.ts';
import type { RoundStats, ScoreLine } from './game.ts';

/**
 * The scoring rule, shown in the in-game help. It rewards correct and
 * effective protocol play: getting a movie chosen, carrying the highest
 * accepted value forward instead of one's own wish, and using few messages.
 */
export const SCORING_RULES = [
  {
    key: 'chosen',
    points: 10,
    rule: 'Get a movie chosen: your proposer is the first to see its accept quorum.',
  },
  {
    key: 'carried',
    points: 5,
    rule: 'Carry it forward: the movie you got chosen was not your own wish — you carried the highest accepted value, as Paxos requires.',
  },
  {
    key: 'pickWon',
    points: 3,
    rule: 'Your pick won: someone else got the movie you first proposed chosen.',
  },
  {
    key: 'fewMessages',
    points: 5,
    rule: 'Few messages: up to 5 for the chooser, minus one per request beyond the minimum (twice the quorum).',
  },
  {
    key: 'mistake',
    points: -2,
    rule: 'Each wrong answer as an acceptor (be-the-acceptor rounds).',
  },
  {
    key: 'split',
    points: 0,
    rule: 'If two different movies were chosen, nobody scores the round: safety first.',
  },
] as const;

/** A scoring reason: which rule of SCORING_RULES earned points (`split` earns none, ever). */
export type ScoreReason = Exclude<(typeof SCORING_RULES)[number]['key'], 'split'>;

/** Points one player earned in a round for one reason, and the reason in words. */
export interface ScorePart {
  playerId: string;
  reason: ScoreReason;
  points: number;
  words: string;
}

export const POINTS = {
  chosen: 10,
  carried: 5,
  pickWon: 3,
  fewMessages: 5,
  mistake: -2,
} as const;

/** What each player earned in one round, reason by reason, in the order earned. */
export function scoreParts(
  stats: RoundStats,
  chosen: readonly Chosen[],
  quorum: number,
): ScorePart[] {
  const parts: ScorePart[] = [];
  const add = (playerId: string | null, reason: ScoreReason, points: number, words: string) => {
    if (playerId !== null) parts.push({ playerId, reason, points, words });
  };

  const split = new Set(chosen.map((c) => c.value)).size > 1;
  const { learned } = stats;
  if (learned && !split) {
    const own = stats.proposals.find(
      (p) => p.node === learned.node && p.proposalId === learned.proposalId,
    );
    add(learned.by, 'chosen', POINTS.chosen, `got ${learned.value} chosen`);
    if (own && own.value !== learned.value) {
      add(
        learned.by,
        'carried',
        POINTS.carried,
        `carried ${learned.value} forward instead of ${own.value}`,
      );
    }
    const owner = stats.proposals.find((p) => p.value === learned.value);
    if (owner && owner.by !== learned.by) {
      add(owner.by, 'pickWon', POINTS.pickWon, `${learned.value} was your pick`);
    }
    const extra = Math.max(0, (stats.requestsBy[learned.node] ?? 0) - 2 * quorum);
    const bonus = Math.max(0, POINTS.fewMessages - extra);
    if (bonus > 0)
      add(
        learned.by,
        'fewMessages',
        bonus,
        `few messages (${stats.requestsBy[learned.node] ?? 0} requests)`,
      );
  }
  for (const [playerId, count] of Object.entries(stats.mistakes)) {
    add(
      playerId,
      'mistake',
      POINTS.mistake * count,
      `${count} wrong acceptor answer${count > 1 ? 's' : ''}`,
    );
  }
  return parts;
}

/** Points earned in one round, per player, with the reasons in words (from `scoreParts`). */
export function scoreRound(
  stats: RoundStats,
  chosen: readonly Chosen[],
  quorum: number,
  nameOf: (playerId: string) => string,
): ScoreLine[] {
  const lines = new Map<string, ScoreLine>();
  for (const { playerId, points, words } of scoreParts(stats, chosen, quorum)) {
    const line = lines.get(playerId) ?? {
      playerId,
      name: nameOf(playerId),
      points: 0,
      reasons: [],
    };
    line.points += points;
    line.reasons.push(`${points > 0 ? '+' : ''}${points} ${words}`);
    lines.set(playerId, line);
  }
  return [...lines.values()];
}
