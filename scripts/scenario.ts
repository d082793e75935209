// npm run --silent scenario -- FILE.json
// Prints the scenario's transcript on stdout; any problem is one line on stderr and exit 2.
import { readFileSync } from 'node:fs';
import { ScenarioError, parseScenario, runScenario } from '../shared/scenario.ts';

function fail(message: string): never {
  process.stderr.write(`${message.replace(/\s*\n\s*/g, ' ')}\n`);
  process.exit(2);
}

const file = process.argv[2];
if (!file || process.argv.length > 3) fail('usage: npm run --silent scenario -- FILE.json');

let text: string;
try {
  text = readFileSync(file, 'utf8');
} catch (err) {
  fail(`${file}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
}

let json: unknown;
try {
  json = JSON.parse(text);
} catch (err) {
  fail(`${file}: not valid JSON (${(err as Error).message})`);
}

try {
  process.stdout.write(runScenario(parseScenario(json)).transcript);
} catch (err) {
  if (err instanceof ScenarioError) fail(`${file}: ${err.message}`);
  throw err;
}
