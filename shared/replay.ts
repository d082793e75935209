/*
 * Time travel over any event-sourced log: the state after any prefix of the
 * log, without folding the whole prefix. Checkpoints keep the state after
 * every `every`-th item (states are immutable, so keeping them is safe and
 * they share what did not change) and `stateAt` folds at most `every - 1`
 * items from the nearest one. The Paxos replay (shared/paxos/replay.ts, over
 * one instance's events) and the room replay (shared/room/replay.ts, over a
 * room's envelopes) are this with their own fold.
 */

/** How one item of the log changes the state: `evolve` or `evolveRoom`. */
export type Fold<S, I> = (state: S, item: I) => S;

export interface Checkpoints<S> {
  /** Items between two kept states. */
  every: number;
  /** `states[k]` is the state after the first `k * every` items; `states[0]` is the initial state. */
  states: readonly S[];
}

/**
 * Checkpoints of the log `items` folded from `initial`: one state per `every`
 * items, `initial` first. Costs one fold of the log.
 */
export function checkpoints<S, I>(
  initial: S,
  items: readonly I[],
  fold: Fold<S, I>,
  every = 1000,
): Checkpoints<S> {
  if (!Number.isInteger(every) || every < 1) {
    throw new RangeError(`checkpoints: every must be a positive integer, got ${every}`);
  }
  return extendCheckpoints({ every, states: [initial] }, items, fold);
}

/**
 * `cps` extended to a log that has grown: the same states, and one more for
 * each further `every` items. Folds only the items after the last kept state;
 * returns `cps` itself when no checkpoint is due.
 */
export function extendCheckpoints<S, I>(
  cps: Checkpoints<S>,
  items: readonly I[],
  fold: Fold<S, I>,
): Checkpoints<S> {
  const { every } = cps;
  const last = (cps.states.length - 1) * every;
  if (items.length < last + every) return cps;
  const states = cps.states.slice();
  // `as S`, not `!`: a kept state may be null (a room log starts from no room).
  let state = states[states.length - 1] as S;
  for (let i = last; i < items.length; i++) {
    state = fold(state, items[i]!);
    if ((i + 1) % every === 0) states.push(state);
  }
  return { every, states };
}

/**
 * The state after the first `index` items of `items` (0: the initial state;
 * `items.length`: the latest), folded from the nearest checkpoint at or before
 * `index`. `items` is the log `cps` was made from, possibly grown since.
 */
export function stateAt<S, I>(
  cps: Checkpoints<S>,
  items: readonly I[],
  index: number,
  fold: Fold<S, I>,
): S {
  if (!Number.isInteger(index) || index < 0 || index > items.length) {
    throw new RangeError(`stateAt: index ${index} is outside 0..${items.length}`);
  }
  const k = Math.min(Math.floor(index / cps.every), cps.states.length - 1);
  let state = cps.states[k] as S;
  for (let i = k * cps.every; i < index; i++) state = fold(state, items[i]!);
  return state;
}
