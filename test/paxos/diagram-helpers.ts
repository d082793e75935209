// The seed cases and a few runs as Paxos events, for the diagram and quorum tests.
import { readFileSync } from 'node:fs';
import { decide } from '../../shared/paxos/decide.ts';
import type { PaxosCommand, PaxosEvent } from '../../shared/paxos/events.ts';
import { foldPaxos, initialPaxosState } from '../../shared/paxos/evolve.ts';
import type { PaxosConfig, PaxosState } from '../../shared/paxos/types.ts';
import { parseScenario } from '../../shared/scenario.ts';

export interface Run {
  config: PaxosConfig;
  events: PaxosEvent[];
  state: PaxosState;
}

/** Plays commands from a fresh instance, keeping every event; a refusal fails the test. */
export function run(config: PaxosConfig, commands: readonly PaxosCommand[]): Run {
  let state = initialPaxosState(config);
  const events: PaxosEvent[] = [];
  for (const command of commands) {
    const d = decide(state, command);
    if (!d.ok) throw new Error(`${command.type} refused: ${d.error.message}`);
    state = foldPaxos(state, d.events);
    events.push(...d.events);
  }
  return { config, events, state };
}

/** The notebook's case `n` (scenarios/seed-case-N.json): its steps are node moves only. */
export function seedCase(n: 1 | 2 | 3): Run {
  const url = new URL(`../../scenarios/seed-case-${n}.json`, import.meta.url);
  const scenario = parseScenario(JSON.parse(readFileSync(url, 'utf8')));
  const config: PaxosConfig = {
    nodes: scenario.nodes,
    quorum: scenario.quorum,
    delivery: scenario.delivery,
    valueRule: scenario.valueRule,
  };
  const commands: PaxosCommand[] = [];
  for (const step of scenario.steps) {
    if (!('do' in step)) continue; // say (and ask) steps print or ask; they move nothing
    if (step.do === 'newProposal')
      commands.push({ type: 'newProposal', node: step.node, value: step.value });
    else if (step.do === 'promiseRequest' || step.do === 'acceptRequest')
      commands.push({ type: step.do, node: step.node, to: step.to });
    else throw new Error(`seed case ${n} has a ${step.do} step`);
  }
  return run(config, commands);
}

export const FIVE = ['Amy', 'Ben', 'Cal', 'Dan', 'Eva'];

const ask = (
  node: string,
  kind: 'promiseRequest' | 'acceptRequest',
  ...to: string[]
): PaxosCommand[] => to.map((t) => ({ type: kind, node, to: t }));

/** Quorum 2 of 5: Amy and Ben choose Openhimer, then Dan and Eva choose Barbie. */
export function twoMovies(): Run {
  return run({ nodes: FIVE, quorum: 2, delivery: 'instant', valueRule: 'seed' }, [
    { type: 'newProposal', node: 'Amy', value: 'Openhimer' },
    ...ask('Amy', 'promiseRequest', 'Amy', 'Ben'),
    ...ask('Amy', 'acceptRequest', 'Amy', 'Ben'),
    { type: 'newProposal', node: 'Dan', value: 'Barbie' },
    ...ask('Dan', 'promiseRequest', 'Dan', 'Eva'),
    ...ask('Dan', 'acceptRequest', 'Dan', 'Eva'),
  ]);
}
