// The host's fault commands in a room (shared/room/commands.ts, decide.ts): who may
// send them, that they go through the engine's rules, and what the room prints.
import { describe, expect, it } from 'vitest';
import { foldRoom, roomTranscript, transcriptText } from '../../shared/room/index.ts';
import { seatView } from '../../shared/room/visibility.ts';
import type { RoomCommand } from '../../shared/room/index.ts';
import type { TestRoom } from './harness.ts';
import { HOST, SYSTEM, player, seated } from './harness.ts';

const FAULTS: RoomCommand[] = [
  { type: 'host:hold', node: 'Cal' },
  { type: 'host:delay', to: 'Ben', steps: 2 },
  { type: 'host:partition', groups: [['Amy', 'Ben']] },
  { type: 'host:crash', node: 'Cal' },
  { type: 'host:heal' },
  { type: 'host:recover', node: 'Cal', memory: 'kept' },
  { type: 'host:release' },
];

/** Prints of one room event's engine events, as the room's transcript has them. */
const printed = (room: TestRoom, from: number) =>
  transcriptText(roomTranscript(room.log).filter((l) => l.seq > from));

describe('room: the host’s faults', () => {
  it('only the host may send them', () => {
    const room = seated();
    room.must({ type: 'host:startRound' }, HOST);
    for (const command of [...FAULTS, { type: 'host:step' } as RoomCommand]) {
      expect(room.refused(command, player('amy'))).toBe('forbidden');
      expect(room.refused(command, SYSTEM)).toBe('forbidden');
    }
  });

  it('they need a round being played', () => {
    const room = seated();
    expect(room.refused({ type: 'host:crash', node: 'Cal' }, HOST)).toBe('conflict');
  });

  it('each becomes one engine event, by the host (by: null), and the room folds to the same state', () => {
    const room = seated();
    room.must({ type: 'host:startRound' }, HOST);
    for (const command of FAULTS) {
      const done = room.must(command, HOST);
      expect(done.events).toHaveLength(1);
      expect(done.events[0]).toMatchObject({ type: 'paxos', by: null });
    }
    expect(foldRoom(room.log)).toEqual(room.state);
    expect(room.round.paxos.network).toMatchObject({
      holds: [],
      delays: [],
      partition: null,
      crashed: [],
    });
  });

  it('a crashed seat’s moves are refused with the engine’s words; messages to it are lost and printed', () => {
    const room = seated();
    room.must({ type: 'host:startRound' }, HOST);
    room.must({ type: 'host:crash', node: 'Cal' }, HOST);
    const refused = room.run({ type: 'node:newProposal', value: 'Dune' }, player('cal'));
    expect(refused).toEqual({
      ok: false,
      error: {
        code: 'conflict',
        message: 'Cal has crashed: a crashed node sends nothing until it recovers.',
      },
    });
    room.must({ type: 'node:newProposal', value: 'Dune' }, player('amy'));
    const seq = room.state.seq;
    room.must({ type: 'node:promiseRequest', to: 'Cal' }, player('amy'));
    expect(printed(room, seq)).toBe(
      '~ #1 PROMISE Request(p: 1) from Amy to Cal is in flight\n' +
        '~ #1 PROMISE Request(p: 1) from Amy to Cal was lost: Cal has crashed\n',
    );
  });

  it('hold mid-round, step one message at a time, release: a round can be played by steps', () => {
    const room = seated();
    room.must({ type: 'host:startRound' }, HOST);
    room.must({ type: 'host:hold' }, HOST);
    room.must({ type: 'node:propose', value: 'Dune', to: ['Amy', 'Ben', 'Cal'] }, player('amy'));
    expect(room.round.paxos.inFlight).toHaveLength(3);
    let steps = 0;
    while (room.state.round?.status === 'playing' && room.run({ type: 'host:step' }, HOST).ok) {
      steps++;
    }
    // 3 promise requests, 3 replies, 3 accept requests, 3 replies: the round ends when chosen.
    expect(steps).toBe(12);
    expect(room.state.round!.status).toBe('ended');
    expect(room.state.history.at(-1)!.chosen.map((c) => c.value)).toEqual(['Dune']);
    expect(transcriptText(roomTranscript(room.log))).toContain('~ step 12\n');
  });

  it('a crash with amnesia can make two movies chosen, and the round’s findings explain it', () => {
    const room = seated({ endWhenChosen: false });
    room.must({ type: 'host:startRound' }, HOST);
    room.must({ type: 'node:propose', value: 'Dune', to: ['Amy', 'Ben', 'Cal'] }, player('amy'));
    room.must({ type: 'host:crash', node: 'Cal' }, HOST);
    room.must({ type: 'host:recover', node: 'Cal', memory: 'lost' }, HOST);
    room.must({ type: 'node:propose', value: 'Heat', to: ['Cal', 'Dan', 'Eva'] }, player('eva'));
    const { paxos } = room.round;
    expect(paxos.chosen.map((c) => c.value)).toEqual(['Dune', 'Heat']);
    expect(paxos.findings.map((f) => f.kind)).toEqual(['forgot_accepted', 'two_values_chosen']);
    expect(paxos.findings[0]!.explanation).toMatch(
      /^Cal forgot that it had accepted Dune in proposal 1 and promised Eva instead/,
    );
  });

  it('the engine’s refusals come back as the room’s, and change nothing', () => {
    const room = seated();
    room.must({ type: 'host:startRound' }, HOST);
    expect(room.refused({ type: 'host:heal' }, HOST)).toBe('conflict');
    expect(room.refused({ type: 'host:release' }, HOST)).toBe('conflict');
    expect(room.refused({ type: 'host:recover', node: 'Ben', memory: 'kept' }, HOST)).toBe(
      'conflict',
    );
    expect(room.refused({ type: 'host:step' }, HOST)).toBe('conflict');
    expect(room.refused({ type: 'host:step', messageId: 9 }, HOST)).toBe('not_found');
    expect(room.refused({ type: 'host:partition', groups: [['Amy'], ['Amy']] }, HOST)).toBe(
      'bad_request',
    );
  });

  it('under fog a seat sees the partition and crashes, but not what others forgot or their delays', () => {
    const room = seated({ visibility: 'fog', endWhenChosen: false });
    room.must({ type: 'host:startRound' }, HOST);
    room.must({ type: 'node:propose', value: 'Dune', to: ['Amy', 'Ben', 'Cal'] }, player('amy'));
    room.must({ type: 'host:crash', node: 'Cal' }, HOST);
    room.must({ type: 'host:recover', node: 'Cal', memory: 'lost' }, HOST);
    room.must({ type: 'host:delay', from: 'Eva', steps: 3 }, HOST);
    room.must(
      {
        type: 'host:partition',
        groups: [
          ['Amy', 'Ben'],
          ['Cal', 'Dan', 'Eva'],
        ],
      },
      HOST,
    );
    room.must({ type: 'node:newProposal', value: 'Heat' }, player('eva'));
    room.must({ type: 'node:promiseRequest', to: 'Dan' }, player('eva'));
    const full = room.round.paxos.network!;
    expect(full.forgotten.map((f) => f.node)).toEqual(['Cal']);
    expect(full.due).toHaveLength(1);
    const ben = seatView(room.state, 'Ben').round!.paxos.network!;
    expect(ben.partition).toEqual(full.partition);
    expect(ben.forgotten).toEqual([]);
    expect(ben.due).toEqual([]);
    const cal = seatView(room.state, 'Cal').round!.paxos.network!;
    expect(cal.forgotten.map((f) => f.node)).toEqual(['Cal']);
    expect(seatView(room.state, 'Dan').round!.paxos.network!.due).toEqual(full.due);
  });
});
