// Golden transcripts: the seed notebook's printed cases are the oracle.
// (test/paxos/scenario-cli.test.ts checks that `npm run --silent scenario` prints them.)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario } from '../../shared/scenario.ts';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/**
 * The notebook's counter carried over between cells (case 2 starts at 3, case 3
 * at 5); each scenario starts at 1. Every number that is a proposal id moves back.
 */
function renumber(text: string, offset: number): string {
  return text.replace(
    /(proposal id |\(p: |acc_p: |Promise\(|Accept\(|, p: )(\d+)/g,
    (_, head: string, id: string) => `${head}${Number(id) - offset}`,
  );
}

describe.each([
  [1, 0],
  [2, 2],
  [3, 4],
])('seed case %i', (n, offset) => {
  const file = `scenarios/seed-case-${n}.json`;

  it('prints the golden transcript', () => {
    const { transcript } = runScenario(parseScenario(JSON.parse(read(file))));
    expect(transcript).toBe(read(`test/golden/seed-case-${n}.txt`));
  });

  it('starts with exactly what the notebook printed for this case', () => {
    const { transcript } = runScenario(parseScenario(JSON.parse(read(file))));
    const printed = renumber(read(`test/golden/notebook-case-${n}.txt`), offset);
    expect(printed.length).toBeGreaterThan(500);
    expect(transcript.startsWith(printed)).toBe(true);
  });
});
