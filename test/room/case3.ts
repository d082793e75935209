// Helpers shared by room tests: the seed's case 3 as room commands.
import { readFileSync } from 'node:fs';
import type { NodeCommand } from '../../shared/room/index.ts';

export interface ScenarioStepJson {
  node?: string;
  do?: string;
  value?: string;
  to?: string | string[];
  say?: string;
}

export function seedCase(n: 1 | 2 | 3): ScenarioStepJson[] {
  const url = new URL(`../../scenarios/seed-case-${n}.json`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { steps: ScenarioStepJson[] }).steps;
}

/** A scenario step as a seated player's command (or a host's note for `say`). */
export function asRoomStep(
  step: ScenarioStepJson,
): { say: string } | { node: string; command: NodeCommand } {
  if (step.say !== undefined) return { say: step.say };
  const node = step.node!;
  switch (step.do) {
    case 'newProposal':
      return { node, command: { type: 'node:newProposal', value: step.value! } };
    case 'promiseRequest':
      return { node, command: { type: 'node:promiseRequest', to: step.to as string } };
    case 'acceptRequest':
      return { node, command: { type: 'node:acceptRequest', to: step.to as string } };
    case 'propose':
      return {
        node,
        command: { type: 'node:propose', value: step.value!, to: step.to as string[] },
      };
    default:
      throw new Error(`no room command for step ${step.do}`);
  }
}
