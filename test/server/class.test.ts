// A class with real sockets (issue 11): 30 students seated at 6 tables play a round to a
// chosen movie at every table, the dashboard hears summaries (never the tables' events), a
// class-wide pause stops every table, a kicked student stays out, the report has a row per
// student per round, and the class survives a restart.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClassEnvelope, StudentView, TableSummary } from '../../shared/class/index.ts';
import { evolveClass } from '../../shared/class/index.ts';
import type { ClassState } from '../../shared/class/index.ts';
import type { Client, TestServer } from './helpers.ts';
import { connect, data, errorCode, startServer, tempDir, waitFor } from './helpers.ts';

const tmp = tempDir();
const dbPath = join(tmp.dir, 'class.db');
let t: TestServer;

interface Student {
  name: string;
  socket: Client;
  token: string;
  views: StudentView[];
  table?: { code: string; seat: string };
}

let host: Client;
let hostToken: string;
let code: string;
/** The instructor's class, folded from `class:events` as the dashboard folds it. */
let folded: ClassState;
let hostRoomEvents = 0;
const summaries = new Map<string, TableSummary>();
const students: Student[] = [];

beforeAll(async () => {
  t = await startServer({ dbPath });
  host = await connect(t.url);
  host.on('class:events', ({ events }: { events: ClassEnvelope[] }) => {
    for (const e of events) if (e.seq === folded.seq + 1) folded = evolveClass(folded, e);
  });
  host.on('class:tables', ({ tables }) => {
    for (const s of tables) summaries.set(s.code, s);
  });
  host.on('room:events', () => hostRoomEvents++);
  const created = data(
    await host.emitWithAck('class:create', { title: 'Distributed 101', settings: {} }),
  );
  hostToken = created.hostToken;
  code = created.state.code;
  folded = created.state;
  expect(code).toMatch(/^\d{6}$/);
  for (let i = 1; i <= 30; i++) {
    const socket = await connect(t.url);
    const views: StudentView[] = [];
    socket.on('class:you', (v) => views.push(v));
    const joined = data(await socket.emitWithAck('class:join', { code, name: `Student ${i}` }));
    expect(joined.view).toMatchObject({ code, name: `Student ${i}`, table: null, question: null });
    students.push({ name: `Student ${i}`, socket, token: joined.token, views });
  }
});

afterAll(async () => {
  for (const s of students) s.socket.close();
  host.close();
  await t.close();
  tmp.cleanup();
});

/** Each student opens their seat on their own socket, as the phone does (class:seat, room:resume). */
async function sitDown() {
  for (const s of students) {
    const seat = data(await s.socket.emitWithAck('class:seat', {}));
    const resumed = data(
      await s.socket.emitWithAck('room:resume', { code: seat.code, token: seat.token }),
    );
    s.table = { code: seat.code, seat: resumed.identity.seat! };
  }
}

const tables = () => [...new Set(students.map((s) => s.table!.code))];
const atSeat = (table: string, seat: string) =>
  students.find((s) => s.table?.code === table && s.table.seat === seat)!;

