import type { Delivery, ValueRule } from '../paxos/types.ts';
import type { RoundRules } from './game.ts';

/*
 * What a room is made of before anything happens in it: its seats and its
 * settings. A leaf module, so that the wire schemas can name these without
 * importing the room's types (which derive from the command catalogue).
 */

/** The friends, in seat order. A room uses the first `seats` of them as its nodes. */
export const FRIENDS = ['Amy', 'Ben', 'Cal', 'Dan', 'Eva', 'Fay', 'Gus'] as const;
export const MIN_SEATS = 3;
export const MAX_SEATS = FRIENDS.length;

export const DEFAULT_MOVIES = ['Oppenheimer', 'Barbie', 'Dune', 'Past Lives', 'Spider-Verse'];

/** What the host chooses. Applies to the next round started. */
export interface RoomSettings {
  movies: string[];
  seats: number;
  /** null: a majority of the seats. A smaller quorum is allowed: it is a lesson. */
  quorum: number | null;
  delivery: Delivery;
  valueRule: ValueRule;
  /** Rules of play (mode, turns, fog, be-the-acceptor). Absent: DEFAULT_RULES. */
  rules?: RoundRules;
}
