import { isRequest } from './events.ts';
import type { Message, MessageFilter, NetworkState, PaxosState, Request } from './types.ts';

/*
 * The network's one home. When a message enters flight (a request when it is
 * sent, a reply when its request is answered) decide asks `fate` what becomes
 * of it, and every question of the form "is this request waiting for its
 * player" is answered here too, by asking the same function again.
 *
 * The policy is data: an ordered list of entries, the first entry that matches
 * a message says its fate, and a message no entry matches is delivered at once
 * (the seed's instant delivery). The entries come from the round's config
 * (`inbox`: be the acceptor; `hold`: manual delivery) and from the faults the
 * host's commands set during a round (`PaxosState.network`, absent in logs
 * without faults so that they fold as before), in this order of precedence:
 *
 *   1. losses, fate `lost`: `{ type: 'partition', groups }` matches a message
 *      whose sender and receiver are in different groups; `{ type: 'crashed',
 *      nodes }` a message to a crashed node (a crashed node sends nothing: decide
 *      refuses its commands, and its propose loop stopped when it crashed). They
 *      are also asked when a held message is delivered (`lossOf`), since a
 *      partition or a crash can begin while it is in flight; a message a node
 *      sent before it crashed is still delivered.
 *   2. the host's holds, fate `hold`: `{ type: 'hold', from?, to?, node?, kind?,
 *      messageId? }` ("hold messages to or from Cal", "hold this one message");
 *      with no field it is "hold everything from now on".
 *   3. `{ type: 'inbox', nodes }`: a request to one of `nodes` waits for its
 *      node's player (even under instant delivery).
 *   4. the host's delays, fate `hold`: `{ type: 'delay', steps, ...filter }`.
 *   5. the round's delivery policy: manual delivery is `{ type: 'hold' }` last.
 *
 * A held message that a delay entry matches (whichever entry held it) also
 * records the step it is due at (`delayOf`): `step` delivers the oldest due
 * message. A request in an inbox is never delayed: it waits for its player.
 *
 * The fate is asked once, as the message enters flight: a policy that changes
 * mid-round delivers or loses nothing by itself. The queries below ask the
 * policy of the current state, so a request held by the host while it is
 * frozen is back in its inbox once the hold is released, and a request to a
 * crashed node leaves its inbox.
 */

/** What becomes of a message as it enters flight. */
export const FATES = ['deliver', 'hold', 'inbox', 'lost'] as const;
export type Fate = (typeof FATES)[number];

/** One entry of the delivery policy: which messages it matches, by its `type`. */
export type NetworkRule =
  /** A partition: a message between two of `groups` is lost, e.g. `{ type: 'partition', groups: [['Amy'], ['Ben', 'Cal']] }`. */
  | { type: 'partition'; groups: readonly (readonly string[])[] }
  /** Crashed nodes: a message to one of them is lost, e.g. `{ type: 'crashed', nodes: ['Cal'] }`. */
  | { type: 'crashed'; nodes: readonly string[] }
  /** Be the acceptor: a request to one of `nodes` waits in that node's inbox, e.g. `{ type: 'inbox', nodes: ['Ben'] }`. */
  | { type: 'inbox'; nodes: readonly string[] }
  /**
   * Hold matching messages in flight until someone delivers, drops or duplicates
   * them; with no filter field every message (manual delivery), e.g. `{ type: 'hold', to: 'Cal' }`.
   */
  | ({ type: 'hold' } & MessageFilter)
  /** Hold matching messages and let `step` deliver them only `steps` steps later, e.g. `{ type: 'delay', from: 'Amy', steps: 2 }`. */
  | ({ type: 'delay'; steps: number } & Omit<MessageFilter, 'messageId'>);

/** The entries in order of precedence: the first one that matches decides. */
export type NetworkPolicy = readonly NetworkRule[];

const FATE_OF: Record<NetworkRule['type'], Fate> = {
  partition: 'lost',
  crashed: 'lost',
  inbox: 'inbox',
  hold: 'hold',
  delay: 'hold',
};

/** The round's delivery policy, from its config and its faults. */
export function networkPolicy(paxos: PaxosState): NetworkPolicy {
  const { delivery, inbox } = paxos.config;
  const net = paxos.network;
  const policy: NetworkRule[] = [];
  if (net) {
    if (net.partition) policy.push({ type: 'partition', groups: net.partition });
    if (net.crashed.length > 0) policy.push({ type: 'crashed', nodes: net.crashed });
    for (const hold of net.holds) policy.push({ type: 'hold', ...hold });
  }
  if (inbox && inbox.length > 0) policy.push({ type: 'inbox', nodes: inbox });
  if (net) for (const delay of net.delays) policy.push({ type: 'delay', ...delay });
  if (delivery === 'manual') policy.push({ type: 'hold' });
  return policy;
}

