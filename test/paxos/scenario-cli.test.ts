// The scenario file format and its CLI (`npm run --silent scenario -- FILE`).
// Most bad files are checked through parseScenario/runScenario directly; a few
// go through the real CLI, whose contract is: transcript on stdout and exit 0,
// or exactly one line on stderr, nothing on stdout and exit 2.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScenarioError, parseScenario, runScenario } from '../../shared/scenario.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run --silent scenario -- file`, as a user types it. */
function cli(file: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', '--silent', 'scenario', '--', file],
      { cwd: ROOT, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The ScenarioError a scenario is refused with (parse or play), or null if it plays. */
function problem(scenario: unknown): { message: string; step?: number } | null {
  try {
    runScenario(parseScenario(scenario));
    return null;
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
    return { message: err.message, step: err.step };
  }
}

const BASE = { quorum: 2, nodes: ['Amy', 'Ben', 'Cal'] };

describe('scenario CLI', () => {
  let dir: string;
  const runs: Record<string, Promise<CliResult>> = {};

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'paxos-scenario-'));
    const file = (name: string, text: string) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    // Each npm spawn costs over a second: start them all at once.
    runs.seed = cli(join(ROOT, 'scenarios/seed-case-2.json'));
    runs.notJson = cli(file('not-json.json', '{"quorum": 3,'));
    runs.fly = cli(
      file('fly.json', JSON.stringify({ ...BASE, steps: [{ say: 'hi' }, { do: 'fly' }] })),
    );
    runs.missing = cli(join(dir, 'missing.json'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the transcript of a seed case and exits 0', async () => {
    const { code, stdout, stderr } = await runs.seed!;
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toBe(read('test/golden/seed-case-2.txt'));
  }, 60_000);

  it('a file that is not JSON: exit 2, one line on stderr, nothing on stdout', async () => {
    const { code, stdout, stderr } = await runs.notJson!;
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toMatch(/^\S*not-json\.json: not valid JSON \([^\n]+\)\n$/);
  }, 60_000);

  it('an unknown step {"do":"fly"}: exit 2, one line naming the step', async () => {
    const { code, stdout, stderr } = await runs.fly!;
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toMatch(
      /^\S*fly\.json: step 2: unknown step "fly" \(expected "say" or "do": [^\n]+\)\n$/,
    );
  }, 60_000);

  it('a missing file: exit 2, one line', async () => {
    const { code, stdout, stderr } = await runs.missing!;
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toMatch(/^\S*missing\.json: cannot read the file \(ENOENT\)\n$/);
  }, 60_000);
});

