import { gradeRows, gradesCsv } from '../room/grades.ts';
import type { GradeRow } from '../room/grades.ts';
import type { Envelope } from '../room/types.ts';
import { GRADE_REASONS } from '../room/grades.ts';
import type { ClassQuestion, ClassState } from './types.ts';

/*
 * The class's grades.csv: the rooms' own rows (shared/room/grades.ts) of the
 * table round each student played in each class round, plus the class-wide
 * predictions asked in that class round. Same columns as a room's file.
 */

/** Points for each right answer to a class-wide question (a poll: every answer is right). */
export const CLASS_PREDICTION_POINTS = 2;

function isRight(q: ClassQuestion, choice: string): boolean {
  return q.answer === null || q.answer === choice;
}

function emptyRow(room: string, round: number, playerId: string, name: string): GradeRow {
  return {
    room,
    round,
    playerId,
    name,
    seat: null,
    points: 0,
    reasons: Object.fromEntries(GRADE_REASONS.map((r) => [r, 0])) as GradeRow['reasons'],
    mistakes: 0,
    predictionsAnswered: 0,
    predictionsRight: 0,
    requests: 0,
  };
}

export function classGradeRows(
  cls: ClassState,
  tables: { code: string; log: readonly Envelope[] }[],
): GradeRow[] {
  // Each table's rows by (room round, player id).
  const byTable = new Map<string, Map<string, GradeRow>>();
  for (const t of tables) {
    const rows = new Map<string, GradeRow>();
    for (const r of gradeRows(t.log)) rows.set(`${r.round}:${r.playerId}`, r);
    byTable.set(t.code, rows);
  }
  const rows: GradeRow[] = [];
  const questionsOf = (round: number) => cls.questions.filter((q) => q.round === round);
  const firstRound = questionsOf(0).length > 0 ? 0 : 1;
  for (let round = firstRound; round <= cls.round; round++) {
    const played = round === 0 ? [] : (cls.rounds[round - 1] ?? []);
    const questions = questionsOf(round);
    for (const student of cls.students) {
      const at = played.find((p) => p.code === student.table);
      const found =
        at && student.playerId
          ? byTable.get(at.code)?.get(`${at.round}:${student.playerId}`)
          : undefined;
      const row = found
        ? { ...found, name: student.name, round, reasons: { ...found.reasons } }
        : emptyRow('', round, student.playerId ?? student.id, student.name);
      for (const q of questions) {
        const choice = q.answers[student.id];
        if (choice === undefined) continue;
        row.predictionsAnswered++;
        if (isRight(q, choice)) {
          row.predictionsRight++;
          row.points += CLASS_PREDICTION_POINTS;
        }
      }
      rows.push(row);
    }
  }
  return rows;
}

/** The class's rows in exactly the room grades.csv's format. */
export function classGradesCsv(rows: readonly GradeRow[]): string {
  return gradesCsv(rows);
}
