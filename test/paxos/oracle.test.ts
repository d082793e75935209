// Differential test: our engine against the seed notebook's own Python PaxosNode.
// Random scenarios (instant delivery, seed value rule) are played by both; the
// transcripts must be equal character for character.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario } from '../../shared/scenario.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RUNNER = fileURLToPath(new URL('../oracle/run.py', import.meta.url));
const SEED = Number(process.env.PAXOS_FC_SEED ?? 20261127);
const RUNS = Number(process.env.PAXOS_ORACLE_RUNS ?? 400);

const NAMES = ['Amy', 'Ben', 'Cal', 'Dan', 'Eva', 'Fay'];
// Awkward titles on purpose: Python's None, spaces, punctuation, non-ASCII.
const MOVIES = ['Openhimer', 'Barbie', 'None', 'Amélie', 'Up', 'The Third Man', '8½', '"Heat"'];

type Step = Record<string, unknown>;
const NOTEBOOK_STEPS = new Set<unknown>([
  'newProposal',
  'promiseRequest',
  'acceptRequest',
  'propose',
]);
interface RawScenario {
  title: string;
  quorum: number;
  nodes: string[];
  steps: Step[];
}

/** JSON with every non-ASCII character escaped, so Python's stdin encoding cannot matter. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Plays every scenario in ONE python3 process (test/oracle/run.py) and returns its transcripts. */
function pythonTranscripts(scenarios: unknown[], env: NodeJS.ProcessEnv = process.env): string[] {
  const result = spawnSync('python3', [RUNNER], {
    cwd: ROOT,
    input: asciiJson(scenarios),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...env, PYTHONIOENCODING: 'utf-8' },
  });
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(
      missing
        ? 'python3 is not installed or not on PATH: the differential test needs it to run the ' +
            "seed notebook's own code (test/oracle/run.py). Install python3 (node-gyp needs it anyway)."
        : `could not run python3 test/oracle/run.py: ${result.error.message}`,
    );
  }
  if (result.status !== 0) {
    throw new Error(`python3 test/oracle/run.py exited ${result.status}:\n${result.stderr}`);
  }
  const out: unknown = JSON.parse(result.stdout);
  if (!Array.isArray(out) || out.length !== scenarios.length) {
    throw new Error(`test/oracle/run.py returned ${String(out)} for ${scenarios.length} scenarios`);
  }
  return out as string[];
}

/** A random valid scenario for both engines: instant delivery, seed rule, small. */
const scenarioArb: fc.Arbitrary<RawScenario> = fc.integer({ min: 3, max: 6 }).chain((n) => {
  const nodes = NAMES.slice(0, n);
  const node = fc.constantFrom(...nodes);
  // Two or three busy proposers: their proposals overtake each other, so requests get rejected.
  const proposer = fc.constantFrom(...nodes.slice(0, 3), nodes[0]!, nodes[1]!);
  const movie = fc.constantFrom(...MOVIES);
  const step: fc.Arbitrary<Step> = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({ node: proposer, do: fc.constant('newProposal'), value: movie }),
    },
    {
      weight: 6,
      arbitrary: fc.record({ node: proposer, do: fc.constant('promiseRequest'), to: node }),
    },
    {
      weight: 6,
      arbitrary: fc.record({ node: proposer, do: fc.constant('acceptRequest'), to: node }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        node,
        do: fc.constant('propose'),
        value: movie,
        // Repeats allowed, as in Python's *nodes; too few distinct nodes prints nothing.
        to: fc.array(node, { minLength: 1, maxLength: n + 2 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        say: fc.oneof(
          fc.string({ maxLength: 12 }),
          fc.constantFrom('== Amy reached quorum ===\n', '', '\n', 'é ½ \t tab'),
        ),
      }),
    },
  );
  return fc.record({
    title: fc.constant('random'),
    quorum: fc.integer({ min: 1, max: n }),
    nodes: fc.constant(nodes),
    steps: fc.array(step, { minLength: 2, maxLength: 30, size: 'max' }),
  });
});

/**
 * The notebook's own code, instant delivery, majority quorum: Eva asks Dan for a promise
 * after her first accept requests, Dan reports Amy's older value, and Eva's next accept
 * requests carry it. Proposal 2 gets two values, and both are chosen.
 */
