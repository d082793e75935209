// grades.csv's rows: folded from a room's log, one per player per round, per-reason points.
import { describe, expect, it } from 'vitest';
import { publicLog } from '../../shared/room/index.ts';
import { parseScenario } from '../../shared/scenario.ts';
import { GRADE_HEADER, gradeRows, gradesCsv, safeText } from '../../shared/room/grades.ts';
import { asRoomStep, seedCase } from './case3.ts';
import { HOST, SYSTEM, TestRoom, player, seated } from './harness.ts';

const IDS: Record<string, string> = { Amy: 'amy', Ben: 'ben', Cal: 'cal', Dan: 'dan', Eva: 'eva' };

/** Case 3 played in a room, then ended by the host. */
function case3Room() {
  const room = seated({ endWhenChosen: false });
  room.must({ type: 'host:startRound' }, HOST);
  for (const step of seedCase(3).map(asRoomStep)) {
    if ('say' in step) room.must({ type: 'host:say', text: step.say }, HOST);
    else room.must(step.command, player(IDS[step.node]!));
  }
  room.must({ type: 'host:endRound' }, HOST);
  return room;
}

describe('grades', () => {
  it("gives case 3's players their points reason by reason, as the round summary does", () => {
    const room = case3Room();
    const rows = gradeRows(room.log);
    expect(rows.map((r) => r.seat)).toEqual(['Amy', 'Ben', 'Cal', 'Dan', 'Eva']);
    const scores = room.state.history[0]!.scores;
    for (const r of rows) {
      expect(r.round).toBe(1);
      expect(r.room).toBe('ABCDE');
      expect(r.points).toBe(scores.find((s) => s.playerId === r.playerId)?.points ?? 0);
      expect(r.requests).toBe(room.state.round!.stats.requestsBy[r.seat!] ?? 0);
      expect(r.predictionsAnswered).toBe(0);
    }
    // Eva got Barbie chosen: her own pick, with 6 requests for a quorum of 3 (the minimum).
    const eva = rows.find((r) => r.seat === 'Eva')!;
    expect(eva.requests).toBe(6);
    expect(eva.reasons).toEqual({ chosen: 10, carried: 0, pickWon: 0, fewMessages: 5, mistake: 0 });
    expect(eva.points).toBe(15);
    expect(rows.reduce((n, r) => n + r.points, 0)).toBeGreaterThan(0);
  });

  it('counts wrong answers, keeps watchers and people who left, and the round being played', () => {
    const room = new TestRoom({ acceptors: 'players', endWhenChosen: false }, { seats: 3 });
    const join = (newId: string, name: string, spectator = false) =>
      room.must({ type: 'room:join', code: 'ABCDE', newId, name, spectator }, SYSTEM);
    join('a', '=HYPERLINK("x")');
    join('b', 'Ben, "the" second');
    join('w', 'Watcher', true);
    room.must({ type: 'host:startRound' }, HOST);
    room.must({ type: 'node:newProposal', value: 'Dune' }, player('a'));
    room.must({ type: 'node:promiseRequest', to: 'Ben' }, player('a'));
    room.must({ type: 'node:answer', messageId: 1, answer: 'reject' }, player('b'));
    room.must({ type: 'room:leave', newId: 'x' }, player('b'));
    room.must({ type: 'host:endRound' }, HOST);
    room.must({ type: 'host:startRound' }, HOST);
    const rows = gradeRows(room.log);
    expect(rows.map((r) => [r.round, r.name, r.seat, r.points, r.mistakes, r.requests])).toEqual([
      [1, '=HYPERLINK("x")', 'Amy', 0, 0, 1],
      [1, 'Ben, "the" second', 'Ben', -2, 1, 0],
      // Round 2 is being played: Amy is in it, Ben left before it started.
      [2, '=HYPERLINK("x")', 'Amy', 0, 0, 0],
    ]);
    const csv = gradesCsv(rows);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(
      'room,round,player,seat,points,points: movie chosen,points: carried forward,points: pick won,' +
        'points: few messages,points: wrong answers,wrong acceptor answers,predictions answered,' +
        'predictions right,requests sent',
    );
    expect(GRADE_HEADER).toHaveLength(14);
    expect(lines[1]).toBe(`ABCDE,1,"'=HYPERLINK(""x"")",Amy,0,0,0,0,0,0,0,0,0,1`);
    expect(lines[2]).toBe(`ABCDE,1,"Ben, ""the"" second",Ben,-2,0,0,0,0,-2,1,0,0,0`);
    expect(lines).toHaveLength(5);
    expect(csv.endsWith('\r\n')).toBe(true);
  });

  it('leaves out a fogged round being played when given the public log', () => {
    const room = seated({ visibility: 'fog' });
    room.must({ type: 'host:startRound' }, HOST);
    room.must({ type: 'node:newProposal', value: 'Dune' }, player('amy'));
    expect(gradeRows(room.log)).toHaveLength(5);
    expect(gradeRows(publicLog(room.log))).toEqual([]);
    room.must({ type: 'host:endRound' }, HOST);
    expect(gradeRows(publicLog(room.log))).toHaveLength(5);
  });

  it("counts a guided demo's predictions, answered and right, watchers' too", () => {
    const room = seated();
    room.must(
      { type: 'room:join', code: 'ABCDE', newId: 'w', name: 'Wes', spectator: true },
      SYSTEM,
    );
    const demo = parseScenario({
      quorum: 2,
      nodes: ['Amy', 'Ben', 'Cal'],
      steps: [
        { node: 'Amy', do: 'newProposal', value: 'Up' },
        { ask: 'Will Ben promise?', choices: ['yes', 'no'], answer: 'yes' },
        { node: 'Amy', do: 'promiseRequest', to: 'Ben' },
      ],
    });
    room.must({ type: 'host:loadScenario', scenario: demo }, HOST);
    room.must({ type: 'host:demoNext' }, HOST);
    room.must({ type: 'host:demoNext' }, HOST);
    room.must({ type: 'player:predict', choice: 'yes' }, player('amy'));
    room.must({ type: 'player:predict', choice: 'no' }, player('ben'));
    room.must({ type: 'player:predict', choice: 'yes' }, player('w'));
    room.must({ type: 'host:demoNext' }, HOST);
    const rows = gradeRows(room.log);
    const of = (name: string) => rows.find((r) => r.name === name)!;
    expect([of('amy').predictionsAnswered, of('amy').predictionsRight]).toEqual([1, 1]);
    expect([of('ben').predictionsAnswered, of('ben').predictionsRight]).toEqual([1, 0]);
    expect([of('cal').predictionsAnswered, of('cal').predictionsRight]).toEqual([0, 0]);
    expect(of('Wes')).toMatchObject({ seat: null, predictionsAnswered: 1, predictionsRight: 1 });
  });

  it('makes formula-looking text safe and leaves other text alone', () => {
    for (const bad of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx'])
      expect(safeText(bad)).toBe(`'${bad}`);
    expect(safeText('Amy')).toBe('Amy');
    expect(safeText('')).toBe('');
  });
});
