// The dashboard's table summaries and the class's grades, from real rooms played by the room engine.
import { describe, expect, it } from 'vitest';
import {
  attention,
  CLASS_PREDICTION_POINTS,
  classGradeRows,
  classGradesCsv,
  decideClass,
  evolveClass,
  IDLE_MS,
  summaryChanged,
  tableSummary,
} from '../../shared/class/index.ts';
import type {
  ClassActor,
  ClassCommand,
  ClassState,
  TableSummary,
} from '../../shared/class/index.ts';
import { DEFAULT_MOVIES, DEFAULT_RULES, execute, foldRoom } from '../../shared/room/index.ts';
import type { Actor, Envelope, RoomCommand, RoomState } from '../../shared/room/index.ts';
import { GRADE_HEADER, gradeRows, gradesCsv } from '../../shared/room/grades.ts';
import { asRoomStep, seedCase } from '../room/case3.ts';

const HOST: Actor = { role: 'host' };
const SYSTEM: Actor = { role: 'system' };
const C_HOST: ClassActor = { role: 'host' };
const C_SYSTEM: ClassActor = { role: 'system' };
const NODES = ['Amy', 'Ben', 'Cal', 'Dan', 'Eva'];

/** A table's room, driven through the room engine like the server does. */
class Table {
  log: Envelope[];
  state: RoomState;
  now = 1_000_000;
  constructor(readonly code: string) {
    this.log = [
      {
        seq: 1,
        at: this.now,
        event: {
          type: 'roomCreated',
          code,
          settings: {
            movies: DEFAULT_MOVIES,
            seats: 5,
            quorum: null,
            delivery: 'instant',
            valueRule: 'seed',
            rules: { ...DEFAULT_RULES, endWhenChosen: false },
          },
        },
      },
    ];
    this.state = foldRoom(this.log);
  }
  must(command: RoomCommand, actor: Actor) {
    const done = execute(this.state, command, actor, this.now);
    if (!done.ok) throw new Error(`${command.type} refused: ${done.error.message}`);
    this.log.push(...done.envelopes);
    this.state = done.state;
  }
  /** Case 3 of the seed, played by the table's five players (their ids: code + node). */
  playCase3() {
    for (const step of seedCase(3).map(asRoomStep)) {
      if ('say' in step) continue;
      this.must(step.command, { role: 'player', playerId: `${this.code}-${step.node}` });
    }
  }
}

/** A class of 30 students at 6 tables of 5, driven through decide and evolve. */
function playedClass() {
  let cls: ClassState = evolveClass(null, {
    seq: 1,
    at: 0,
    event: {
      type: 'classCreated',
      code: '424242',
      title: 'Paxos',
      settings: { ...foldRoom(new Table('AAAAA').log).settings },
    },
  });
  const run = (command: ClassCommand, actor: ClassActor) => {
    const d = decideClass(cls, command, actor);
    if (!d.ok) throw new Error(d.error.message);
    for (const event of d.events) cls = evolveClass(cls, { seq: cls.seq + 1, at: cls.seq, event });
  };
  for (let i = 1; i <= 30; i++)
    run({ type: 'join', name: `Student ${i}`, newId: `s${i}` }, C_SYSTEM);
  // A poll before the first round: its points go to round 0.
  run({ type: 'ask', text: 'Ready?', choices: ['yes', 'no'] }, C_HOST);
  run({ type: 'answer', choice: 'yes' }, { role: 'student', studentId: 's1' });
  run({ type: 'reveal' }, C_HOST);
  const tables = ['AAAAA', 'BBBBB', 'CCCCC', 'DDDDD', 'EEEEE', 'FFFFF'].map((c) => new Table(c));
  tables.forEach((t, ti) => {
    run({ type: 'tableOpened', code: t.code }, C_SYSTEM);
    NODES.forEach((node, ni) => {
      const studentId = `s${ti * 5 + ni + 1}`;
      const playerId = `${t.code}-${node}`;
      t.must(
        { type: 'room:join', code: t.code, newId: playerId, name: studentId, spectator: false },
        SYSTEM,
      );
      run({ type: 'seated', studentId, table: t.code, playerId, seat: node }, C_SYSTEM);
    });
  });
  for (const round of [1, 2]) {
    for (const t of tables) t.must({ type: 'host:startRound' }, HOST);
    run({ type: 'roundStarted', tables: tables.map((t) => ({ code: t.code, round })) }, C_SYSTEM);
    if (round === 1) {
      // A question with a key in round 1: s1 right, s2 wrong, s3 right after changing.
      run(
        { type: 'ask', text: 'Which wins?', choices: ['Barbie', 'Dune'], answer: 'Barbie' },
        C_HOST,
      );
      run({ type: 'answer', choice: 'Barbie' }, { role: 'student', studentId: 's1' });
      run({ type: 'answer', choice: 'Dune' }, { role: 'student', studentId: 's2' });
      run({ type: 'answer', choice: 'Dune' }, { role: 'student', studentId: 's3' });
      run({ type: 'answer', choice: 'Barbie' }, { role: 'student', studentId: 's3' });
      run({ type: 'reveal' }, C_HOST);
      tables[0]!.playCase3();
    }
    for (const t of tables) t.must({ type: 'host:endRound' }, HOST);
  }
  return { cls, tables };
}