/** Whether `message` passes `filter` (every given field matches). */
export function filterMatches(filter: MessageFilter, message: Message): boolean {
  return (
    (filter.from === undefined || filter.from === message.from) &&
    (filter.to === undefined || filter.to === message.to) &&
    (filter.node === undefined || filter.node === message.from || filter.node === message.to) &&
    (filter.kind === undefined || filter.kind === message.kind) &&
    (filter.messageId === undefined || filter.messageId === message.id)
  );
}

function groupOf(groups: readonly (readonly string[])[], node: string): number {
  return groups.findIndex((g) => g.includes(node));
}

function matches(rule: NetworkRule, message: Message): boolean {
  switch (rule.type) {
    case 'partition':
      return groupOf(rule.groups, message.from) !== groupOf(rule.groups, message.to);
    case 'crashed':
      return rule.nodes.includes(message.to);
    case 'inbox':
      return isRequest(message) && rule.nodes.includes(message.to);
    case 'hold':
    case 'delay':
      return filterMatches(rule, message);
    default: {
      const never: never = rule;
      throw new Error(`unknown network rule ${JSON.stringify(never)}`);
    }
  }
}

/** What the policy does with `message` now: deliver it at once, hold it, put it in an inbox, or lose it. */
export function fate(policy: NetworkPolicy, message: Message): Fate {
  for (const rule of policy) if (matches(rule, message)) return FATE_OF[rule.type];
  return 'deliver';
}

/**
 * The loss entry that loses `message` if it arrived now (a partition between its
 * ends, or a crashed receiver), else null. Asked when a held message is delivered.
 */
export function lossOf(
  policy: NetworkPolicy,
  message: Message,
): Extract<NetworkRule, { type: 'partition' | 'crashed' }> | null {
  for (const rule of policy) {
    if ((rule.type === 'partition' || rule.type === 'crashed') && matches(rule, message)) {
      return rule;
    }
  }
  return null;
}

/** Steps a held message must wait before `step` may deliver it (the first matching delay), else null. */
export function delayOf(policy: NetworkPolicy, message: Message): number | null {
  if (fate(policy, message) !== 'hold') return null;
  for (const rule of policy) if (rule.type === 'delay' && matches(rule, message)) return rule.steps;
  return null;
}

/** Steps taken so far by `step` commands (0 before the first). */
export function currentStep(paxos: PaxosState): number {
  return paxos.network?.step ?? 0;
}

/** The step a message in flight is due at (0: at once). */
export function dueStep(network: NetworkState | undefined, messageId: number): number {
  if (!network) return 0;
  for (const d of network.due) if (d.messageId === messageId) return d.step;
  return 0;
}

/** Whether `node` has crashed and not recovered. */
export function isCrashed(paxos: PaxosState, node: string): boolean {
  return paxos.network?.crashed.includes(node) ?? false;
}

const inInbox = (policy: NetworkPolicy, m: Message): m is Request =>
  isRequest(m) && fate(policy, m) === 'inbox';

/**
 * The message `step` delivers at step `now`: the oldest in flight that is due
 * and not waiting in a player's inbox; null if none is due yet.
 */
export function nextToStep(paxos: PaxosState, now: number): Message | null {
  const policy = networkPolicy(paxos);
  for (const m of paxos.inFlight) {
    if (!inInbox(policy, m) && dueStep(paxos.network, m.id) <= now) return m;
  }
  return null;
}

/** Messages in flight that `step` could ever deliver (all but those waiting in inboxes). */
export function steppable(paxos: PaxosState): Message[] {
  const policy = networkPolicy(paxos);
  return paxos.inFlight.filter((m) => !inInbox(policy, m));
}

/** Requests waiting in `seat`'s inbox for its player's answer, oldest first. */
export function inboxRequests(paxos: PaxosState, seat: string): Request[] {
  const policy = networkPolicy(paxos);
  return paxos.inFlight.filter((m): m is Request => m.to === seat && inInbox(policy, m));
}

/** Request `messageId` if it is waiting in `seat`'s inbox, else null. */
export function waitingInInbox(paxos: PaxosState, seat: string, messageId: number): Request | null {
  const message = paxos.inFlight.find((m) => m.id === messageId);
  return message && message.to === seat && inInbox(networkPolicy(paxos), message) ? message : null;
}

/** Requests `seat` sent that wait in some node's inbox (its own included), oldest first. */
export function pendingInInboxesFrom(paxos: PaxosState, seat: string): Request[] {
  const policy = networkPolicy(paxos);
  return paxos.inFlight.filter((m): m is Request => m.from === seat && inInbox(policy, m));
}
