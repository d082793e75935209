import type { ClassEnvelope, ClassEvent, ClassQuestion, ClassState, Student } from './types.ts';
import { nicknameKey } from './names.ts';

/*
 * A class is the fold of its event log, as a room is of its own: the same
 * log is the store, the instructors' broadcast and the report's input.
 */

function mapStudent(state: ClassState, id: string, change: (s: Student) => Student): ClassState {
  return { ...state, students: state.students.map((s) => (s.id === id ? change(s) : s)) };
}

/** The open question (the last one, not yet revealed), or null. */
export function openQuestion(state: ClassState): ClassQuestion | null {
  const last = state.questions.at(-1);
  return last && !last.revealed ? last : null;
}

function mapLastQuestion(state: ClassState, change: (q: ClassQuestion) => ClassQuestion) {
  const last = state.questions.at(-1);
  if (!last) return state;
  return { ...state, questions: [...state.questions.slice(0, -1), change(last)] };
}

/** Folds one envelope. Only `classCreated` may start a class; nothing may come before it. */
export function evolveClass(state: ClassState | null, envelope: ClassEnvelope): ClassState {
  const { event } = envelope;
  if (event.type === 'classCreated') {
    if (state) throw new Error(`class ${state.code} is already created`);
    return {
      code: event.code,
      seq: envelope.seq,
      title: event.title,
      createdAt: envelope.at,
      settings: event.settings,
      locked: false,
      codeHidden: false,
      students: [],
      tables: [],
      banned: [],
      round: 0,
      rounds: [],
      paused: false,
      questions: [],
      projected: null,
    };
  }
  if (!state) throw new Error(`a class log must start with classCreated, not ${event.type}`);
  const s = { ...state, seq: envelope.seq };
  switch (event.type) {
    case 'studentJoined':
      return {
        ...s,
        students: [
          ...s.students,
          {
            id: event.studentId,
            name: event.name,
            joinedAt: envelope.at,
            table: null,
            playerId: null,
            seat: null,
            extraSeconds: 0,
            kicked: false,
          },
        ],
      };
    case 'tableOpened':
      return { ...s, tables: [...s.tables, { code: event.code, index: event.index }] };
    case 'studentSeated':
      return mapStudent(s, event.studentId, (st) => ({
        ...st,
        table: event.table,
        playerId: event.playerId,
        seat: event.seat,
      }));
    case 'studentRenamed':
      return mapStudent(s, event.studentId, (st) => ({ ...st, name: event.name }));
    case 'studentKicked': {
      const student = s.students.find((st) => st.id === event.studentId);
      if (!student) return s;
      const key = nicknameKey(student.name);
      // The student keeps the table and player they had, so the server can still find their
      // seat; `kicked` is what takes them out of seating, views and the open question.
      const kicked = mapStudent(s, event.studentId, (st) => ({ ...st, kicked: true }));
      const withoutAnswer = openQuestion(kicked)
        ? mapLastQuestion(kicked, (q) => {
            const answers = { ...q.answers };
            delete answers[event.studentId];
            return { ...q, answers };
          })
        : kicked;
      return {
        ...withoutAnswer,
        banned: s.banned.includes(key) ? s.banned : [...s.banned, key],
      };
    }
    case 'classLocked':
      return { ...s, locked: event.locked };
    case 'codeHidden':
      return { ...s, codeHidden: event.hidden };
    case 'classSettingsChanged':
      return { ...s, settings: event.settings };
    case 'classRoundStarted':
      return { ...s, round: event.round, rounds: [...s.rounds, event.tables] };
    case 'classPaused':
      return { ...s, paused: event.paused };
    case 'questionAsked':
      return {
        ...s,
        questions: [
          ...s.questions,
          {
            id: event.id,
            text: event.text,
            choices: event.choices,
            answer: event.answer,
            answers: {},
            revealed: false,
            round: s.round,
          },
        ],
      };
    case 'questionAnswered':
      return mapLastQuestion(s, (q) => ({
        ...q,
        answers: { ...q.answers, [event.studentId]: event.choice },
      }));
    case 'questionRevealed':
      return {
        ...s,
        questions: s.questions.map((q) => (q.id === event.id ? { ...q, revealed: true } : q)),
      };
    case 'extraTimeGiven':
      return mapStudent(s, event.studentId, (st) => ({ ...st, extraSeconds: event.seconds }));
    case 'tableProjected':
      return { ...s, projected: event.table };
    default: {
      const never: never = event;
      throw new Error(`unknown class event ${JSON.stringify(never)}`);
    }
  }
}

/** A class from its whole log (which starts with `classCreated`). */
export function foldClass(log: readonly ClassEnvelope[]): ClassState {
  let state: ClassState | null = null;
  for (const envelope of log) state = evolveClass(state, envelope);
  if (!state) throw new Error('an empty class log');
  return state;
}

/** Numbers and stamps a decision's events after the class's last seq, folding each one. */
export function stampClass(
  state: ClassState,
  events: readonly ClassEvent[],
  at: number,
): { state: ClassState; envelopes: ClassEnvelope[] } {
  const envelopes: ClassEnvelope[] = [];
  let next = state;
  for (const event of events) {
    const envelope = { seq: next.seq + 1, at, event };
    next = evolveClass(next, envelope);
    envelopes.push(envelope);
  }
  return { state: next, envelopes };
}
