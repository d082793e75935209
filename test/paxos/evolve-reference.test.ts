// `evolve` is tuned for speed (bench/engine.ts); this file holds it to the plain
// immutable version it replaced. Random room logs, played through `decide`, are
// folded with both, and every state must serialise to the same JSON, byte for
// byte. Every state the fast evolve makes is deep-frozen before the next event,
// so an evolve that mutated its input would throw here.
import { describe, expect, it } from 'vitest';
import { evolve, foldPaxos, initialPaxosState } from '../../shared/paxos/evolve.ts';
import type { PaxosState } from '../../shared/paxos/types.ts';
import { ref } from './evolve-reference.ts';
import { randomRounds } from './random-log.ts';

/** Where two JSON texts part, with some context: vitest would cut both short. */
function difference(actual: string, expected: string): string {
  let i = 0;
  while (i < actual.length && actual[i] === expected[i]) i++;
  const from = Math.max(0, i - 80);
  return `at ${i}: …${actual.slice(from, i + 80)}… but expected …${expected.slice(from, i + 80)}…`;
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
  return value;
}

// ---------------------------------------------------------------------------

describe('the tuned evolve against the plain immutable one', () => {
  it.each([1, 2, 3])(
    'seed %i: every state of a random log is the same JSON, and no state is touched later',
    (seed) => {
      const rounds = randomRounds(seed, 40, 120);
      const seen = new Set<string>();
      let compared = 0;
      for (const { config, events } of rounds) {
        let fast = deepFreeze(initialPaxosState(config));
        let slow = initialPaxosState(config);
        const kept: [PaxosState, string][] = [];
        events.forEach((event, i) => {
          const next = evolve(fast, event);
          slow = ref(slow, event);
          const json = JSON.stringify(next);
          const expected = JSON.stringify(slow);
          if (json !== expected) {
            expect.fail(
              `event ${i} (${event.type}) of ${JSON.stringify(config)}: ${difference(json, expected)}`,
            );
          }
          // A state that came over the wire (other hidden classes) folds the same way.
          if (i % 7 === 0) {
            expect(JSON.stringify(evolve(JSON.parse(JSON.stringify(fast)), event))).toBe(json);
          }
          if (i % 50 === 0) kept.push([next, json]);
          fast = deepFreeze(next);
          seen.add(event.type);
          compared++;
        });
        for (const [state, json] of kept) expect(JSON.stringify(state)).toBe(json);
      }
      expect(compared).toBeGreaterThan(4000);
      // The logs exercise every kind of event (giving up takes 20 failed attempts in a row).
      expect([...seen].filter((t) => t !== 'proposeGaveUp').sort()).toEqual([
        'messageDropped',
        'messageDuplicated',
        'proposalStarted',
        'proposeChose',
        'proposeFailed',
        'proposeStarted',
        'replyDelivered',
        'requestDelivered',
        'requestSent',
      ]);
    },
  );

  it('the random logs reach every kind of finding', () => {
    const kinds = new Set<string>();
    for (const seed of [1, 2, 3]) {
      for (const { config, events } of randomRounds(seed, 40, 120)) {
        for (const f of foldPaxos(initialPaxosState(config), events).findings) kinds.add(f.kind);
      }
    }
    expect([...kinds].sort()).toEqual([
      'grant_below_promise',
      'two_values_chosen',
      'two_values_one_proposal',
    ]);
  });
});