const LATE_PROMISE = {
  title: 'late promise',
  quorum: 3,
  nodes: ['Amy', 'Ben', 'Cal', 'Dan', 'Eva'],
  steps: [
    { node: 'Amy', do: 'newProposal', value: 'Openhimer' },
    ...['Amy', 'Ben', 'Cal'].map((to) => ({ node: 'Amy', do: 'promiseRequest', to })),
    { node: 'Amy', do: 'acceptRequest', to: 'Dan' },
    { node: 'Eva', do: 'newProposal', value: 'Barbie' },
    ...['Amy', 'Ben', 'Cal'].map((to) => ({ node: 'Eva', do: 'promiseRequest', to })),
    ...['Eva', 'Ben', 'Cal'].map((to) => ({ node: 'Eva', do: 'acceptRequest', to })),
    { node: 'Eva', do: 'promiseRequest', to: 'Dan' },
    ...['Amy', 'Ben', 'Cal'].map((to) => ({ node: 'Eva', do: 'acceptRequest', to })),
  ],
};

function ours(scenario: unknown) {
  return runScenario(parseScenario(scenario));
}

describe("the engine prints what the seed notebook's Python prints", () => {
  const seedCases = [1, 2, 3].map(
    (n) => JSON.parse(readFileSync(`${ROOT}scenarios/seed-case-${n}.json`, 'utf8')) as unknown,
  );
  // The instant-delivery examples of docs/SCENARIOS.md, which says the notebook prints the same
  // (those with fault steps, which the notebook cannot play, excepted).
  const docExamples = readFileSync(`${ROOT}docs/SCENARIOS.md`, 'utf8')
    .split(/^```/m)
    .filter((block) => block.startsWith('json\n'))
    .map((block) => JSON.parse(block.slice(5)) as { delivery?: string; steps: Step[] })
    .filter((scenario) => (scenario.delivery ?? 'instant') === 'instant')
    .filter((scenario) => scenario.steps.every((s) => 'say' in s || NOTEBOOK_STEPS.has(s.do)));
  const random = fc.sample(scenarioArb, { seed: SEED, numRuns: RUNS });
  const all = [...seedCases, LATE_PROMISE, ...docExamples, ...random];
  let theirs: string[] | undefined;
  /** Every scenario goes through one python3 process, run once for this file. */
  const python = () => (theirs ??= pythonTranscripts(all));

  it(`for the seed cases, the docs' examples and ${RUNS} random scenarios (one python3 process)`, () => {
    expect(docExamples.length).toBeGreaterThanOrEqual(2);
    const transcripts = python();
    all.forEach((scenario, i) => {
      const mine = ours(scenario).transcript;
      if (mine !== transcripts[i]) {
        // Show the whole scenario so that the case can be saved as a file and replayed.
        expect(
          { scenario, transcript: mine },
          `scenario #${i} (fast-check seed ${SEED}) differs from the seed's Python`,
        ).toEqual({ scenario, transcript: transcripts[i] });
      }
    });

    // The samples are not trivial: they choose, reject and refuse.
    const count = (pattern: string) => transcripts.filter((t) => t.includes(pattern)).length;
    expect(count(' chose : ')).toBeGreaterThan(RUNS / 4);
    expect(count('[REJ]')).toBeGreaterThan(RUNS / 10);
    expect(count('No promise quorum')).toBeGreaterThan(RUNS / 10);
    expect(count('Proposal not initiated')).toBeGreaterThan(RUNS / 10);
  });

  it('for a late promise that changes the value inside one proposal (two values chosen)', () => {
    const mine = ours(LATE_PROMISE);
    expect(mine.transcript).toBe(python()[all.indexOf(LATE_PROMISE)]);
    expect(mine.state.chosen.map((c) => `${c.proposalId}:${c.value}`)).toEqual([
      '2:Barbie',
      '2:Openhimer',
    ]);
    expect(mine.state.findings.map((f) => f.kind)).toEqual([
      'two_values_one_proposal',
      'two_values_chosen',
    ]);
  });

  it('fails with a clear message, not a skip, when python3 is missing', () => {
    expect(() => pythonTranscripts([], { PATH: '/nonexistent' })).toThrow(
      /python3 is not installed or not on PATH/,
    );
  });
});
