import { isRequest } from './events.ts';
import type { Message, PaxosState, Request } from './types.ts';

/*
 * The network's one home. When a message enters flight (a request when it is
 * sent, a reply when its request is answered) decide asks `fate` what becomes
 * of it, and every question of the form "is this request waiting for its
 * player" is answered here too, by asking the same function again.
 *
 * The policy is data: an ordered list of entries, the first entry that matches
 * a message says its fate, and a message no entry matches is delivered at once
 * (the seed's instant delivery). Today the entries come from the round's
 * config: `inbox` (be the acceptor) and `hold` (manual delivery).
 *
 * The faults of the next issue are further entries of the same list, made from
 * state that commands change during a round (kept beside the config, absent in
 * old logs so they still fold), in this order of precedence:
 *
 *   1. losses, fate `lost`: `{ type: 'partition', groups }` matches a message
 *      whose sender and receiver are in different groups; `{ type: 'crashed',
 *      nodes }` a message from or to a crashed node. They are also asked when a
 *      held message is delivered, since a partition or a crash can begin while
 *      it is in flight.
 *   2. the host's holds, fate `hold`: `{ type: 'hold' }` gains optional
 *      `from` / `to` / `kind` / `id` fields ("hold messages to or from Cal",
 *      "hold this one message"); with none it is "hold everything from now on",
 *      which is also what manual delivery is (see 4).
 *   3. `{ type: 'inbox', nodes }`: a request to one of `nodes` waits for its
 *      node's player (even under instant delivery).
 *   4. the round's delivery policy: manual delivery is `{ type: 'hold' }` last.
 *   Delays: `{ type: 'delay', from?, to?, steps }`, fate `hold`; the message
 *   records when it is due and a step command delivers the oldest due message.
 *
 * An entry with an existing fate is a change to this file only. The one new
 * fate, `lost`, is also a `case` in decide's `arrivesNow` (its `never` check
 * points at it), which emits the event that says so in the log.
 *
 * The fate is asked once, as the message enters flight: a policy that changes
 * mid-round delivers or loses nothing by itself. The queries below ask the
 * policy of the current state, so a request held by the host while it is
 * frozen is back in its inbox once the hold is released.
 */

/** What becomes of a message as it enters flight. */
export const FATES = ['deliver', 'hold', 'inbox'] as const;
export type Fate = (typeof FATES)[number];

/** One entry of the delivery policy: which messages it matches, by its `type`. */
export type NetworkRule =
  /** Be the acceptor: a request to one of `nodes` waits in that node's inbox, e.g. `{ type: 'inbox', nodes: ['Ben'] }`. */
  | { type: 'inbox'; nodes: readonly string[] }
  /** Manual delivery: every message waits in flight until someone delivers, drops or duplicates it. */
  | { type: 'hold' };

/** The entries in order of precedence: the first one that matches decides. */
export type NetworkPolicy = readonly NetworkRule[];

const FATE_OF: Record<NetworkRule['type'], Fate> = { inbox: 'inbox', hold: 'hold' };

/** The round's delivery policy, from its config (and later its faults). */
export function networkPolicy(paxos: PaxosState): NetworkPolicy {
  const { delivery, inbox } = paxos.config;
  const policy: NetworkRule[] = [];
  if (inbox && inbox.length > 0) policy.push({ type: 'inbox', nodes: inbox });
  if (delivery === 'manual') policy.push({ type: 'hold' });
  return policy;
}

function matches(rule: NetworkRule, message: Message): boolean {
  switch (rule.type) {
    case 'inbox':
      return isRequest(message) && rule.nodes.includes(message.to);
    case 'hold':
      return true;
    default: {
      const never: never = rule;
      throw new Error(`unknown network rule ${JSON.stringify(never)}`);
    }
  }
}

/** What the policy does with `message` now: deliver it at once, hold it in flight, or put it in an inbox. */
export function fate(policy: NetworkPolicy, message: Message): Fate {
  for (const rule of policy) if (matches(rule, message)) return FATE_OF[rule.type];
  return 'deliver';
}

const inInbox = (policy: NetworkPolicy, m: Message): m is Request =>
  isRequest(m) && fate(policy, m) === 'inbox';

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
