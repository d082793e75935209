import { seatNames } from '../room/rules.ts';
import type { RoomState } from '../room/types.ts';
import type { ClassState } from './types.ts';

/*
 * Who sits where when a class round starts. Pure and in join order, so the same
 * class always gets the same plan; the server does the work at the tables.
 */

export interface SeatingPlan {
  /** Tables the server must open, in order (a seat's number is its 0-based index). */
  newTables: number;
  /** For each new table: how many people it gets (the server adds `N - people` bots). */
  newTableSizes: number[];
  /** A string: an existing table's code; a number: the index of a new table. */
  seats: { studentId: string; table: string | number }[];
}

/** How many bots a new table of `people` students needs to fill `seats` seats. */
export function botsNeeded(people: number, seats: number): number {
  return Math.max(0, seats - people);
}

/** `n` people spread over ceil(n/size) tables as evenly as possible (bigger tables first). */
export function balancedSizes(n: number, size: number): number[] {
  if (n <= 0) return [];
  const tables = Math.ceil(n / size);
  const base = Math.floor(n / tables);
  const extra = n % tables;
  return Array.from({ length: tables }, (_, i) => base + (i < extra ? 1 : 0));
}

/** What a table has for people next round: its free seats, and its bots' (a person replaces a bot). */
export function tableRoom(room: RoomState): { free: number; bots: number } {
  const taken = new Set(room.players.map((p) => p.seat));
  return {
    free: seatNames(room.settings.seats).filter((n) => !taken.has(n)).length,
    bots: room.players.filter((p) => p.bot !== undefined && p.seat !== null).length,
  };
}

export function planSeating(
  state: ClassState,
  occupied: ReadonlyMap<string, { free: number; bots: number }>,
): SeatingPlan {
  const waiting = state.students.filter((s) => !s.kicked && s.table === null);
  const seats: SeatingPlan['seats'] = [];
  let next = 0;
  // Existing tables in the order they were opened: free seats first, then bots' seats
  // (a person replaces a bot), so late joiners fill the tables already playing.
  const known = state.tables.filter((t) => occupied.has(t.code));
  for (const pass of ['free', 'bots'] as const) {
    for (const table of known) {
      let room = occupied.get(table.code)![pass];
      while (room > 0 && next < waiting.length) {
        seats.push({ studentId: waiting[next]!.id, table: table.code });
        next++;
        room--;
      }
    }
  }
  const sizes = balancedSizes(waiting.length - next, Math.max(1, state.settings.seats));
  sizes.forEach((size, index) => {
    for (let i = 0; i < size; i++) {
      seats.push({ studentId: waiting[next]!.id, table: index });
      next++;
    }
  });
  return { newTables: sizes.length, newTableSizes: sizes, seats };
}
