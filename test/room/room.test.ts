import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkInvariants } from '../../shared/paxos/index.ts';
import { roomSettings } from '../../shared/protocol/schemas.ts';
import { foldRoom, roomTranscript, transcriptText } from '../../shared/room/index.ts';
import { HOST, SYSTEM, player, seated } from './harness.ts';
import { asRoomStep, seedCase } from './case3.ts';

describe('room engine', () => {
  it('seats players in friend order and folds to the same state as it went', () => {
    const room = seated();
    expect(room.state.players.map((p) => p.seat)).toEqual(['Amy', 'Ben', 'Cal', 'Dan', 'Eva']);
    expect(foldRoom(room.log)).toEqual(room.state);
  });

  it("plays the seed's case 3 and prints the scenario's transcript", () => {
    // The notebook keeps going after a value is chosen: so must this room.
    const room = seated({ endWhenChosen: false });
    expect(room.run({ type: 'host:startRound' }, HOST).ok).toBe(true);
    const ids: Record<string, string> = {
      Amy: 'amy',
      Ben: 'ben',
      Cal: 'cal',
      Dan: 'dan',
      Eva: 'eva',
    };
    for (const step of seedCase(3).map(asRoomStep)) {
      const decision =
        'say' in step
          ? room.run({ type: 'host:say', text: step.say }, HOST)
          : room.run(step.command, player(ids[step.node]!));
      expect(decision.ok).toBe(true);
    }
    const golden = readFileSync(new URL('../golden/seed-case-3.txt', import.meta.url), 'utf8');
    expect(transcriptText(roomTranscript(room.log))).toBe(golden);
    expect(room.state.round!.paxos.chosen.map((c) => c.value)).toEqual(['Barbie']);
  });

  it('a player acts only as their own node', () => {
    const room = seated();
    room.run({ type: 'host:startRound' }, HOST);
    room.run({ type: 'node:newProposal', value: 'Dune' }, player('ben'));
    expect(room.state.round!.paxos.proposers.Ben!.value).toBe('Dune');
    expect(room.state.round!.paxos.proposers.Amy!.value).toBe(null);
  });

  it('only the host runs host commands', () => {
    const room = seated();
    const before = room.state;
    for (const command of [
      { type: 'host:startRound' },
      { type: 'host:close' },
      { type: 'host:kick', playerId: 'amy' },
    ] as const) {
      const d = room.run(command, player('ben'));
      expect(d.ok ? null : d.error.code).toBe('forbidden');
    }
    expect(room.state).toBe(before);
  });

  it('refuses a duplicate name, ignoring case', () => {
    const room = seated();
    const d = room.run(
      { type: 'room:join', code: 'ABCDE', newId: 'x', name: 'AMY', spectator: false },
      SYSTEM,
    );
    expect(d.ok ? null : d.error.code).toBe('conflict');
  });

  it('a sixth player becomes a spectator and cannot act', () => {
    const room = seated();
    room.run(
      { type: 'room:join', code: 'ABCDE', newId: 'fay', name: 'fay', spectator: false },
      SYSTEM,
    );
    room.run({ type: 'host:startRound' }, HOST);
    expect(room.state.players.find((p) => p.id === 'fay')!.seat).toBe(null);
    const d = room.run({ type: 'node:newProposal', value: 'Dune' }, player('fay'));
    expect(d.ok ? null : d.error.code).toBe('forbidden');
  });

  it("an accept request without a promise quorum is refused with the seed's line", () => {
    const room = seated();
    room.run({ type: 'host:startRound' }, HOST);
    room.run({ type: 'node:newProposal', value: 'Dune' }, player('amy'));
    const d = room.run({ type: 'node:acceptRequest', to: 'Ben' }, player('amy'));
    expect(d.ok ? null : d.error).toMatchObject({
      code: 'conflict',
      seedLine: 'No promise quorum - cannot send accept request',
    });
  });

  it('a new round is a fresh Paxos instance and the last one is summarised', () => {
    const room = seated();
    room.run({ type: 'host:startRound' }, HOST);
    room.run({ type: 'node:propose', value: 'Dune', to: ['Amy', 'Ben', 'Cal'] }, player('amy'));
    room.run({ type: 'host:startRound' }, HOST);
    expect(room.state.round!.number).toBe(2);
    expect(room.state.round!.paxos.proposalCounter).toBe(0);
    expect(room.state.history).toHaveLength(1);
    expect(room.state.history[0]!.chosen.map((c) => c.value)).toEqual(['Dune']);
    expect(transcriptText(roomTranscript(room.log))).toContain(
      'Amy chose : Dune\n\n=== Round 2 ===\n',
    );
  });

  it('the host renames the room: one event, the title in the state, and only the host may', () => {
    const room = seated();
    expect(room.refused({ type: 'host:rename', title: 'Movie night' }, player('amy'))).toBe(
      'forbidden',
    );
    const d = room.must({ type: 'host:rename', title: 'Movie night' }, HOST);
    expect(d.events).toEqual([{ type: 'roomRenamed', title: 'Movie night' }]);
    expect(room.state.title).toBe('Movie night');
    // The same title again changes nothing.
    expect(room.must({ type: 'host:rename', title: 'Movie night' }, HOST).events).toEqual([]);
    expect(foldRoom(room.log)).toEqual(room.state);
    room.must({ type: 'host:close' }, HOST);
    expect(room.refused({ type: 'host:rename', title: 'Later' }, HOST)).toBe('conflict');
  });

  it('a quorum one above the seats plays, as in the notebook: nothing is chosen, and the findings say why', () => {
    const room = seated({}, { quorum: 6 });
    room.must({ type: 'host:startRound' }, HOST);
    room.must({ type: 'node:newProposal', value: 'Dune' }, player('amy'));
    for (const to of ['Amy', 'Ben', 'Cal', 'Dan', 'Eva'])
      room.must({ type: 'node:promiseRequest', to }, player('amy'));
    expect(room.refused({ type: 'node:acceptRequest', to: 'Ben' }, player('amy'))).toBe('conflict');
    expect(room.round.paxos.chosen).toEqual([]);
    expect(checkInvariants(room.round.paxos).map((f) => f.kind)).toEqual(['quorum_above_nodes']);
    expect(
      room.refused(
        { type: 'host:settings', settings: { ...roomSettings.parse({}), quorum: 7 } },
        HOST,
      ),
    ).toBe('bad_request');
  });
});
