/*
 * The network's faults in words, for the host's console, the list of messages
 * in flight and the map (all loaded on demand). The engine decides what a
 * fault does (shared/paxos/network.ts); these only say what its state is.
 */
import type {
  DelayRule,
  Message,
  MessageFilter,
  MessageKind,
  PaxosState,
} from '../../shared/paxos/index.ts';
import { dueStep, fate, networkPolicy, nextToStep, currentStep } from '../../shared/paxos/index.ts';

export const KIND_WORDS: Record<MessageKind, string> = {
  promiseRequest: 'promise requests',
  acceptRequest: 'accept requests',
  promiseReply: 'promise replies',
  acceptReply: 'accept replies',
};

/** "Amy, Ben | Cal, Dan, Eva" */
export const partitionWords = (groups: readonly (readonly string[])[]): string =>
  groups.map((g) => g.join(', ')).join(' | ');

/** Which messages a hold or a delay matches: "everything", "accept requests from Amy to Cal"... */
export function filterWords(filter: MessageFilter | Omit<DelayRule, 'steps'>): string {
  if ('messageId' in filter && filter.messageId !== undefined)
    return `message #${filter.messageId}`;
  const parts: string[] = [];
  if (filter.node !== undefined) parts.push(`to or from ${filter.node}`);
  if (filter.from !== undefined) parts.push(`from ${filter.from}`);
  if (filter.to !== undefined) parts.push(`to ${filter.to}`);
  if (parts.length === 0 && filter.kind === undefined) return 'everything';
  return [filter.kind ? KIND_WORDS[filter.kind] : 'messages', ...parts].join(' ');
}

/** What the network does now, in a line: "Holding everything", "Delivering at once"... */
export function networkStatus(paxos: PaxosState): string {
  const net = paxos.network;
  const held = net?.holds ?? [];
  if (held.some((h) => filterWords(h) === 'everything')) return 'Holding everything';
  const parts: string[] = [];
  if (held.length) parts.push(`Holding ${held.map(filterWords).join('; ')}`);
  if (net?.delays.length) {
    parts.push(
      `Delaying ${net.delays.map((d) => `${filterWords(d)} by ${d.steps} step${d.steps === 1 ? '' : 's'}`).join('; ')}`,
    );
  }
  if (parts.length) return parts.join('. ');
  return paxos.config.delivery === 'manual'
    ? 'Manual delivery: holding everything'
    : 'Delivering at once';
}

/** Where a message in flight waits, in words: a player's inbox, a delay, or the host's hand. */
export function waitsFor(paxos: PaxosState, m: Message): string {
  if (fate(networkPolicy(paxos), m) === 'inbox') return `waits in ${m.to}'s inbox`;
  const due = dueStep(paxos.network, m.id);
  if (due > currentStep(paxos)) return `delayed until step ${due}`;
  return 'held';
}

/** The message the next step delivers, if any. */
export const nextStepped = (paxos: PaxosState): Message | null =>
  nextToStep(paxos, currentStep(paxos) + 1);
