// Scenario files learn the network (docs/SCENARIOS.md): deliver, drop or
// duplicate the oldest matching message, hold and release, partition and heal,
// crash and recover, any quorum the notebook accepts, and `--json`.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ScenarioError,
  parseScenario,
  runScenario,
  scenarioReport,
} from '../../shared/scenario.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const BASE = { quorum: 2, nodes: ['Amy', 'Ben', 'Cal'] };
const MANUAL = { ...BASE, delivery: 'manual' };
const amyAsks = [
  { node: 'Amy', do: 'newProposal', value: 'Up' },
  { node: 'Amy', do: 'promiseRequest', to: 'Ben' },
  { node: 'Amy', do: 'promiseRequest', to: 'Cal' },
];

const play = (scenario: unknown) => runScenario(parseScenario(scenario));

function problem(scenario: unknown): string | null {
  try {
    play(scenario);
    return null;
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
    return err.message;
  }
}

describe('scenario steps that pick a message by its fields', () => {
  it('deliver acts on the oldest message in flight matching every given field', () => {
    const { state } = play({ ...MANUAL, steps: [...amyAsks, { do: 'deliver', to: 'Cal' }] });
    expect(state.acceptors.Cal!.promisedId).toBe(1);
    expect(state.acceptors.Ben!.promisedId).toBeNull();
    const replies = play({
      ...MANUAL,
      steps: [
        ...amyAsks,
        { do: 'deliver', kind: 'promiseRequest' }, // #1, to Ben: reply #3
        { do: 'deliver', from: 'Amy' }, // #2, to Cal: reply #4
        { do: 'duplicate', kind: 'promiseReply', from: 'Cal' },
        { do: 'drop', kind: 'promiseReply' }, // the oldest: Ben's #3
      ],
    });
    expect(replies.state.inFlight.map((m) => [m.id, m.from])).toEqual([
      [4, 'Cal'],
      [5, 'Cal'],
    ]);
  });

  it('deliver with an answer picks the message the same way', () => {
    const { state } = play({
      ...MANUAL,
      steps: [...amyAsks, { do: 'deliver', to: 'Ben', answer: 'reject' }],
    });
    expect(state.inFlight.at(-1)).toMatchObject({ kind: 'promiseReply', granted: false });
  });

  it.each([
    [
      'no message matches',
      [...amyAsks, { say: 'x' }, { do: 'deliver', to: 'Amy', kind: 'promiseRequest' }],
      'step 5: no message in flight matches to "Amy" and kind "promiseRequest"',
    ],
    [
      'no field at all',
      [{ do: 'drop' }],
      'step 1: say which message: "message", or at least one of "to", "from", "kind"',
    ],
    [
      'a message id and fields',
      [{ do: 'duplicate', message: 1, to: 'Ben' }],
      'step 1: give either "message" or "to", "from", "kind", not both',
    ],
    [
      'an unknown node',
      [{ do: 'deliver', from: 'Zed' }],
      'step 1: unknown node "Zed" (nodes: Amy, Ben, Cal)',
    ],
    ['an unknown kind', [{ do: 'deliver', kind: 'letter' }], 'step 1: "kind" Invalid option'],
  ])('a pick with %s is refused, naming the step', (_, steps, message) => {
    expect(
      problem({ ...MANUAL, steps })?.startsWith(message),
      String(problem({ ...MANUAL, steps })),
    ).toBe(true);
  });
});

