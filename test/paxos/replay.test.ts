// Time travel: the state after any prefix of a log, from checkpoints, is the
// state a fold of that prefix gives.
import { describe, expect, it } from 'vitest';
import { foldPaxos, initialPaxosState } from '../../shared/paxos/evolve.ts';
import { checkpoints, extendCheckpoints, stateAt } from '../../shared/paxos/replay.ts';
import { randomRounds } from './random-log.ts';

const { config, events } = randomRounds(7, 1, 600)[0]!;
const initial = initialPaxosState(config);
const json = (x: unknown) => JSON.stringify(x);

describe('replay: checkpoints and stateAt', () => {
  it('the log is long enough to need several checkpoints', () => {
    expect(events.length).toBeGreaterThanOrEqual(600);
  });

  it.each([1, 7, 100, 1000])(
    'every %i: the state after each prefix is the fold of that prefix',
    (every) => {
      const cps = checkpoints(initial, events, every);
      expect(cps.states.length).toBe(1 + Math.floor(events.length / every));
      let folded = initial;
      for (let i = 0; i <= events.length; i++) {
        if (i > 0) folded = foldPaxos(folded, [events[i - 1]!]);
        expect(json(stateAt(cps, events, i)), `index ${i}`).toBe(json(folded));
      }
    },
  );

  it('a checkpoint is the state after its first `k * every` events, the initial state first', () => {
    const cps = checkpoints(initial, events, 50);
    expect(cps.states[0]).toBe(initial);
    expect(json(cps.states[3])).toBe(json(foldPaxos(initial, events.slice(0, 150))));
    expect(stateAt(cps, events, 150)).toBe(cps.states[3]);
  });

  it('a grown log: stateAt folds past the last checkpoint, and extending adds only new ones', () => {
    const old = checkpoints(initial, events.slice(0, 230), 100);
    expect(old.states.length).toBe(3);
    expect(json(stateAt(old, events, events.length))).toBe(json(foldPaxos(initial, events)));
    const grown = extendCheckpoints(old, events);
    expect(grown.states.slice(0, 3)).toEqual(old.states);
    expect(grown.states[1]).toBe(old.states[1]);
    expect(json(grown)).toBe(json(checkpoints(initial, events, 100)));
    expect(old.states.length).toBe(3);
    expect(extendCheckpoints(grown, events)).toBe(grown);
  });

  it('refuses an index outside the log and an interval below 1', () => {
    const cps = checkpoints(initial, events, 100);
    expect(() => stateAt(cps, events, -1)).toThrow(RangeError);
    expect(() => stateAt(cps, events, events.length + 1)).toThrow(RangeError);
    expect(() => stateAt(cps, events, 1.5)).toThrow(RangeError);
    expect(() => checkpoints(initial, events, 0)).toThrow(RangeError);
  });

  it('an empty log has the initial state only', () => {
    const cps = checkpoints(initial, []);
    expect(cps.states).toEqual([initial]);
    expect(stateAt(cps, [], 0)).toBe(initial);
  });
});
