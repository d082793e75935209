/*
 * The scoreboard as the page shows it: the room's running scores (state.scoreboard,
 * which lists only players who were ever scored) and every player who plays a seat,
 * at 0 points if they have none yet. Equal points share a rank.
 */
import type { Player, RoomState } from '../../shared/room/index.ts';
import { FRIENDS } from '../../shared/room/settings.ts';

const seatIndex = (seat: string | null) => FRIENDS.indexOf(seat as (typeof FRIENDS)[number]);

export interface ScoreRow {
  playerId: string;
  name: string;
  points: number;
  /** 1 for the most points; players with equal points share a rank (1, 2, 2, 4). */
  rank: number;
}

export function scoreRows(scoreboard: RoomState['scoreboard'], players: Player[]): ScoreRow[] {
  const scored = new Set(scoreboard.map((s) => s.playerId));
  const unscored = players
    .filter((p) => p.seat !== null && !scored.has(p.id))
    .sort((a, b) => seatIndex(a.seat) - seatIndex(b.seat))
    .map((p) => ({ playerId: p.id, name: p.name, points: 0 }));
  // A stable sort: the board's order among equals, then the seated players in seat order.
  const rows = [...scoreboard, ...unscored].sort((a, b) => b.points - a.points);
  return rows.map((row) => ({
    playerId: row.playerId,
    name: row.name,
    points: row.points,
    rank: rows.findIndex((r) => r.points === row.points) + 1,
  }));
}