describe('scenario steps for the faults', () => {
  it('hold freezes an instant network from that step on; release goes back, delivering nothing', () => {
    const { transcript, state } = play({
      ...BASE,
      steps: [
        amyAsks[0],
        { do: 'hold' },
        amyAsks[1],
        { do: 'release' },
        amyAsks[2],
        { do: 'deliver', to: 'Ben' },
      ],
    });
    expect(state.proposers.Amy!.promisers).toEqual(['Cal', 'Ben']);
    expect(transcript).toContain('~ from now on the network holds every message\n');
    expect(transcript).toContain(
      '~ the network releases its holds and delays: back to instant delivery\n',
    );
  });

  it('partition loses messages across groups, heal joins them', () => {
    const { transcript, state } = play({
      ...BASE,
      steps: [
        { do: 'partition', groups: [['Amy', 'Ben'], ['Cal']] },
        ...amyAsks,
        { do: 'heal' },
        { node: 'Amy', do: 'promiseRequest', to: 'Cal' },
      ],
    });
    expect(transcript).toContain('~ the network is partitioned into {Amy, Ben} and {Cal}\n');
    expect(transcript).toContain(
      '~ #3 PROMISE Request(p: 1) from Amy to Cal was lost: Amy and Cal are on different sides of the partition\n',
    );
    expect(state.proposers.Amy!.promisers).toEqual(['Ben', 'Cal']);
  });

  it('crash and recover, with the memory kept or lost', () => {
    const steps = (memory: string) => [
      { node: 'Amy', do: 'propose', value: 'Up', to: ['Amy', 'Ben'] },
      { do: 'crash', node: 'Ben' },
      { do: 'recover', node: 'Ben', memory },
      { node: 'Cal', do: 'propose', value: 'Heat', to: ['Ben', 'Cal'] },
    ];
    const kept = scenarioReport(play({ ...BASE, steps: steps('kept') }));
    expect(kept.chosen).toEqual(['Up']);
    const lost = scenarioReport(play({ ...BASE, steps: steps('lost') }));
    expect(lost.chosen).toEqual(['Up', 'Heat']);
    expect(lost.findings.map((f) => f.kind)).toEqual(['forgot_accepted', 'two_values_chosen']);
    expect(lost.transcript).toContain(
      '~ Ben recovered with amnesia: it forgot (promised 1, accepted (1, Up))\n',
    );
  });

  it.each([
    [
      'a crashed node acting',
      [{ do: 'crash', node: 'Amy' }, amyAsks[0]],
      'step 2: Amy has crashed: a crashed node sends nothing until it recovers.',
    ],
    [
      'a memory that is neither kept nor lost',
      [
        { do: 'crash', node: 'Amy' },
        { do: 'recover', node: 'Amy', memory: 'some' },
      ],
      'step 2: "memory" Invalid option',
    ],
    [
      'a recovery without a crash',
      [{ do: 'recover', node: 'Amy', memory: 'kept' }],
      'step 1: Amy has not crashed',
    ],
    [
      'an unknown node in a group',
      [{ do: 'partition', groups: [['Amy', 'Zed']] }],
      'step 1: unknown node "Zed"',
    ],
    [
      'a node in two groups',
      [{ do: 'partition', groups: [['Amy'], ['Amy', 'Ben']] }],
      'step 1: Amy is in two groups of the partition.',
    ],
    ['an empty group', [{ do: 'partition', groups: [[]] }], 'step 1: "groups.0"'],
    ['heal without a partition', [{ do: 'heal' }], 'step 1: The network is not partitioned.'],
    ['release without a hold', [{ do: 'release' }], 'step 1: The network holds and delays nothing'],
    // A hold may name what it holds (saved rounds: shared/room/to-scenario.ts), as the host can.
    ['a hold with a foreign field', [{ do: 'hold', steps: 2 }], 'step 1: unrecognized key "steps"'],
    ['a hold of a message not in flight', [{ do: 'hold', message: 9 }], 'step 1: Message 9'],
  ])('%s is refused, naming the step', (_, steps, message) => {
    const found = problem({ ...BASE, steps });
    expect(found?.startsWith(message), String(found)).toBe(true);
  });
});

