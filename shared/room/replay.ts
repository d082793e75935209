import * as replay from '../replay.ts';
import { evolveRoom } from './evolve.ts';
import type { Envelope, RoomState } from './types.ts';

/*
 * Time travel over a room: the room as it was after any envelope of its log,
 * for a timeline slider and "fork from here", from checkpoints kept every
 * `every` envelopes (the generic mechanism is shared/replay.ts).
 *
 * An index counts envelopes: `roomStateAt(cps, log, i)` is the room after the
 * first `i` envelopes, `log[0]` to `log[i - 1]`, i.e. the fold of
 * `log.slice(0, i)`. A room begins with `roomCreated`, so `i` runs from 1 (the
 * room just created) to `log.length` (the room now); there is no room at 0.
 * A room's log is numbered from seq 1 without gaps, so for a whole log `i` is
 * also the seq of the last envelope folded: `roomStateAt(cps, log, i).seq === i`.
 */

/** `states[k]` is the room after the first `k * every` envelopes; `states[0]` is null (no room yet). */
export type RoomCheckpoints = replay.Checkpoints<RoomState | null>;

/** Checkpoints of a room's log: one room per `every` envelopes. Costs one fold of the log. */
export function roomCheckpoints(envelopes: readonly Envelope[], every = 1000): RoomCheckpoints {
  return replay.checkpoints<RoomState | null, Envelope>(null, envelopes, evolveRoom, every);
}

/** `cps` extended to the room's log as it has grown since; folds only what is past the last checkpoint. */
export function extendRoomCheckpoints(
  cps: RoomCheckpoints,
  envelopes: readonly Envelope[],
): RoomCheckpoints {
  return replay.extendCheckpoints(cps, envelopes, evolveRoom);
}

/**
 * The room after the first `index` envelopes of `envelopes` (1 ≤ index ≤
 * `envelopes.length`), folded from the nearest checkpoint. `envelopes` is the
 * log `cps` was made from, possibly grown since. Throws a RangeError outside
 * 1..length.
 */
export function roomStateAt(
  cps: RoomCheckpoints,
  envelopes: readonly Envelope[],
  index: number,
): RoomState {
  if (!Number.isInteger(index) || index < 1 || index > envelopes.length) {
    throw new RangeError(`roomStateAt: index ${index} is outside 1..${envelopes.length}`);
  }
  // Not null: folding one envelope or more gives a room (or throws on a corrupt log).
  return replay.stateAt(cps, envelopes, index, evolveRoom)!;
}
