// The scoreboard lists every player who plays a seat, at 0 points until they score.
import { describe, expect, it } from 'vitest';
import type { Player } from '../../shared/room/index.ts';
import { scoreRows } from '../../client/lib/scores.ts';

const player = (id: string, seat: string | null, bot?: 'quiet'): Player => ({
  id,
  name: id,
  seat,
  connected: true,
  ...(bot ? { bot } : {}),
});

describe('score rows', () => {
  it('shows the players with 0 points, after the scorers, with shared ranks', () => {
    const players = [player('eva', 'Eva'), player('zoe', null), player('ben', 'Ben', 'quiet')];
    const board = [
      { playerId: 'amy', name: 'amy', points: 5 },
      { playerId: 'cal', name: 'cal', points: 0 },
    ];
    expect(scoreRows(board, players)).toEqual([
      { playerId: 'amy', name: 'amy', points: 5, rank: 1 },
      { playerId: 'cal', name: 'cal', points: 0, rank: 2 },
      // Not scored yet, in seat order; a spectator (zoe) plays no seat and is not listed.
      { playerId: 'ben', name: 'ben', points: 0, rank: 2 },
      { playerId: 'eva', name: 'eva', points: 0, rank: 2 },
    ]);
  });

  it('negative points rank below the players with none', () => {
    const rows = scoreRows([{ playerId: 'amy', name: 'amy', points: -2 }], [player('ben', 'Ben')]);
    expect(rows.map((r) => [r.playerId, r.rank])).toEqual([
      ['ben', 1],
      ['amy', 2],
    ]);
  });
});
