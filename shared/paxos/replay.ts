import * as replay from '../replay.ts';
import type { PaxosEvent } from './events.ts';
import { evolve } from './evolve.ts';
import type { PaxosState } from './types.ts';

/*
 * Time travel over one Paxos instance: the state after any prefix of its
 * event log, from checkpoints (the generic mechanism is shared/replay.ts).
 */

/** `states[k]` is the state after the first `k * every` events; `states[0]` is the initial state. */
export type Checkpoints = replay.Checkpoints<PaxosState>;

/**
 * Checkpoints of the log `events` folded from `initial`: one state per `every`
 * events, `initial` first. Costs one fold of the log.
 */
export function checkpoints(
  initial: PaxosState,
  events: readonly PaxosEvent[],
  every = 1000,
): Checkpoints {
  return replay.checkpoints(initial, events, evolve, every);
}

/**
 * `cps` extended to a log that has grown: the same states, and one more for
 * each further `every` events. Folds only the events after the last kept state.
 */
export function extendCheckpoints(cps: Checkpoints, events: readonly PaxosEvent[]): Checkpoints {
  return replay.extendCheckpoints(cps, events, evolve);
}

/**
 * The state after the first `index` events of `events` (0: the initial state;
 * `events.length`: the latest), folded from the nearest checkpoint at or before
 * `index`. `events` is the log `cps` was made from, possibly grown since.
 */
export function stateAt(
  cps: Checkpoints,
  events: readonly PaxosEvent[],
  index: number,
): PaxosState {
  return replay.stateAt(cps, events, index, evolve);
}
