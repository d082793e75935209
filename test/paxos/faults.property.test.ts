// Safety under faults (fast-check): with a majority quorum and Lamport's value
// rule, no schedule of deliveries in any order, drops, duplicates, holds,
// delays, partitions and crashes with recovery FROM DISK chooses two movies.
// With amnesia allowed it can, and then the observer must find it and explain it.
// Runs are deterministic: PAXOS_FC_SEED=<n> and PAXOS_FC_RUNS=<factor> as in
// safety.property.test.ts. A failure prints the concrete commands played.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FaultRun } from './fault-model.ts';
import { AMNESIA_WEIGHTS, faultScheduleArb, majorityConfig, playFaults } from './fault-model.ts';
import { params } from './safety-model.ts';

const SAFETY = [
  'two_values_chosen',
  'two_values_one_proposal',
  'grant_below_promise',
  'forgot_accepted',
  'forgot_promise',
];

function explainFailure(run: FaultRun, err: unknown): never {
  throw new Error(
    `${(err as Error).message}\nconfig: ${JSON.stringify(run.state.config)}\n` +
      `commands: ${JSON.stringify(run.commands)}\nchosen: ${JSON.stringify(run.state.chosen)}\n` +
      `findings: ${JSON.stringify(run.state.findings.map((f) => f.explanation))}`,
    { cause: err },
  );
}

describe('safety under faults, majority quorum, lamport value rule', () => {
  it('crashes recovered with their disk, partitions, holds, delays: never two chosen values', () => {
    const seen = {
      runs: 0,
      chosen: 0,
      lost: 0,
      crashed: 0,
      recovered: 0,
      partitioned: 0,
      stepped: 0,
      chosenUnderFaults: 0,
    };
    const t0 = performance.now();
    fc.assert(
      fc.property(faultScheduleArb(), (s) => {
        const run = playFaults(majorityConfig(s), s.choices, ['kept']);
        seen.runs++;
        if (run.state.chosen.length > 0) seen.chosen++;
        if (run.state.chosen.length > 0 && (run.seen.messageLost || run.seen.nodeRecovered)) {
          seen.chosenUnderFaults++;
        }
        if (run.seen.messageLost) seen.lost++;
        if (run.seen.nodeCrashed) seen.crashed++;
        if (run.seen.nodeRecovered) seen.recovered++;
        if (run.seen.partitioned) seen.partitioned++;
        if (run.seen.stepped) seen.stepped++;
        try {
          expect(run.checker.values().length).toBeLessThanOrEqual(1);
          expect(run.state.chosen.map((c) => c.value)).toEqual(
            run.checker.chosen.map((c) => c.value),
          );
          expect(run.state.findings.filter((f) => SAFETY.includes(f.kind))).toEqual([]);
        } catch (err) {
          explainFailure(run, err);
        }
      }),
      params(7000),
    );
    console.log(
      `faults property (disk): ${seen.runs} runs in ${Math.round(performance.now() - t0)} ms`,
    );
    // Not vacuous: the runs choose, lose messages, crash and recover, partition and step.
    const share = (k: keyof typeof seen) => seen[k] / seen.runs;
    expect(share('chosen'), JSON.stringify(seen)).toBeGreaterThan(0.25);
    expect(share('chosenUnderFaults'), JSON.stringify(seen)).toBeGreaterThan(0.1);
    for (const k of ['lost', 'crashed', 'recovered', 'partitioned', 'stepped'] as const) {
      expect(share(k), JSON.stringify(seen)).toBeGreaterThan(0.1);
    }
  }, 60_000);

  it('with amnesia allowed, every run that chooses two values is found and explained', () => {
    let splits = 0;
    let runs = 0;
    const t0 = performance.now();
    fc.assert(
      fc.property(faultScheduleArb({ min: 3, max: 3 }, AMNESIA_WEIGHTS), (s) => {
        const run = playFaults(majorityConfig(s), s.choices, ['lost', 'kept']);
        runs++;
        const values = run.checker.values();
        const kinds = run.state.findings.map((f) => f.kind);
        try {
          expect(run.state.chosen.map((c) => c.value)).toEqual(
            run.checker.chosen.map((c) => c.value),
          );
          if (values.length > 1) {
            splits++;
            const two = run.state.findings.find((f) => f.kind === 'two_values_chosen')!;
            expect(two.values).toEqual(values.slice(0, 2));
            expect(two.explanation).toMatch(
              /what their acceptors remember, and .+ recovered with amnesia: /,
            );
            expect(kinds.some((k) => k === 'forgot_accepted' || k === 'forgot_promise')).toBe(true);
          } else {
            expect(kinds).not.toContain('two_values_chosen');
          }
          // Only amnesia breaks safety here, so every safety finding names a forgetting.
          if (kinds.some((k) => SAFETY.includes(k))) {
            expect(kinds.some((k) => k === 'forgot_accepted' || k === 'forgot_promise')).toBe(true);
          }
        } catch (err) {
          explainFailure(run, err);
        }
      }),
      params(4000),
    );
    console.log(
      `faults property (amnesia): ${runs} runs in ${Math.round(performance.now() - t0)} ms, ${splits} split`,
    );
    expect(splits, 'amnesia never made two movies chosen').toBeGreaterThanOrEqual(3);
  }, 60_000);
});