describe('class grades', () => {
  it("has one row per student per class round, the rooms' points plus class predictions", () => {
    const { cls, tables } = playedClass();
    const rows = classGradeRows(cls, tables);
    expect(rows.filter((r) => r.round === 0)).toHaveLength(30);
    expect(rows.filter((r) => r.round === 1)).toHaveLength(30);
    expect(rows.filter((r) => r.round === 2)).toHaveLength(30);
    expect(rows).toHaveLength(90);
    const row = (round: number, name: string) =>
      rows.find((r) => r.round === round && r.name === `Student ${name.slice(1)}`)!;
    // The poll before round 1: every answer is right.
    expect(row(0, 's1').points).toBe(CLASS_PREDICTION_POINTS);
    expect(row(0, 's1').room).toBe('');
    expect(row(0, 's2')).toMatchObject({ points: 0, predictionsAnswered: 0 });
    // Round 1 at table AAAAA: the room's own points for case 3, plus the class's question.
    const roomRows = gradeRows(tables[0]!.log).filter((r) => r.round === 1);
    const own = (seat: string) => roomRows.find((r) => r.seat === seat)!.points;
    expect(roomRows.some((r) => r.points > 0)).toBe(true);
    expect(row(1, 's1')).toMatchObject({
      room: 'AAAAA',
      seat: 'Amy',
      points: own('Amy') + CLASS_PREDICTION_POINTS,
      predictionsAnswered: 1,
      predictionsRight: 1,
    });
    expect(row(1, 's2')).toMatchObject({
      points: own('Ben'),
      predictionsAnswered: 1,
      predictionsRight: 0,
    });
    expect(row(1, 's3').points).toBe(own('Cal') + CLASS_PREDICTION_POINTS);
    expect(row(2, 's30')).toMatchObject({ room: 'FFFFF', seat: 'Eva', round: 2 });
    const csv = classGradesCsv(rows);
    expect(csv.split('\r\n')[0]).toBe(GRADE_HEADER.join(','));
    expect(csv).toBe(gradesCsv(rows));
    expect(csv.split('\r\n')).toHaveLength(92);
  });
});

