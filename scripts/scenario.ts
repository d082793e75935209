// npm run --silent scenario -- [--json] FILE.json
// Prints the scenario's transcript on stdout (with --json: one JSON object, its transcript,
// chosen values and findings); any problem is one line on stderr and exit 2.
import { readFileSync } from 'node:fs';
import { ScenarioError, parseScenario, runScenario, scenarioReport } from '../shared/scenario.ts';

const USAGE = 'usage: npm run --silent scenario -- [--json] FILE.json';

function fail(message: string): never {
  process.stderr.write(`${message.replace(/\s*\n\s*/g, ' ')}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
const json = args[0] === '--json';
const files = json ? args.slice(1) : args;
const file = files[0];
if (!file || files.length > 1 || file.startsWith('--')) fail(USAGE);

let text: string;
try {
  text = readFileSync(file, 'utf8');
} catch (err) {
  fail(`${file}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
}

let input: unknown;
try {
  input = JSON.parse(text);
} catch (err) {
  fail(`${file}: not valid JSON (${(err as Error).message})`);
}

try {
  const scenario = parseScenario(input);
  const run = runScenario(scenario);
  if (json) {
    process.stdout.write(`${JSON.stringify(scenarioReport(run), null, 2)}\n`);
  } else {
    process.stdout.write(run.transcript);
    // The notebook prints nothing about it, so the transcript does not either: a note on stderr.
    if (scenario.quorum > scenario.nodes.length) {
      process.stderr.write(
        `${file}: note: quorum ${scenario.quorum} is more than the ${scenario.nodes.length} nodes, ` +
          `so nothing can ever be chosen\n`,
      );
    }
  }
} catch (err) {
  if (err instanceof ScenarioError) fail(`${file}: ${err.message}`);
  throw err;
}
