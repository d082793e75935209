// Two host commands a class needs at its tables (issue 11): renaming a player with an
// offensive name, and extra time on a player's turns in turn-based rounds (WCAG 2.2.1).
import { describe, expect, it } from 'vitest';
import { foldRoom } from '../../shared/room/index.ts';
import { HOST, player, seated } from './harness.ts';

const turns = { mode: 'turns', actionsPerTurn: 2, turnSeconds: 45 } as const;

describe('host:renamePlayer', () => {
  it('renames a player from then on; the log folds to the same room', () => {
    const room = seated();
    const d = room.must({ type: 'host:renamePlayer', playerId: 'ben', name: 'Benedict' }, HOST);
    expect(d.events).toEqual([{ type: 'playerRenamed', playerId: 'ben', name: 'Benedict' }]);
    expect(room.state.players.find((p) => p.id === 'ben')).toMatchObject({
      name: 'Benedict',
      seat: 'Ben',
    });
    expect(foldRoom(room.log)).toEqual(room.state);
  });

  it("refuses another player's name, an unknown player, and a player's own command", () => {
    const room = seated();
    expect(room.refused({ type: 'host:renamePlayer', playerId: 'ben', name: 'AMY' }, HOST)).toBe(
      'conflict',
    );
    expect(room.refused({ type: 'host:renamePlayer', playerId: 'zed', name: 'Z' }, HOST)).toBe(
      'not_found',
    );
    expect(
      room.refused({ type: 'host:renamePlayer', playerId: 'ben', name: 'X' }, player('amy')),
    ).toBe('forbidden');
    // The same name again changes nothing.
    expect(
      room.must({ type: 'host:renamePlayer', playerId: 'ben', name: 'ben' }, HOST).events,
    ).toEqual([]);
  });
});

describe('host:extraTime', () => {
  it("lengthens that player's turns only, until it is taken back", () => {
    const room = seated(turns);
    room.must({ type: 'host:extraTime', playerId: 'ben', seconds: 30 }, HOST);
    expect(room.state.extraSeconds).toEqual({ ben: 30 });
    room.must({ type: 'host:startRound' }, HOST);
    // Amy's turn: the usual 45 s.
    expect(room.round.turn).toMatchObject({ seat: 'Amy', endsAt: room.now + 45_000 });
    room.must({ type: 'node:endTurn' }, player('amy'));
    // Ben's: 45 + 30 s.
    expect(room.round.turn).toMatchObject({ seat: 'Ben', endsAt: room.now + 75_000 });
    room.must({ type: 'host:extraTime', playerId: 'ben', seconds: 0 }, HOST);
    expect(room.state.extraSeconds).toEqual({});
    room.must({ type: 'host:startRound' }, HOST);
    room.must({ type: 'node:endTurn' }, player('amy'));
    expect(room.round.turn).toMatchObject({ seat: 'Ben', endsAt: room.now + 45_000 });
    expect(foldRoom(room.log)).toEqual(room.state);
  });

  it('refuses an unknown player and anyone but the host', () => {
    const room = seated(turns);
    expect(room.refused({ type: 'host:extraTime', playerId: 'zed', seconds: 10 }, HOST)).toBe(
      'not_found',
    );
    expect(
      room.refused({ type: 'host:extraTime', playerId: 'amy', seconds: 10 }, player('amy')),
    ).toBe('forbidden');
  });
});