describe('table summary', () => {
  it('sums up a real room: round, chosen movie, mistakes, idle seats', () => {
    const t = new Table('AAAAA');
    const table = { code: 'AAAAA', index: 1 };
    for (const node of NODES) {
      t.must(
        { type: 'room:join', code: 'AAAAA', newId: `AAAAA-${node}`, name: node, spectator: false },
        SYSTEM,
      );
    }
    const lobby = tableSummary(table, t.state, new Map(), t.now);
    expect(lobby).toMatchObject({
      status: 'lobby',
      round: 0,
      chosen: [],
      findings: 0,
      messages: 0,
    });
    expect(lobby.players.map((p) => p.seat)).toEqual(NODES);
    // In seat order whatever the order they joined in (a bot taking a kicked seat joins last).
    const shuffled = { ...t.state, players: [...t.state.players].reverse() };
    expect(tableSummary(table, shuffled, new Map(), t.now).players.map((p) => p.seat)).toEqual(
      NODES,
    );
    t.must({ type: 'host:startRound' }, HOST);
    t.playCase3();
    const active = new Map([['AAAAA-Amy', t.now]]);
    const played = tableSummary(table, t.state, active, t.now + IDLE_MS);
    expect(played).toMatchObject({ status: 'playing', round: 1, findings: 0, mistakes: 0 });
    expect(played.chosen).toEqual(t.state.round!.paxos.chosen.map((c) => c.value));
    expect(played.chosen.length).toBeGreaterThan(0);
    // Every message of the round counts (case 3 sends its requests and the replies).
    expect(played.messages).toBe(t.state.round!.paxos.nextMessageId - 1);
    expect(played.messages).toBeGreaterThan(10);
    expect(played.players.find((p) => p.seat === 'Amy')!.idle).toBe(true);
    const fresh = tableSummary(
      table,
      t.state,
      new Map([['AAAAA-Amy', t.now + 1]]),
      t.now + IDLE_MS,
    );
    expect(fresh.players.find((p) => p.seat === 'Amy')!.idle).toBe(false);
    expect(summaryChanged(played, { ...played, seq: played.seq + 5 })).toBe(false);
    expect(summaryChanged(played, fresh)).toBe(true);
    expect(summaryChanged(undefined, fresh)).toBe(true);
    // A demo of three nodes at a table of five: Dan and Eva sit it out, and are never idle.
    const round = t.state.round!;
    const three = {
      ...t.state,
      round: {
        ...round,
        paxos: {
          ...round.paxos,
          config: { ...round.paxos.config, nodes: ['Amy', 'Ben', 'Cal'] },
        },
      },
    };
    const demo = tableSummary(table, three, new Map(), t.now + IDLE_MS);
    expect(demo.players.filter((p) => p.sitsOut).map((p) => p.seat)).toEqual(['Dan', 'Eva']);
    expect(demo.players.filter((p) => p.idle).map((p) => p.seat)).toEqual(['Amy', 'Ben', 'Cal']);
    expect(played.players.some((p) => p.sitsOut)).toBe(false);
    t.must({ type: 'host:endRound' }, HOST);
    const ended = tableSummary(table, t.state, new Map(), t.now + 10 * IDLE_MS);
    expect(ended.status).toBe('ended');
    expect(ended.players.some((p) => p.idle)).toBe(false);
  });

  it('says why a table needs the instructor: safety first, then who is gone or idle', () => {
    const seat = (name: string, over: Partial<TableSummary['players'][number]> = {}) => ({
      seat: name,
      name,
      playerId: name,
      bot: false,
      connected: true,
      idle: false,
      sitsOut: false,
      ...over,
    });
    const calm: TableSummary = {
      code: 'AAAAA',
      index: 1,
      seq: 9,
      round: 1,
      status: 'playing',
      paused: false,
      turn: null,
      chosen: ['Dune'],
      findings: 0,
      mistakes: 4,
      messages: 12,
      players: [seat('Amy'), seat('Ben'), seat('Cal', { bot: true, connected: false })],
    };
    // Mistakes and an offline bot call for nobody.
    expect(attention(calm)).toEqual([]);
    expect(attention({ ...calm, findings: 2 })).toEqual(['2 findings']);
    expect(attention({ ...calm, chosen: ['Dune', 'Barbie'], findings: 1 })).toEqual([
      'safety broken',
    ]);
    const people = [
      seat('Amy', { connected: false, idle: true }),
      seat('Ben', { idle: true }),
      seat('Cal', { connected: false }),
    ];
    expect(attention({ ...calm, findings: 1, players: people })).toEqual([
      '1 finding',
      '2 offline',
      '1 idle',
    ]);
  });
});
