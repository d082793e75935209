import type { RoomError, RoomErrorCode } from '../room/types.ts';
import type { RoomSettings } from '../room/settings.ts';
import { openQuestion } from './evolve.ts';
import { nicknameKey } from './names.ts';
import { MAX_CLASS_STUDENTS, MAX_EXTRA_SECONDS } from './types.ts';
import type { ClassEvent, ClassState, Student } from './types.ts';

/*
 * The class's rules: a command and who sent it either become events or a refusal a
 * person can read. Pure, like the room's decide: ids come in with the command.
 */

export type ClassActor =
  { role: 'host' } | { role: 'student'; studentId: string } | { role: 'system' };

export type ClassCommand =
  | { type: 'join'; name: string; newId: string }
  | { type: 'ask'; text: string; choices: string[]; answer?: string | null }
  | { type: 'reveal' }
  | { type: 'answer'; choice: string }
  | { type: 'lock'; locked: boolean }
  | { type: 'hideCode'; hidden: boolean }
  | { type: 'project'; table: string | null }
  | { type: 'settings'; settings: RoomSettings }
  | { type: 'kick'; studentId: string }
  | { type: 'rename'; studentId: string; name: string }
  | { type: 'extraTime'; studentId: string; seconds: number }
  | { type: 'pause'; paused: boolean }
  | { type: 'roundStarted'; tables: { code: string; round: number }[] }
  | { type: 'tableOpened'; code: string }
  | { type: 'seated'; studentId: string; table: string; playerId: string; seat: string };

export type ClassDecision = { ok: true; events: ClassEvent[] } | { ok: false; error: RoomError };

function refuse(code: RoomErrorCode, message: string): ClassDecision {
  return { ok: false, error: { code, message } };
}

function emit(...events: ClassEvent[]): ClassDecision {
  return { ok: true, events };
}

const NOTHING: ClassDecision = { ok: true, events: [] };
const HOST_ONLY = 'Only the instructor can do that.';

/** The student (not kicked) who already uses this nickname, other than `except`. */
function nameTakenBy(state: ClassState, name: string, except?: string): Student | undefined {
  const key = nicknameKey(name);
  return state.students.find((s) => !s.kicked && s.id !== except && nicknameKey(s.name) === key);
}

function findStudent(state: ClassState, id: string): Student | undefined {
  return state.students.find((s) => s.id === id);
}

