import { evolveRoom } from './evolve.ts';
import type { ScoreReason } from './scoring.ts';
import { SCORING_RULES, scoreParts } from './scoring.ts';
import type { Envelope, RoomState } from './types.ts';

/*
 * grades.csv (GET /api/rooms/CODE/grades.csv): one row per player per round,
 * folded from the room's log. A player of a round is anyone who held a seat
 * while it was played, and anyone it scored, counted or asked. The server
 * gives the public log (`publicLog`), so a fogged round being played is not
 * in it; any other round, ended or being played, is.
 */

/** The scoring reasons that earn points, in the order of SCORING_RULES (not `split`: it earns none). */
export const GRADE_REASONS = SCORING_RULES.flatMap((r) => (r.key === 'split' ? [] : [r.key]));

const REASON_HEADERS: Record<ScoreReason, string> = {
  chosen: 'points: movie chosen',
  carried: 'points: carried forward',
  pickWon: 'points: pick won',
  fewMessages: 'points: few messages',
  mistake: 'points: wrong answers',
};

export interface GradeRow {
  room: string;
  round: number;
  playerId: string;
  name: string;
  /** The seat the player held in the round; null for a watcher. */
  seat: string | null;
  points: number;
  /** Points per scoring reason (0 when none). */
  reasons: Record<ScoreReason, number>;
  /** Wrong acceptor answers (`stats.mistakes`). */
  mistakes: number;
  predictionsAnswered: number;
  predictionsRight: number;
  /** Requests sent by the player's seat (`stats.requestsBy`); 0 for a watcher. */
  requests: number;
}

interface Member {
  name: string;
  seat: string | null;
}

function rowsOf(state: RoomState, members: Map<string, Member>): GradeRow[] {
  const round = state.round!;
  const stats = round.stats;
  const parts = scoreParts(stats, round.paxos.chosen, round.paxos.config.quorum);
  const ids = new Set([
    ...members.keys(),
    ...parts.map((p) => p.playerId),
    ...Object.keys(stats.mistakes),
    ...Object.keys(stats.predictions ?? {}),
  ]);
  const nodes = round.paxos.config.nodes;
  const rows = [...ids].map((playerId): GradeRow => {
    const member = members.get(playerId);
    const now = state.players.find((p) => p.id === playerId);
    const seat = member?.seat ?? null;
    const reasons = Object.fromEntries(GRADE_REASONS.map((r) => [r, 0])) as Record<
      ScoreReason,
      number
    >;
    let points = 0;
    for (const p of parts) {
      if (p.playerId !== playerId) continue;
      reasons[p.reason] += p.points;
      points += p.points;
    }
    const prediction = stats.predictions?.[playerId];
    return {
      room: state.code,
      round: round.number,
      playerId,
      name: member?.name ?? now?.name ?? playerId,
      seat,
      points,
      reasons,
      mistakes: stats.mistakes[playerId] ?? 0,
      predictionsAnswered: prediction?.answered ?? 0,
      predictionsRight: prediction?.right ?? 0,
      requests: seat === null ? 0 : (stats.requestsBy[seat] ?? 0),
    };
  });
  // The round's nodes in order, then seats outside them, then watchers.
  const order = (r: GradeRow) => {
    const at = r.seat === null ? -1 : nodes.indexOf(r.seat);
    return at >= 0 ? at : nodes.length + (r.seat === null ? 1 : 0);
  };
  return rows.sort((a, b) => order(a) - order(b) || a.name.localeCompare(b.name));
}

/** Every round's rows, round by round, from a room's log. */
export function gradeRows(log: readonly Envelope[]): GradeRow[] {
  const rows: GradeRow[] = [];
  let state: RoomState | null = null;
  let members: Map<string, Member> | null = null;
  const seatAll = (s: RoomState) => {
    for (const p of s.players)
      if (p.seat !== null) members!.set(p.id, { name: p.name, seat: p.seat });
  };
  for (const envelope of log) {
    state = evolveRoom(state, envelope);
    const { event } = envelope;
    if (event.type === 'roundStarted') {
      members = new Map();
      seatAll(state);
    } else if (members && state.round?.status === 'playing') {
      if (event.type === 'playerJoined') seatAll(state);
    } else if (members && event.type === 'roundEnded') {
      rows.push(...rowsOf(state, members));
      members = null;
    }
  }
  if (state && members && state.round?.status === 'playing') rows.push(...rowsOf(state, members));
  return rows;
}

/**
 * A text cell a spreadsheet will not run: one starting with `=`, `+`, `-`, `@`
 * (or a tab or carriage return) is a formula there, so it gets a leading `'`.
 */
export function safeText(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** One RFC 4180 field: quoted when it holds a comma, a quote or a line break. */
function field(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const GRADE_HEADER = [
  'room',
  'round',
  'player',
  'seat',
  'points',
  ...GRADE_REASONS.map((r) => REASON_HEADERS[r]),
  'wrong acceptor answers',
  'predictions answered',
  'predictions right',
  'requests sent',
];

/** The rows as CSV (RFC 4180: CRLF line ends, a header row), text cells made safe. */
export function gradesCsv(rows: readonly GradeRow[]): string {
  const lines = [GRADE_HEADER.map(field).join(',')];
  for (const r of rows) {
    lines.push(
      [
        field(safeText(r.room)),
        r.round,
        field(safeText(r.name)),
        field(safeText(r.seat ?? '')),
        r.points,
        ...GRADE_REASONS.map((k) => r.reasons[k]),
        r.mistakes,
        r.predictionsAnswered,
        r.predictionsRight,
        r.requests,
      ].join(','),
    );
  }
  return lines.map((l) => `${l}\r\n`).join('');
}
