// The host's fault commands by name, for the engine's fault tests.
import type { Memory, PaxosCommand } from '../../shared/paxos/events.ts';
import type { MessageFilter, PaxosState } from '../../shared/paxos/types.ts';
import { deliver, play } from './helpers.ts';

export const hold = (filter: MessageFilter = {}): PaxosCommand => ({ type: 'hold', ...filter });
export const release: PaxosCommand = { type: 'release' };
export const delay = (
  steps: number,
  filter: Omit<MessageFilter, 'messageId'> = {},
): PaxosCommand => ({
  type: 'delay',
  ...filter,
  steps,
});
export const partition = (...groups: string[][]): PaxosCommand => ({ type: 'partition', groups });
export const heal: PaxosCommand = { type: 'heal' };
export const crash = (node: string): PaxosCommand => ({ type: 'crash', node });
export const recover = (node: string, memory: Memory): PaxosCommand => ({
  type: 'recover',
  node,
  memory,
});
export const stepNet = (messageId?: number): PaxosCommand =>
  messageId === undefined ? { type: 'step' } : { type: 'step', messageId };

/** Delivers everything in flight, oldest first, until nothing is left. */
export function settle(state: PaxosState): PaxosState {
  while (state.inFlight.length > 0) state = play(state, deliver(state.inFlight[0]!.id));
  return state;
}

/** `[id, kind, from, to]` of every message in flight, oldest first. */
export const flight = (s: PaxosState) => s.inFlight.map((m) => [m.id, m.kind, m.from, m.to]);
