// The class engine: decide's rules and refusals, the fold, seating and the student's view.
import { describe, expect, it } from 'vitest';
import {
  decideClass,
  evolveClass,
  foldClass,
  planSeating,
  studentView,
  questionTally,
  nicknameKey,
  balancedSizes,
  MAX_CLASS_STUDENTS,
} from '../../shared/class/index.ts';
import type {
  ClassActor,
  ClassCommand,
  ClassEnvelope,
  ClassState,
} from '../../shared/class/index.ts';
import { DEFAULT_MOVIES } from '../../shared/room/settings.ts';

const HOST: ClassActor = { role: 'host' };
const SYSTEM: ClassActor = { role: 'system' };
const student = (studentId: string): ClassActor => ({ role: 'student', studentId });
const SETTINGS = {
  movies: DEFAULT_MOVIES,
  seats: 5,
  quorum: null,
  delivery: 'manual',
  valueRule: 'paxos',
} as unknown as ClassState['settings'];

/** A class driven through decide and evolve, keeping its log like the server does. */
class TestClass {
  log: ClassEnvelope[] = [];
  state: ClassState;
  constructor(seats = 5) {
    const env = {
      seq: 1,
      at: 1000,
      event: {
        type: 'classCreated' as const,
        code: '123456',
        title: 'Distributed systems',
        settings: { ...SETTINGS, seats },
      },
    };
    this.log.push(env);
    this.state = evolveClass(null, env);
  }
  run(command: ClassCommand, actor: ClassActor) {
    const d = decideClass(this.state, command, actor);
    if (d.ok) {
      for (const event of d.events) {
        const env = { seq: this.state.seq + 1, at: 1000 + this.state.seq, event };
        this.log.push(env);
        this.state = evolveClass(this.state, env);
      }
    }
    return d;
  }
  must(command: ClassCommand, actor: ClassActor) {
    const d = this.run(command, actor);
    if (!d.ok) throw new Error(d.error.message);
    return d.events;
  }
  refused(command: ClassCommand, actor: ClassActor) {
    const d = this.run(command, actor);
    if (d.ok) throw new Error(`${command.type} was not refused`);
    return d.error;
  }
  join(n: number) {
    const from = this.state.students.length;
    for (let i = from; i < from + n; i++) {
      this.must({ type: 'join', name: `Student ${i + 1}`, newId: `s${i + 1}` }, SYSTEM);
    }
  }
}

describe('nicknameKey', () => {
  it('compares nicknames with NFKC, case and spaces folded', () => {
    expect(nicknameKey('  ＡＬＩＣＥ   Smith ')).toBe('alice smith');
    expect(nicknameKey('Bob')).not.toBe(nicknameKey('Bobby'));
  });
});

describe('join', () => {
  it('adds students in join order and refuses a taken nickname', () => {
    const c = new TestClass();
    c.must({ type: 'join', name: 'Alice', newId: 'a' }, SYSTEM);
    expect(c.refused({ type: 'join', name: ' alice ', newId: 'b' }, SYSTEM)).toEqual({
      code: 'conflict',
      message: 'Someone in the class already uses that nickname: pick another.',
    });
    c.must({ type: 'join', name: 'Bob', newId: 'b' }, SYSTEM);
    expect(c.state.students.map((s) => s.id)).toEqual(['a', 'b']);
    expect(c.refused({ type: 'join', name: '   ', newId: 'x' }, SYSTEM).code).toBe('bad_request');
  });

  it('refuses everyone new while locked, and lets them in once unlocked', () => {
    const c = new TestClass();
    c.must({ type: 'lock', locked: true }, HOST);
    expect(c.must({ type: 'lock', locked: true }, HOST)).toEqual([]);
    expect(c.refused({ type: 'join', name: 'Alice', newId: 'a' }, SYSTEM)).toEqual({
      code: 'forbidden',
      message: 'This class is locked: ask the instructor.',
    });
    c.must({ type: 'lock', locked: false }, HOST);
    c.must({ type: 'join', name: 'Alice', newId: 'a' }, SYSTEM);
  });

  it('bars a kicked nickname for good, but frees it for nobody else either', () => {
    const c = new TestClass();
    c.must({ type: 'join', name: 'Troll', newId: 't' }, SYSTEM);
    c.must({ type: 'kick', studentId: 't' }, HOST);
    expect(c.state.banned).toEqual(['troll']);
    expect(c.refused({ type: 'join', name: 'TROLL ', newId: 'u' }, SYSTEM)).toEqual({
      code: 'forbidden',
      message: 'That nickname was removed from this class.',
    });
    expect(c.must({ type: 'kick', studentId: 't' }, HOST)).toEqual([]);
    expect(c.refused({ type: 'kick', studentId: 'nobody' }, HOST).code).toBe('not_found');
  });

  it('refuses a join once the class is full', () => {
    const c = new TestClass();
    c.join(MAX_CLASS_STUDENTS);
    expect(c.refused({ type: 'join', name: 'Late', newId: 'late' }, SYSTEM).code).toBe('conflict');
  });
});

