import type { ClassQuestion, ClassState, StudentView } from './types.ts';

/*
 * What a student's phone sees: their own answer, and the key and the counts
 * only after the reveal, so nobody can copy their neighbour's choice.
 */

/** How many students chose each choice (every choice listed, 0 included). */
export function questionTally(question: ClassQuestion): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const choice of question.choices) counts[choice] = 0;
  for (const choice of Object.values(question.answers)) {
    if (choice in counts) counts[choice] = (counts[choice] ?? 0) + 1;
  }
  return counts;
}

export function studentView(state: ClassState, studentId: string): StudentView {
  const student = state.students.find((s) => s.id === studentId);
  if (!student) throw new Error(`no student ${studentId} in class ${state.code}`);
  const table = student.table ? state.tables.find((t) => t.code === student.table) : undefined;
  const last = state.questions.at(-1);
  const question: StudentView['question'] =
    last && !student.kicked
      ? {
          id: last.id,
          text: last.text,
          choices: [...last.choices],
          mine: last.answers[student.id] ?? null,
          revealed: last.revealed,
          ...(last.revealed ? { answer: last.answer, counts: questionTally(last) } : {}),
        }
      : null;
  return {
    code: state.code,
    title: state.title,
    studentId: student.id,
    name: student.name,
    table:
      table && student.seat && !student.kicked
        ? { code: table.code, index: table.index, seat: student.seat }
        : null,
    round: state.round,
    locked: state.locked,
    kicked: student.kicked,
    question,
  };
}
