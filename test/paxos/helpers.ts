// What the engine's rule tests share: a five-node room, commands by name, and
// playing them through decide + evolve.
import { decide } from '../../shared/paxos/decide.ts';
import type { PaxosCommand, PaxosError } from '../../shared/paxos/events.ts';
import { foldPaxos, initialPaxosState } from '../../shared/paxos/evolve.ts';
import { renderTranscript } from '../../shared/paxos/transcript.ts';
import type { Delivery, PaxosConfig, PaxosState } from '../../shared/paxos/types.ts';

export const NODES = ['Amy', 'Ben', 'Cal', 'Dan', 'Eva'];

/** A fresh room of NODES with quorum 3 and the seed's value rule; `delivery` is the file's default. */
export function roomOf(delivery: Delivery) {
  return (config: Partial<PaxosConfig> = {}): PaxosState =>
    initialPaxosState({ nodes: NODES, quorum: 3, delivery, valueRule: 'seed', ...config });
}

/** One command: the state after it, its events and the lines it prints. */
export function step(state: PaxosState, command: PaxosCommand) {
  const decision = decide(state, command);
  if (!decision.ok) throw new Error(`${command.type} refused: ${decision.error.message}`);
  return {
    state: foldPaxos(state, decision.events),
    events: decision.events,
    lines: renderTranscript(state, decision.events),
  };
}

export function play(state: PaxosState, ...commands: PaxosCommand[]): PaxosState {
  for (const command of commands) state = step(state, command).state;
  return state;
}

export function refused(state: PaxosState, command: PaxosCommand): PaxosError {
  const decision = decide(state, command);
  if (decision.ok) throw new Error(`${command.type} was not refused`);
  return decision.error;
}

export const newProposal = (node: string, value: string): PaxosCommand => ({
  type: 'newProposal',
  node,
  value,
});
export const promise = (node: string, to: string): PaxosCommand => ({
  type: 'promiseRequest',
  node,
  to,
});
export const accept = (node: string, to: string): PaxosCommand => ({
  type: 'acceptRequest',
  node,
  to,
});
export const propose = (node: string, value: string, to: string[]): PaxosCommand => ({
  type: 'propose',
  node,
  value,
  to,
});
export const promises = (node: string, ...to: string[]): PaxosCommand[] =>
  to.map((t) => promise(node, t));
export const accepts = (node: string, ...to: string[]): PaxosCommand[] =>
  to.map((t) => accept(node, t));
export const deliver = (messageId: number, answer?: 'grant' | 'reject'): PaxosCommand =>
  answer ? { type: 'deliver', messageId, answer } : { type: 'deliver', messageId };
export const drop = (messageId: number): PaxosCommand => ({ type: 'drop', messageId });
export const duplicate = (messageId: number): PaxosCommand => ({ type: 'duplicate', messageId });