describe('a class of 30 students', () => {
  it('seats everyone at 6 full tables, and every table plays its round to a chosen movie', async () => {
    const fanned = data(await host.emitWithAck('class:startRound', {}));
    expect(fanned).toMatchObject({ tables: 6, refused: [] });
    await waitFor(() => folded.seq === fanned.seq, 'the dashboard to fold the seating');
    expect(folded.tables.map((x) => x.index)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(folded.students.every((s) => s.table !== null && s.seat !== null)).toBe(true);
    // Every phone was told where it sits.
    await waitFor(
      () => students.every((s) => s.views.at(-1)?.table),
      'every phone to hear its seat',
    );
    await sitDown();
    expect(tables()).toHaveLength(6);
    for (const table of tables()) {
      const room = t.server.rooms.open(table)!;
      // Five people, no bot: 30 students fill 6 tables of 5 exactly.
      expect(room.players.filter((p) => p.seat !== null && p.bot === undefined)).toHaveLength(5);
      expect(room.round?.status).toBe('playing');
    }
    for (const table of tables()) {
      const movie = t.server.rooms.open(table)!.settings.movies[0]!;
      data(
        await atSeat(table, 'Amy').socket.emitWithAck('node:propose', {
          value: movie,
          to: ['Amy', 'Ben', 'Cal'],
        }),
      );
    }
    for (const table of tables()) {
      expect(t.server.rooms.open(table)!.history.at(-1)?.reason).toBe('chosen');
    }
    // The dashboard sees every table's movie in its summaries, and never a table's events.
    await waitFor(
      () => tables().every((c) => summaries.get(c)?.chosen.length === 1),
      'six summaries with a chosen movie',
    );
    expect(hostRoomEvents).toBe(0);
    expect(summaries.get(tables()[0]!)?.players).toHaveLength(5);
  });

  it('a class-wide question is answered on the phones, revealed, and scored', async () => {
    data(await host.emitWithAck('class:startRound', {}));
    data(
      await host.emitWithAck('class:ask', {
        text: 'How many acceptors make a quorum of five?',
        choices: ['2', '3', '5'],
        answer: '3',
      }),
    );
    await waitFor(
      () => students.every((s) => s.views.at(-1)?.question?.revealed === false),
      'the question on every phone',
    );
    // Nobody sees the key or the others' answers before the reveal.
    expect(students[0]!.views.at(-1)!.question).not.toHaveProperty('answer');
    for (const [i, s] of students.entries()) {
      data(await s.socket.emitWithAck('class:answer', { choice: i < 20 ? '3' : '2' }));
    }
    await waitFor(
      () => Object.keys(folded.questions.at(-1)!.answers).length === 30,
      'the live tally',
    );
    data(await host.emitWithAck('class:reveal', {}));
    await waitFor(() => students.every((s) => s.views.at(-1)?.question?.revealed), 'the reveal');
    expect(students[0]!.views.at(-1)!.question).toMatchObject({
      answer: '3',
      counts: { '2': 10, '3': 20, '5': 0 },
      mine: '3',
    });
    // After the reveal an answer is refused and changes nothing.
    expect(errorCode(await students[0]!.socket.emitWithAck('class:answer', { choice: '5' }))).toBe(
      'conflict',
    );
  });

  it('a class-wide pause stops every table, and resuming lets them play', async () => {
    await sitDown();
    const paused = data(await host.emitWithAck('class:pause', { paused: true }));
    expect(paused).toMatchObject({ tables: 6, refused: [] });
    for (const table of tables()) expect(t.server.rooms.open(table)!.paused).toBe(true);
    const amy = atSeat(tables()[0]!, 'Amy');
    const movie = t.server.rooms.open(tables()[0]!)!.settings.movies[0]!;
    const refused = await amy.socket.emitWithAck('node:propose', {
      value: movie,
      to: ['Amy', 'Ben', 'Cal'],
    });
    expect(errorCode(refused)).toBe('conflict');
    await waitFor(
      () => tables().every((c) => summaries.get(c)?.paused),
      'the dashboard to show the pause',
    );
    data(await host.emitWithAck('class:pause', { paused: false }));
    for (const table of tables()) expect(t.server.rooms.open(table)!.paused).toBe(false);
    data(await amy.socket.emitWithAck('node:propose', { value: movie, to: ['Amy', 'Ben', 'Cal'] }));
  });

  it('only the instructor runs instructor commands, and a student acts only as themselves', async () => {
    const s = students[0]!;
    expect(errorCode(await s.socket.emitWithAck('class:startRound', {}))).toBe('forbidden');
    expect(
      errorCode(await s.socket.emitWithAck('class:kick', { studentId: folded.students[1]!.id })),
    ).toBe('forbidden');
    expect(errorCode(await host.emitWithAck('class:answer', { choice: '3' }))).toBe('forbidden');
    const stranger = await connect(t.url);
    expect(errorCode(await stranger.emitWithAck('class:reveal', {}))).toBe('forbidden');
    expect(
      errorCode(await stranger.emitWithAck('class:resume', { code, token: 'not-a-token-at-all' })),
    ).toBe('forbidden');
    stranger.close();
  });

  it('a rename and extra time reach the student at their table; a name the table has is refused', async () => {
    const s = students[1]!;
    const id = folded.students.find((x) => x.name === s.name)!.id;
    data(await host.emitWithAck('class:rename', { studentId: id, name: 'Student Two' }));
    data(await host.emitWithAck('class:extraTime', { studentId: id, seconds: 30 }));
    const room = t.server.rooms.open(s.table!.code)!;
    const me = room.players.find((p) => p.seat === s.table!.seat)!;
    expect(me.name).toBe('Student Two');
    expect(room.extraSeconds?.[me.id]).toBe(30);
    await waitFor(() => s.views.at(-1)?.name === 'Student Two', 'the phone to hear its new name');
    s.name = 'Student Two';
    // A neighbour's name at the same table: the table refuses, and the class stays as it was.
    const neighbour = room.players.find((p) => p.id !== me.id && p.bot === undefined)!;
    const before = folded.seq;
    const clash = await host.emitWithAck('class:rename', { studentId: id, name: neighbour.name });
    expect(errorCode(clash)).toBe('conflict');
    expect(t.server.classes.state(code)!.seq).toBe(before);
  });

  it('a kicked student is out of their table and cannot join the class again', async () => {
    const victim = students[29]!;
    const id = folded.students.find((s) => s.name === victim.name)!.id;
    const revoked = new Promise<unknown>((resolve) => victim.socket.once('class:revoked', resolve));
    const tableRevoked = new Promise<unknown>((resolve) =>
      victim.socket.once('room:revoked', resolve),
    );
    data(await host.emitWithAck('class:kick', { studentId: id }));
    expect(await revoked).toEqual({ code, reason: 'kicked' });
    await tableRevoked;
    const room = t.server.rooms.open(victim.table!.code)!;
    // Out of the table; a bot plays the seat on.
    const seat = room.players.find((p) => p.seat === victim.table!.seat)!;
    expect(seat.bot).toBeDefined();
    // Not with the same nickname (any spelling), not with the old token.
    const again = await connect(t.url);
    const rejoin = await again.emitWithAck('class:join', { code, name: ' student  30 ' });
    expect(errorCode(rejoin)).toBe('forbidden');
    expect(errorCode(await again.emitWithAck('class:resume', { code, token: victim.token }))).toBe(
      'forbidden',
    );
    // Nor at the table by its room code: a class's tables are locked to newcomers.
    const byCode = await again.emitWithAck('room:join', {
      code: victim.table!.code,
      name: 'Thirty',
    });
    expect(errorCode(byCode)).toBe('forbidden');
    again.close();
  });

  it('the report has one row per student per class round', async () => {
    const res = await fetch(`${t.url}/api/classes/${code}/grades.csv`);
    expect(res.status).toBe(200);
    const lines = (await res.text()).trim().split('\n');
    const header = lines[0]!.split(',');
    const roomGrades = await fetch(`${t.url}/api/rooms/${tables()[0]}/grades.csv`);
    // The same columns as a room's grades.csv.
    expect(header).toEqual((await roomGrades.text()).split('\n')[0]!.split(','));
    const rows = lines.slice(1).map((l) => l.split(','));
    const round = header.indexOf('round');
    expect(rows.filter((r) => r[round] === '1')).toHaveLength(30);
    expect(rows.filter((r) => r[round] === '2')).toHaveLength(30);
    expect(rows).toHaveLength(60);
    const right = header.indexOf('predictions right');
    expect(right).toBeGreaterThan(-1);
    expect(rows.filter((r) => r[round] === '2' && r[right] === '1')).toHaveLength(20);
    expect((await fetch(`${t.url}/api/classes/000000/grades.csv`)).status).toBe(404);
    expect((await fetch(`${t.url}/api/classes/12/grades.csv`)).status).toBe(400);
  });

  it('survives a restart: the dashboard and a student resume with their tokens', async () => {
    for (const s of students) s.socket.close();
    host.close();
    await t.close();
    t = await startServer({ dbPath });
    const again = await connect(t.url);
    const resumed = data(await again.emitWithAck('class:resume', { code, token: hostToken }));
    if (resumed.role !== 'host') throw new Error('the host token resumed a student');
    expect(resumed.state.students).toHaveLength(30);
    expect(resumed.state.round).toBe(2);
    expect(resumed.tables).toHaveLength(6);
    const phone = await connect(t.url);
    const me = data(await phone.emitWithAck('class:resume', { code, token: students[0]!.token }));
    expect(me).toMatchObject({
      role: 'student',
      view: { name: 'Student 1', table: { index: expect.any(Number) } },
    });
    again.close();
    phone.close();
    expect(t.errors).toEqual([]);
    host = await connect(t.url);
  });
});

describe('a small class with late joiners', () => {
  it('fills a short table with bots, and late joiners take the bots’ seats at the next round, then a new table', async () => {
    const s = await startServer();
    const teacher = await connect(s.url);
    const { state } = data(await teacher.emitWithAck('class:create', { settings: {} }));
    const phones: Client[] = [];
    const join = async (name: string) => {
      const phone = await connect(s.url);
      phones.push(phone);
      data(await phone.emitWithAck('class:join', { code: state.code, name }));
    };
    for (const name of ['Ana', 'Bo', 'Cy']) await join(name);
    expect(data(await teacher.emitWithAck('class:startRound', {}))).toMatchObject({ tables: 1 });
    const first = s.server.classes.state(state.code)!.tables[0]!.code;
    const people = (code: string) =>
      s.server.rooms.open(code)!.players.filter((p) => p.seat !== null && p.bot === undefined);
    const bots = (code: string) =>
      s.server.rooms.open(code)!.players.filter((p) => p.seat !== null && p.bot !== undefined);
    expect(people(first)).toHaveLength(3);
    expect(bots(first)).toHaveLength(2);
    // Four arrive during the round: they wait until the next one.
    for (const name of ['Di', 'Ed', 'Flo', 'Gil']) await join(name);
    expect(people(first)).toHaveLength(3);
    expect(data(await teacher.emitWithAck('class:startRound', {}))).toMatchObject({
      tables: 2,
      refused: [],
    });
    const cls = s.server.classes.state(state.code)!;
    const second = cls.tables[1]!.code;
    // Two took the bots' seats of the first table; the other two opened a second, with bots.
    expect(people(first)).toHaveLength(5);
    expect(bots(first)).toHaveLength(0);
    expect(people(second)).toHaveLength(2);
    expect(bots(second)).toHaveLength(3);
    expect(cls.students.every((st) => st.table !== null)).toBe(true);
    expect(cls.rounds[1]).toEqual([
      { code: first, round: 2 },
      { code: second, round: 1 },
    ]);
    for (const phone of phones) phone.close();
    teacher.close();
    await s.close();
    expect(s.errors).toEqual([]);
  });
});