describe('instructor-only commands', () => {
  const hostOnly: ClassCommand[] = [
    { type: 'ask', text: 'Q?', choices: ['a', 'b'] },
    { type: 'reveal' },
    { type: 'lock', locked: true },
    { type: 'hideCode', hidden: true },
    { type: 'project', table: null },
    { type: 'settings', settings: SETTINGS },
    { type: 'kick', studentId: 's2' },
    { type: 'rename', studentId: 's2', name: 'X' },
    { type: 'extraTime', studentId: 's1', seconds: 30 },
    { type: 'pause', paused: true },
    { type: 'roundStarted', tables: [] },
    { type: 'tableOpened', code: 'ABCDE' },
    { type: 'seated', studentId: 's1', table: 'ABCDE', playerId: 'p', seat: 'Amy' },
  ];
  for (const command of hostOnly) {
    it(`refuses ${command.type} from a student`, () => {
      const c = new TestClass();
      c.join(2);
      expect(c.refused(command, student('s1'))).toEqual({
        code: 'forbidden',
        message: 'Only the instructor can do that.',
      });
    });
  }

  it('hides the code, projects a table of the class only, pauses, changes settings', () => {
    const c = new TestClass();
    c.must({ type: 'hideCode', hidden: true }, HOST);
    expect(c.state.codeHidden).toBe(true);
    expect(c.refused({ type: 'project', table: 'ZZZZZ' }, HOST).code).toBe('not_found');
    c.must({ type: 'tableOpened', code: 'ABCDE' }, SYSTEM);
    c.must({ type: 'project', table: 'ABCDE' }, HOST);
    expect(c.state.projected).toBe('ABCDE');
    expect(c.must({ type: 'project', table: 'ABCDE' }, HOST)).toEqual([]);
    c.must({ type: 'pause', paused: true }, SYSTEM);
    expect(c.state.paused).toBe(true);
    expect(c.must({ type: 'pause', paused: true }, HOST)).toEqual([]);
    c.must({ type: 'settings', settings: { ...SETTINGS, seats: 4 } }, HOST);
    expect(c.state.settings.seats).toBe(4);
  });

  it('renames unless another student uses the name; gives bounded extra time', () => {
    const c = new TestClass();
    c.join(2);
    expect(c.refused({ type: 'rename', studentId: 's1', name: 'student 2' }, HOST).code).toBe(
      'conflict',
    );
    c.must({ type: 'rename', studentId: 's1', name: 'Ada' }, HOST);
    expect(c.state.students[0]!.name).toBe('Ada');
    expect(c.must({ type: 'rename', studentId: 's1', name: 'Ada' }, HOST)).toEqual([]);
    c.must({ type: 'extraTime', studentId: 's2', seconds: 30 }, HOST);
    expect(c.state.students[1]!.extraSeconds).toBe(30);
    expect(c.refused({ type: 'extraTime', studentId: 's2', seconds: -1 }, HOST).code).toBe(
      'bad_request',
    );
  });

  it('numbers tables and class rounds, and seats students at tables of the class', () => {
    const c = new TestClass();
    c.join(1);
    c.must({ type: 'tableOpened', code: 'AAAAA' }, SYSTEM);
    c.must({ type: 'tableOpened', code: 'BBBBB' }, HOST);
    expect(c.state.tables).toEqual([
      { code: 'AAAAA', index: 1 },
      { code: 'BBBBB', index: 2 },
    ]);
    expect(c.refused({ type: 'tableOpened', code: 'AAAAA' }, SYSTEM).code).toBe('conflict');
    const seat = { type: 'seated', studentId: 's1', playerId: 'p1', seat: 'Amy' } as const;
    expect(c.refused({ ...seat, table: 'CCCCC' }, SYSTEM).code).toBe('not_found');
    c.must({ ...seat, table: 'BBBBB' }, SYSTEM);
    expect(c.state.students[0]).toMatchObject({ table: 'BBBBB', playerId: 'p1', seat: 'Amy' });
    const [started] = c.must(
      { type: 'roundStarted', tables: [{ code: 'BBBBB', round: 1 }] },
      SYSTEM,
    );
    expect(started).toMatchObject({ type: 'classRoundStarted', round: 1 });
    c.must({ type: 'roundStarted', tables: [{ code: 'BBBBB', round: 2 }] }, SYSTEM);
    expect(c.state.round).toBe(2);
    expect(c.state.rounds).toEqual([[{ code: 'BBBBB', round: 1 }], [{ code: 'BBBBB', round: 2 }]]);
  });
});