describe('any quorum the notebook accepts', () => {
  it('a quorum above the node count plays; nothing can be chosen, and the findings say so', () => {
    const report = scenarioReport(
      play({
        quorum: 4,
        nodes: ['Amy', 'Ben', 'Cal'],
        steps: [...amyAsks, { node: 'Amy', do: 'acceptRequest', to: 'Ben' }],
      }),
    );
    expect(report.transcript).toContain('No promise quorum - cannot send accept request\n');
    expect(report.chosen).toEqual([]);
    expect(report.findings).toEqual([
      {
        kind: 'quorum_above_nodes',
        explanation:
          'The quorum is 4 but the round has only 3 nodes: no value can ever be chosen, whatever ' +
          'the nodes do. Paxos stays safe by never deciding; it needs a quorum the nodes can reach ' +
          'to make progress.',
      },
    ]);
  });
});

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', '--silent', 'scenario', '--', ...args],
      { cwd: ROOT, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('scenario CLI: --json and notes', () => {
  let dir: string;
  const runs: Record<string, Promise<CliResult>> = {};

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'paxos-faults-'));
    const big = join(dir, 'big-quorum.json');
    writeFileSync(
      big,
      JSON.stringify({ quorum: 4, nodes: ['Amy', 'Ben', 'Cal'], steps: [amyAsks[0]] }),
    );
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ ...BASE, steps: [{ say: 'x' }, { do: 'crash', node: 'Zed' }] }),
    );
    // Each npm spawn costs over a second: start them all at once.
    runs.json = cli('--json', join(ROOT, 'scenarios/seed-rule-two-movies.json'));
    runs.big = cli(big);
    runs.bad = cli('--json', bad);
    runs.usage = cli('--json');
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--json prints one object: the transcript, the distinct chosen values in order, the findings', async () => {
    const { code, stdout, stderr } = await runs.json!;
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const out = JSON.parse(stdout) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['transcript', 'chosen', 'findings']);
    expect(out.transcript).toBe(read('test/golden/seed-rule-two-movies.txt'));
    expect(out.chosen).toEqual(['Barbie', 'Openhimer']);
    expect((out.findings as { kind: string }[]).map((f) => f.kind)).toEqual([
      'two_values_one_proposal',
      'two_values_chosen',
    ]);
    expect(Object.keys((out.findings as object[])[0]!)).toEqual(['kind', 'explanation']);
  }, 60_000);

  it('a quorum above the node count prints the transcript and a note on stderr, exit 0', async () => {
    const { code, stdout, stderr } = await runs.big!;
    expect(code).toBe(0);
    expect(stdout).toBe('Amy generated a new proposal id 1 for value : Up\n');
    expect(stderr).toMatch(
      /^\S*big-quorum\.json: note: quorum 4 is more than the 3 nodes, so nothing can ever be chosen\n$/,
    );
  }, 60_000);

  it('a malformed file still prints one line naming the step, exit 2, with --json too', async () => {
    const { code, stdout, stderr } = await runs.bad!;
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toMatch(/^\S*bad\.json: step 2: unknown node "Zed" \(nodes: Amy, Ben, Cal\)\n$/);
    const usage = await runs.usage!;
    expect(usage).toEqual({
      code: 2,
      stdout: '',
      stderr: 'usage: npm run --silent scenario -- [--json] FILE.json\n',
    });
  }, 60_000);
});

describe('docs/SCENARIOS.md: the examples with faults', () => {
  /** Fenced blocks with their language and the prose just before each. */
  const blocks = read('docs/SCENARIOS.md')
    .split(/^```/m)
    .flatMap((part, i, parts) => {
      if (i % 2 === 0) return [];
      const newline = part.indexOf('\n');
      return [
        { lang: part.slice(0, newline), body: part.slice(newline + 1), before: parts[i - 1]! },
      ];
    });

  it('each example that "It prints" prints exactly that, and reports what its --json block says', () => {
    let played = 0;
    let reported = 0;
    blocks.forEach((b, i) => {
      const shown = blocks[i + 1];
      if (
        b.lang !== 'json' ||
        shown?.lang !== 'text' ||
        !shown.before.trim().startsWith('It prints')
      ) {
        return;
      }
      const report = scenarioReport(play(JSON.parse(b.body)));
      expect(report.transcript).toBe(shown.body);
      played++;
      const json = blocks[i + 2];
      if (json?.lang === 'jsonc' && json.before.includes('`--json` reports')) {
        // JSONC, as prettier writes it: trailing commas allowed.
        const shownReport = JSON.parse(json.body.replace(/,(\s*[}\]])/g, '$1')) as unknown;
        expect(shownReport).toEqual({ chosen: report.chosen, findings: report.findings });
        reported++;
      }
    });
    expect(played).toBe(2);
    expect(reported).toBe(1);
  });
});