describe('scenario files: what is refused, and where', () => {
  it.each([
    [
      'an unknown node',
      { ...BASE, steps: [{ say: 'hi' }, { node: 'Zed', do: 'newProposal', value: 'Up' }] },
      'step 2: unknown node "Zed" (nodes: Amy, Ben, Cal)',
    ],
    [
      'an unknown receiver in propose',
      { ...BASE, steps: [{ node: 'Amy', do: 'propose', value: 'Up', to: ['Amy', 'Zed'] }] },
      'step 1: unknown node "Zed" (nodes: Amy, Ben, Cal)',
    ],
    ['an unknown step', { ...BASE, steps: [{ do: 'fly' }] }, 'step 1: unknown step "fly"'],
    ['a step without "do"', { ...BASE, steps: [{ node: 'Amy' }] }, 'step 1: unknown step null'],
    ['a step that is not an object', { ...BASE, steps: [3] }, 'step 1: a step must be an object'],
    [
      'a title of the wrong type',
      { ...BASE, steps: [{ node: 'Amy', do: 'newProposal', value: 3 }] },
      'step 1: "value" Invalid input: expected string, received number',
    ],
    [
      'receivers that are not a list',
      { ...BASE, steps: [{ node: 'Amy', do: 'propose', value: 'Up', to: 'Ben' }] },
      'step 1: "to" Invalid input: expected array, received string',
    ],
    [
      'an empty title',
      { ...BASE, steps: [{ node: 'Amy', do: 'newProposal', value: '' }] },
      'step 1: "value"',
    ],
    [
      'an extra key in a step',
      { ...BASE, steps: [{ node: 'Amy', do: 'newProposal', value: 'Up', colour: 'red' }] },
      'step 1: unrecognized key "colour"',
    ],
    [
      'an extra key in a say step',
      { ...BASE, steps: [{ say: 'x', node: 'Amy' }] },
      'step 1: unrecognized key "node"',
    ],
    [
      'an answer that is neither grant nor reject',
      { ...BASE, delivery: 'manual', steps: [{ do: 'deliver', message: 1, answer: 'maybe' }] },
      'step 1: "answer" Invalid option',
    ],
    [
      'a message id below 1',
      { ...BASE, delivery: 'manual', steps: [{ do: 'drop', message: 0 }] },
      'step 1: "message"',
    ],
    [
      'a message that is not in flight (found while playing)',
      { ...BASE, delivery: 'manual', steps: [{ say: 'a' }, { do: 'deliver', message: 5 }] },
      'step 2: Message 5 is not in flight.',
    ],
    [
      'an answer to a reply (found while playing)',
      {
        ...BASE,
        delivery: 'manual',
        steps: [
          { node: 'Amy', do: 'newProposal', value: 'Up' },
          { node: 'Amy', do: 'promiseRequest', to: 'Ben' },
          { do: 'deliver', message: 1 },
          { do: 'deliver', message: 2, answer: 'grant' },
        ],
      },
      'step 4: Message 2 is a reply; only requests are answered.',
    ],
  ])('a step with %s is refused, naming the step', (_, scenario, message) => {
    const found = problem(scenario);
    expect(found?.message.startsWith(message), `${found?.message}`).toBe(true);
    expect(found?.step).toBe(Number(/^step (\d+)/.exec(message)![1]));
  });

  it.each([
    ['a quorum of the wrong type', { ...BASE, quorum: '2', steps: [] }, '"quorum" Invalid input'],
    [
      'an extra key in the header',
      { ...BASE, steps: [], colour: 'red' },
      'unrecognized key "colour"',
    ],
    [
      'a node listed twice',
      { quorum: 1, nodes: ['Amy', 'Amy'], steps: [] },
      'node "Amy" is listed twice',
    ],
    [
      'a reserved node name',
      { quorum: 1, nodes: ['__proto__'], steps: [] },
      '"nodes.0" is a reserved word',
    ],
    ['an unknown delivery', { ...BASE, delivery: 'slow', steps: [] }, '"delivery" Invalid option'],
    ['no steps', { ...BASE }, '"steps" Invalid input'],
    ['a list instead of an object', [BASE], 'Invalid input: expected object'],
  ])('a header with %s is refused (no step number)', (_, scenario, message) => {
    const found = problem(scenario);
    expect(found?.message.startsWith(message), `${found?.message}`).toBe(true);
    expect(found?.step).toBeUndefined();
  });

  it("an unknown key is named the way an author reads it, not in zod's words", () => {
    const typo = { ...BASE, steps: [{ node: 'Amy', do: 'newProposal', vlaue: 'Up' }] };
    expect(problem(typo)?.message).toBe('step 1: unrecognized key "vlaue"');
    const two = { ...BASE, steps: [{ say: 'x', node: 'Amy', to: 'Ben' }] };
    expect(problem(two)?.message).toBe('step 1: unrecognized keys "node", "to"');
    expect(problem({ ...BASE, steps: [], colour: 'red' })?.message).toBe(
      'unrecognized key "colour"',
    );
  });

  it('defaults: instant delivery, the seed value rule, no title', () => {
    const scenario = parseScenario({ ...BASE, steps: [] });
    expect(scenario).toEqual({ ...BASE, delivery: 'instant', valueRule: 'seed', steps: [] });
  });

  it('say prints like Python print: a trailing "\\n" gives a blank line', () => {
    const { transcript } = runScenario(
      parseScenario({ ...BASE, steps: [{ say: 'one' }, { say: 'two\n' }, { say: '' }] }),
    );
    expect(transcript).toBe('one\ntwo\n\n\n');
  });

  it('refusals print the seed’s lines, or nothing for propose to too few nodes', () => {
    const { transcript } = runScenario(
      parseScenario({
        ...BASE,
        steps: [
          { node: 'Amy', do: 'promiseRequest', to: 'Ben' },
          { node: 'Amy', do: 'acceptRequest', to: 'Ben' },
          { node: 'Amy', do: 'propose', value: 'Up', to: ['Ben', 'Ben'] },
        ],
      }),
    );
    expect(transcript).toBe(
      'Proposal not initiated, Cannot send promise request\n' +
        'No promise quorum - cannot send accept request\n',
    );
  });

  it('each scenario starts its proposal counter at 1', () => {
    const scenario = parseScenario({
      ...BASE,
      steps: [{ node: 'Amy', do: 'newProposal', value: 'Up' }],
    });
    expect(runScenario(scenario).transcript).toBe(
      'Amy generated a new proposal id 1 for value : Up\n',
    );
    expect(runScenario(scenario).transcript).toBe(
      'Amy generated a new proposal id 1 for value : Up\n',
    );
  });
});

/** The fenced code blocks of a markdown text, each with its language and the prose before it. */
function codeBlocks(markdown: string) {
  const parts = markdown.split(/^```/m); // prose, block, prose, block, ...
  const blocks: { lang: string; body: string; before: string }[] = [];
  for (let i = 1; i < parts.length; i += 2) {
    const newline = parts[i]!.indexOf('\n');
    blocks.push({
      lang: parts[i]!.slice(0, newline),
      body: parts[i]!.slice(newline + 1),
      before: parts[i - 1]!,
    });
  }
  return blocks;
}

describe('docs/SCENARIOS.md', () => {
  const blocks = codeBlocks(read('docs/SCENARIOS.md'));

  it('has two worked examples, and each prints exactly the transcript shown', () => {
    // An example is a json block followed by "prints…:" and the text block it prints.
    const examples = blocks.flatMap((b, i) => {
      const next = blocks[i + 1];
      return b.lang === 'json' && next?.lang === 'text' && next.before.trim().startsWith('prints')
        ? [{ scenario: JSON.parse(b.body) as unknown, shown: next.body }]
        : [];
    });
    expect(examples).toHaveLength(2);
    for (const { scenario, shown } of examples) {
      expect(runScenario(parseScenario(scenario)).transcript).toBe(shown);
    }
  });

  it('every json block in it is a valid scenario', () => {
    const json = blocks.filter((b) => b.lang === 'json');
    expect(json.length).toBeGreaterThanOrEqual(3);
    for (const b of json) expect(() => parseScenario(JSON.parse(b.body))).not.toThrow();
  });
});
