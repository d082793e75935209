// The exhaustive model check (model-check.ts): every reachable state of three
// acceptors and two proposers with one proposal each, under every interleaving
// of deliveries, drops and duplicates. Lamport's value rule never chooses two
// movies; the seed's rule does, and the shortest way is shipped as
// scenarios/seed-rule-two-movies.json. MODEL_CHECK_DUPLICATES=<n> allows more
// duplicates per run than the one `npm test` allows (each one costs ~5x).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario } from '../../shared/scenario.ts';
import type { ModelResult } from './model-check.ts';
import { modelCheck, scenarioSteps } from './model-check.ts';

const DUPLICATES = Number(process.env.MODEL_CHECK_DUPLICATES ?? 1);
const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

function report(what: string, r: ModelResult): void {
  console.log(
    `model check, ${what}: ${r.states.toLocaleString('en-US')} states ` +
      `(${r.afterDrop.toLocaleString('en-US')} of them after a drop), ` +
      `${r.transitions.toLocaleString('en-US')} transitions, ${(r.ms / 1000).toFixed(1)} s`,
  );
}

describe('exhaustive model check: 3 acceptors, 2 proposers, one proposal each', () => {
  it('lamport value rule, drops and no duplicate: no reachable state has two chosen movies', () => {
    const r = modelCheck('lamport', { duplicates: 0, stopAtTwoChosen: false });
    report('lamport rule, every state, deliveries and drops', r);
    expect(r.maxChosen).toBe(1); // a movie does get chosen, and never a second one
    expect(r.states).toBeGreaterThan(30_000);
    expect(r.afterDrop).toBeGreaterThan(10_000);
  }, 120_000);

  it(`lamport value rule, up to ${DUPLICATES} duplicate(s) per run: never two chosen movies`, () => {
    // States after a drop add nothing (see model-check.ts), so this run plays no drop.
    const r = modelCheck('lamport', {
      duplicates: DUPLICATES,
      stopAtTwoChosen: false,
      drops: false,
    });
    report(`lamport rule, every state, deliveries and up to ${DUPLICATES} duplicate(s)`, r);
    expect(r.maxChosen).toBe(1);
    expect(r.states).toBeGreaterThan(DUPLICATES > 0 ? 150_000 : 10_000);
  }, 180_000);

  it('seed value rule: the shortest schedule that chooses two movies is the one shipped', () => {
    // The shortest needs no duplicate (with one allowed it is the same 22 moves, 540,246 states).
    const r = modelCheck('seed', { duplicates: 0, stopAtTwoChosen: true });
    report('seed rule, breadth first to the first state with two movies chosen', r);
    expect(r.twoChosen).not.toBeNull();
    expect(r.twoChosen).toHaveLength(22);
    const file = JSON.parse(read('scenarios/seed-rule-two-movies.json')) as {
      steps: Record<string, unknown>[];
    };
    expect(file.steps.filter((s) => !('say' in s))).toEqual(scenarioSteps(r.twoChosen!));
  }, 60_000);

  it('the shipped schedule chooses two movies in proposal 2, and prints its golden transcript', () => {
    const run = runScenario(parseScenario(JSON.parse(read('scenarios/seed-rule-two-movies.json'))));
    expect(run.transcript).toBe(read('test/golden/seed-rule-two-movies.txt'));
    expect(run.state.chosen.map((c) => [c.proposalId, c.value, c.acceptors])).toEqual([
      [2, 'Barbie', ['Amy', 'Ben']],
      [2, 'Openhimer', ['Amy', 'Ben']],
    ]);
    expect(run.state.findings.map((f) => f.kind)).toEqual([
      'two_values_one_proposal',
      'two_values_chosen',
    ]);
  });

  it('the same schedule under the lamport rule chooses one movie', () => {
    const scenario = parseScenario(JSON.parse(read('scenarios/seed-rule-two-movies.json')));
    const run = runScenario({ ...scenario, valueRule: 'lamport' });
    expect(new Set(run.state.chosen.map((c) => c.value))).toEqual(new Set(['Barbie']));
    expect(run.state.findings).toEqual([]);
  });
});