describe('questions', () => {
  it('asks with the key among the choices, numbers questions, and a new one replaces an open one', () => {
    const c = new TestClass();
    expect(
      c.refused({ type: 'ask', text: 'Q?', choices: ['a', 'b'], answer: 'c' }, HOST).code,
    ).toBe('bad_request');
    expect(c.refused({ type: 'ask', text: 'Q?', choices: ['a'] }, HOST).code).toBe('bad_request');
    c.must({ type: 'ask', text: 'Q1?', choices: ['a', 'b'], answer: 'a' }, HOST);
    c.must({ type: 'ask', text: 'Q2?', choices: ['x', 'y'] }, HOST);
    expect(c.state.questions.map((q) => [q.id, q.answer, q.revealed])).toEqual([
      [1, 'a', false],
      [2, null, false],
    ]);
  });

  it('lets a student change their answer until the reveal, then refuses', () => {
    const c = new TestClass();
    c.join(3);
    expect(c.refused({ type: 'answer', choice: 'a' }, student('s1')).code).toBe('conflict');
    expect(c.refused({ type: 'reveal' }, HOST).code).toBe('conflict');
    c.must({ type: 'ask', text: 'Which?', choices: ['a', 'b', 'c'], answer: 'b' }, HOST);
    expect(c.refused({ type: 'answer', choice: 'z' }, student('s1')).code).toBe('bad_request');
    expect(c.refused({ type: 'answer', choice: 'a' }, HOST).code).toBe('forbidden');
    c.must({ type: 'answer', choice: 'a' }, student('s1'));
    c.must({ type: 'answer', choice: 'b' }, student('s1'));
    expect(c.must({ type: 'answer', choice: 'b' }, student('s1'))).toEqual([]);
    c.must({ type: 'answer', choice: 'b' }, student('s2'));
    c.must({ type: 'answer', choice: 'c' }, student('s3'));
    expect(questionTally(c.state.questions[0]!)).toEqual({ a: 0, b: 2, c: 1 });
    c.must({ type: 'reveal' }, HOST);
    expect(c.refused({ type: 'reveal' }, HOST).code).toBe('conflict');
    expect(c.refused({ type: 'answer', choice: 'a' }, student('s1'))).toEqual({
      code: 'conflict',
      message: 'The answer was already revealed.',
    });
  });

  it('refuses a kicked student, and drops their answer from the open question', () => {
    const c = new TestClass();
    c.join(2);
    c.must({ type: 'ask', text: 'Which?', choices: ['a', 'b'] }, HOST);
    c.must({ type: 'answer', choice: 'a' }, student('s1'));
    c.must({ type: 'kick', studentId: 's1' }, HOST);
    expect(c.state.questions[0]!.answers).toEqual({});
    expect(c.refused({ type: 'answer', choice: 'a' }, student('s1')).code).toBe('forbidden');
  });

  it('shows a student only their own answer, and the key and counts after the reveal', () => {
    const c = new TestClass();
    c.join(2);
    c.must({ type: 'ask', text: 'Which?', choices: ['a', 'b'], answer: 'b' }, HOST);
    c.must({ type: 'answer', choice: 'a' }, student('s1'));
    c.must({ type: 'answer', choice: 'b' }, student('s2'));
    const before = studentView(c.state, 's1');
    expect(before.question).toEqual({
      id: 1,
      text: 'Which?',
      choices: ['a', 'b'],
      mine: 'a',
      revealed: false,
    });
    expect(JSON.stringify(before)).not.toContain('s2');
    c.must({ type: 'reveal' }, HOST);
    expect(studentView(c.state, 's1').question).toMatchObject({
      mine: 'a',
      revealed: true,
      answer: 'b',
      counts: { a: 1, b: 1 },
    });
    c.must({ type: 'kick', studentId: 's2' }, HOST);
    expect(studentView(c.state, 's2')).toMatchObject({ kicked: true, question: null, table: null });
  });

  it('tells a waiting student how many class rounds were started', () => {
    const c = new TestClass();
    c.join(2);
    expect(studentView(c.state, 's1')).toMatchObject({ round: 0, table: null });
    c.must({ type: 'roundStarted', tables: [] }, SYSTEM);
    expect(studentView(c.state, 's1').round).toBe(1);
  });
});

