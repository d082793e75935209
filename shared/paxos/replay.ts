import type { PaxosEvent } from './events.ts';
import { evolve } from './evolve.ts';
import type { PaxosState } from './types.ts';

/*
 * Time travel: the state after any prefix of a log, without folding the whole
 * prefix. A replay keeps the state after every `every`-th event (states are
 * immutable, so keeping them is safe and they share what did not change) and
 * folds at most `every - 1` events from the nearest one.
 */

export interface Checkpoints {
  /** Events between two kept states. */
  every: number;
  /** `states[k]` is the state after the first `k * every` events; `states[0]` is the initial state. */
  states: readonly PaxosState[];
}

/**
 * Checkpoints of the log `events` folded from `initial`: one state per `every`
 * events, `initial` first. Costs one fold of the log.
 */
export function checkpoints(
  initial: PaxosState,
  events: readonly PaxosEvent[],
  every = 1000,
): Checkpoints {
  if (!Number.isInteger(every) || every < 1) {
    throw new RangeError(`checkpoints: every must be a positive integer, got ${every}`);
  }
  return extendCheckpoints({ every, states: [initial] }, events);
}

/**
 * `cps` extended to a log that has grown: the same states, and one more for
 * each further `every` events. Folds only the events after the last kept state.
 */
export function extendCheckpoints(cps: Checkpoints, events: readonly PaxosEvent[]): Checkpoints {
  const { every } = cps;
  const states = cps.states.slice();
  const last = (states.length - 1) * every;
  if (events.length < last + every) return cps;
  let state = states[states.length - 1]!;
  for (let i = last; i < events.length; i++) {
    state = evolve(state, events[i]!);
    if ((i + 1) % every === 0) states.push(state);
  }
  return { every, states };
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
  if (!Number.isInteger(index) || index < 0 || index > events.length) {
    throw new RangeError(`stateAt: index ${index} is outside 0..${events.length}`);
  }
  const k = Math.min(Math.floor(index / cps.every), cps.states.length - 1);
  let state = cps.states[k]!;
  for (let i = k * cps.every; i < index; i++) state = evolve(state, events[i]!);
  return state;
}