export function decideClass(
  state: ClassState,
  command: ClassCommand,
  actor: ClassActor,
): ClassDecision {
  // Students may only join and answer; everything else is the instructor's (or the server's).
  if (command.type !== 'join' && command.type !== 'answer' && actor.role === 'student') {
    return refuse('forbidden', HOST_ONLY);
  }
  switch (command.type) {
    case 'join': {
      const name = command.name.trim();
      if (!name) return refuse('bad_request', 'Type a nickname first.');
      if (state.locked) return refuse('forbidden', 'This class is locked: ask the instructor.');
      if (state.banned.includes(nicknameKey(name))) {
        return refuse('forbidden', 'That nickname was removed from this class.');
      }
      if (nameTakenBy(state, name)) {
        return refuse('conflict', 'Someone in the class already uses that nickname: pick another.');
      }
      if (state.students.length >= MAX_CLASS_STUDENTS) {
        return refuse('conflict', 'This class is full.');
      }
      if (findStudent(state, command.newId)) return refuse('conflict', 'That student id is taken.');
      return emit({ type: 'studentJoined', studentId: command.newId, name });
    }
    case 'ask': {
      const text = command.text.trim();
      const choices = command.choices.map((c) => c.trim());
      if (!text) return refuse('bad_request', 'Type the question first.');
      if (choices.length < 2) return refuse('bad_request', 'Give at least two choices.');
      if (choices.some((c) => !c)) return refuse('bad_request', 'A choice cannot be empty.');
      if (new Set(choices).size !== choices.length) {
        return refuse('bad_request', 'Two choices are the same.');
      }
      const answer = command.answer == null ? null : command.answer.trim();
      if (answer !== null && !choices.includes(answer)) {
        return refuse('bad_request', 'The right answer must be one of the choices.');
      }
      const id = (state.questions.at(-1)?.id ?? 0) + 1;
      // A new question replaces an open one: the old one simply stays unrevealed.
      return emit({ type: 'questionAsked', id, text, choices, answer });
    }
    case 'reveal': {
      const open = openQuestion(state);
      if (!open) return refuse('conflict', 'There is no open question to reveal.');
      return emit({ type: 'questionRevealed', id: open.id });
    }
    case 'answer': {
      if (actor.role !== 'student') return refuse('forbidden', 'Only a student can answer.');
      const student = findStudent(state, actor.studentId);
      if (!student) return refuse('not_found', 'You are not in this class.');
      if (student.kicked) return refuse('forbidden', 'You were removed from this class.');
      const last = state.questions.at(-1);
      if (!last) return refuse('conflict', 'There is no question to answer.');
      if (last.revealed) return refuse('conflict', 'The answer was already revealed.');
      if (!last.choices.includes(command.choice)) {
        return refuse('bad_request', 'Pick one of the choices.');
      }
      if (last.answers[student.id] === command.choice) return NOTHING;
      return emit({ type: 'questionAnswered', studentId: student.id, choice: command.choice });
    }
    case 'lock':
      return state.locked === command.locked
        ? NOTHING
        : emit({ type: 'classLocked', locked: command.locked });
    case 'hideCode':
      return state.codeHidden === command.hidden
        ? NOTHING
        : emit({ type: 'codeHidden', hidden: command.hidden });
    case 'project': {
      if (command.table !== null && !state.tables.some((t) => t.code === command.table)) {
        return refuse('not_found', 'That table is not in this class.');
      }
      return state.projected === command.table
        ? NOTHING
        : emit({ type: 'tableProjected', table: command.table });
    }
    case 'settings':
      return emit({ type: 'classSettingsChanged', settings: command.settings });
    case 'kick': {
      const student = findStudent(state, command.studentId);
      if (!student) return refuse('not_found', 'That student is not in this class.');
      if (student.kicked) return NOTHING;
      return emit({ type: 'studentKicked', studentId: student.id });
    }
    case 'rename': {
      const student = findStudent(state, command.studentId);
      if (!student) return refuse('not_found', 'That student is not in this class.');
      const name = command.name.trim();
      if (!name) return refuse('bad_request', 'Type a nickname first.');
      if (nameTakenBy(state, name, student.id)) {
        return refuse('conflict', 'Another student already uses that nickname.');
      }
      if (student.name === name) return NOTHING;
      return emit({ type: 'studentRenamed', studentId: student.id, name });
    }
    case 'extraTime': {
      const student = findStudent(state, command.studentId);
      if (!student) return refuse('not_found', 'That student is not in this class.');
      const seconds = command.seconds;
      if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_EXTRA_SECONDS) {
        return refuse('bad_request', `Extra time is 0 to ${MAX_EXTRA_SECONDS} seconds.`);
      }
      if (student.extraSeconds === seconds) return NOTHING;
      return emit({ type: 'extraTimeGiven', studentId: student.id, seconds });
    }
    case 'pause':
      return state.paused === command.paused
        ? NOTHING
        : emit({ type: 'classPaused', paused: command.paused });
    case 'roundStarted':
      return emit({ type: 'classRoundStarted', round: state.round + 1, tables: command.tables });
    case 'tableOpened': {
      if (state.tables.some((t) => t.code === command.code)) {
        return refuse('conflict', 'That table is already in this class.');
      }
      return emit({ type: 'tableOpened', code: command.code, index: state.tables.length + 1 });
    }
    case 'seated': {
      const student = findStudent(state, command.studentId);
      if (!student) return refuse('not_found', 'That student is not in this class.');
      if (!state.tables.some((t) => t.code === command.table)) {
        return refuse('not_found', 'That table is not in this class.');
      }
      return emit({
        type: 'studentSeated',
        studentId: student.id,
        table: command.table,
        playerId: command.playerId,
        seat: command.seat,
      });
    }
    default: {
      const never: never = command;
      throw new Error(`unknown class command ${JSON.stringify(never)}`);
    }
  }
}