describe('seating', () => {
  const empty = new Map<string, { free: number; bots: number }>();

  it('balances new tables of at most N', () => {
    expect(balancedSizes(12, 5)).toEqual([4, 4, 4]);
    expect(balancedSizes(11, 5)).toEqual([4, 4, 3]);
    expect(balancedSizes(30, 5)).toEqual([5, 5, 5, 5, 5, 5]);
    expect(balancedSizes(0, 5)).toEqual([]);
    const c = new TestClass(5);
    c.join(12);
    const plan = planSeating(c.state, empty);
    expect(plan.newTables).toBe(3);
    expect(plan.newTableSizes).toEqual([4, 4, 4]);
    expect(plan.seats.map((s) => s.table)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    expect(plan.seats.map((s) => s.studentId)).toEqual(c.state.students.map((s) => s.id));
  });

  it('seats late joiners in free seats, then bot seats, then new tables; never the kicked', () => {
    const c = new TestClass(5);
    c.join(8);
    c.must({ type: 'tableOpened', code: 'AAAAA' }, SYSTEM);
    c.must({ type: 'tableOpened', code: 'BBBBB' }, SYSTEM);
    for (let i = 1; i <= 8; i++) {
      const table = i <= 4 ? 'AAAAA' : 'BBBBB';
      c.must({ type: 'seated', studentId: `s${i}`, table, playerId: `p${i}`, seat: 'Amy' }, SYSTEM);
    }
    c.join(10); // s9..s18
    c.must({ type: 'kick', studentId: 's10' }, HOST);
    const occupied = new Map([
      ['AAAAA', { free: 0, bots: 1 }],
      ['BBBBB', { free: 1, bots: 1 }],
    ]);
    const plan = planSeating(c.state, occupied);
    expect(plan.seats.slice(0, 3)).toEqual([
      { studentId: 's9', table: 'BBBBB' },
      { studentId: 's11', table: 'AAAAA' },
      { studentId: 's12', table: 'BBBBB' },
    ]);
    // Six left for new tables of 5: two tables of 3.
    expect(plan.newTableSizes).toEqual([3, 3]);
    expect(plan.seats.slice(3).map((s) => s.table)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(plan.seats.some((s) => s.studentId === 's10')).toBe(false);
    expect(plan.seats.some((s) => s.studentId === 's1')).toBe(false);
  });
});

describe('fold', () => {
  it('folding the log again gives the same state', () => {
    const c = new TestClass(4);
    c.join(9);
    c.must({ type: 'ask', text: 'Q?', choices: ['a', 'b'], answer: 'a' }, HOST);
    c.must({ type: 'answer', choice: 'a' }, student('s3'));
    c.must({ type: 'tableOpened', code: 'AAAAA' }, SYSTEM);
    c.must({ type: 'seated', studentId: 's1', table: 'AAAAA', playerId: 'p', seat: 'Amy' }, SYSTEM);
    c.must({ type: 'roundStarted', tables: [{ code: 'AAAAA', round: 1 }] }, SYSTEM);
    c.must({ type: 'kick', studentId: 's4' }, HOST);
    c.must({ type: 'reveal' }, HOST);
    expect(foldClass(c.log)).toEqual(c.state);
    expect(foldClass(c.log)).toEqual(foldClass(c.log));
    expect(() => evolveClass(c.state, c.log[0]!)).toThrow();
  });
});
