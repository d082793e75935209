import type { PaxosState } from './types.ts';

/*
 * Copy-on-write helpers for the fold. evolve never changes an object it was
 * given (old states stay valid: the client animates between them and a replay
 * slider keeps them), so every change copies; these copies are the cheap ones.
 */

/** `list` and then `item`, as a new array (no iterator protocol, unlike a spread). */
export function append<T>(list: readonly T[], item: T): T[] {
  const out = list.slice();
  out.push(item);
  return out;
}

/** `list` without its element at `index`, as a new array. */
export function withoutAt<T>(list: readonly T[], index: number): T[] {
  const out = list.slice(0, index);
  for (let i = index + 1; i < list.length; i++) out.push(list[i]!);
  return out;
}

/**
 * `record` with `key` set to `value`, as a new object with the same key order:
 * a plain clone, then a store to a key it already has (on Node 20 a little
 * cheaper than `{ ...record, [key]: value }`, which defines a computed key in a
 * literal). `key` must already be a key of `record`: the records are keyed by
 * the round's nodes.
 */
export function withEntry<T>(record: Record<string, T>, key: string, value: T): Record<string, T> {
  const out = { ...record };
  out[key] = value;
  return out;
}

/**
 * A fresh object equal to `s`, for evolve to fill in before it returns it: one
 * literal, so every state has one hidden class and the key order of the JSON.
 * `network` is set only when the state has one: a log without faults folds to
 * the same JSON as before faults existed.
 */
export function copyState(s: PaxosState): PaxosState {
  const next: PaxosState = {
    config: s.config,
    proposalCounter: s.proposalCounter,
    nextMessageId: s.nextMessageId,
    acceptors: s.acceptors,
    proposers: s.proposers,
    inFlight: s.inFlight,
    tallies: s.tallies,
    chosen: s.chosen,
    findings: s.findings,
  };
  if (s.network !== undefined) next.network = s.network;
  return next;
}
