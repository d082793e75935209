/*
 * What the screens show, derived from the room state and the events with the
 * shared engine's own functions. No game rule is decided here: these only put
 * the engine's facts into words.
 */
import type {
  Accepted,
  Chosen,
  Finding,
  Message,
  PaxosConfig,
  PaxosState,
  ProposerState,
  Reply,
} from '../../shared/paxos/index.ts';
import {
  acceptorGrants,
  acceptorReason,
  checkInvariants,
  hasPromiseQuorum,
  isRequest,
  isStale,
  promiserAccMax,
  valueToCarry,
} from '../../shared/paxos/index.ts';
import type { Envelope, RoomState, TranscriptLine } from '../../shared/room/index.ts';
import { FRIENDS } from '../../shared/room/settings.ts';
import { roomEventLines } from '../../shared/room/transcript.ts';

/** A reply a proposer handled, with the acceptor's reason in words. */
export interface ReplyRecord {
  seq: number;
  reply: Reply;
  reason: string;
  /** The proposer had moved on to a newer proposal: it ignored the reply. */
  stale: boolean;
}

/** One message to animate on the room map, from sender to receiver. */
export interface FlightSpec {
  from: string;
  to: string;
  message: Message;
}

export interface Step {
  lines: TranscriptLine[];
  reply: ReplyRecord | null;
  flights: FlightSpec[];
  /** A new round started: per-round lists start again. */
  newRound: boolean;
}

/** A node's name as a command names it (the catalogue's `node` field): one of the friends. */
export type Friend = (typeof FRIENDS)[number];

export const isFriend = (node: string): node is Friend =>
  (FRIENDS as readonly string[]).includes(node);

/** Lists words as people write them: "Amy, Ben and Cal". */
export function listing(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Why the acceptor answered as it did: its rule, or the host's hand (manual delivery). */
export function replyReason(reply: Reply): string {
  const before = { promisedId: reply.promisedBefore, accepted: null };
  const rule = acceptorReason(before, reply.request);
  if (acceptorGrants(before, reply.request.proposalId) !== reply.granted) {
    const did = reply.granted ? 'granted' : 'rejected';
    return `The host ${did} it by hand, against the acceptor's rule. (By the rule: ${rule})`;
  }
  if (reply.kind === 'promiseReply' && reply.granted && reply.accepted) {
    return `${rule} It reports that it already accepted ${reply.accepted.value} in proposal ${reply.accepted.proposalId}.`;
  }
  return rule;
}

/** Everything one event adds to the views: transcript lines, a handled reply, flights. */
export function stepOf(before: RoomState | null, envelope: Envelope, after: RoomState): Step {
  const lines = roomEventLines(before, envelope, after);
  const { event } = envelope;
  const step: Step = { lines, reply: null, flights: [], newRound: event.type === 'roundStarted' };
  if (event.type !== 'paxos' || !before?.round) return step;
  const paxos = before.round.paxos;
  const e = event.event;
  if (e.type === 'requestSent') {
    step.flights.push({ from: e.message.from, to: e.message.to, message: e.message });
  } else if (e.type === 'requestDelivered') {
    step.flights.push({ from: e.reply.from, to: e.reply.to, message: e.reply });
  } else if (e.type === 'replyDelivered') {
    const reply = paxos.inFlight.find((m) => m.id === e.messageId);
    if (reply && !isRequest(reply)) {
      step.reply = {
        seq: envelope.seq,
        reply,
        reason: replyReason(reply),
        stale: isStale(paxos.proposers[reply.to]!, reply),
      };
    }
  }
  return step;
}

/** What a player sees of their own proposal. */
export interface ProposalView {
  proposalId: number | null;
  own: string | null;
  promisers: string[];
  acceptors: string[];
  quorum: number;
  promiseQuorum: boolean;
  highest: Accepted | null;
  accMax: string | null;
  /** The value the next accept request carries. */
  carry: string | null;
  carryIsOwn: boolean;
  /** Why it carries that value, in words. */
  carryWhy: string;
  /** What this proposer believes chosen. */
  choice: string | null;
  /** Requests or replies of this proposer still in flight (manual delivery). */
  waiting: number;
}

export function proposalView(paxos: PaxosState, node: string): ProposalView {
  const p = paxos.proposers[node]!;
  const { config } = paxos;
  const accMax = promiserAccMax(p);
  const carry = p.proposalId === null ? null : valueToCarry(p, config);
  return {
    proposalId: p.proposalId,
    own: p.value,
    promisers: p.promisers,
    acceptors: p.acceptors.map((v) => v.node),
    quorum: config.quorum,
    promiseQuorum: hasPromiseQuorum(p, config),
    highest: p.highestAccepted,
    accMax,
    carry,
    carryIsOwn: carry !== null && carry === p.value,
    carryWhy: carryWhy(p, config, carry),
    choice: p.choice,
    waiting: paxos.inFlight.filter((m) => (isRequest(m) ? m.from === node : m.to === node)).length,
  };
}

function carryWhy(p: ProposerState, config: PaxosConfig, carry: string | null): string {
  if (carry === null || p.value === null) return 'Start a proposal to send accept requests.';
  const h = p.highestAccepted;
  if (config.valueRule === 'lamport' && p.frozenValue !== null) {
    return `Fixed by your first accept request of this proposal (Lamport's rule: one value per proposal id).`;
  }
  if (h && carry !== p.value) {
    return (
      `Not your own movie: a friend who promised you had already accepted ${h.value} ` +
      `(in proposal ${h.proposalId}). A proposer must carry the highest-numbered value its ` +
      `promisers accepted, because that movie may already be chosen.`
    );
  }
  if (h) {
    return `Your own movie, which is also the highest-numbered value your promisers accepted (proposal ${h.proposalId}).`;
  }
  if (p.promisers.length === 0) {
    return 'Your own movie, unless a promise brings back a value some friend already accepted.';
  }
  return 'Your own movie: none of the friends who promised you has accepted anything yet.';
}

/*
 * Whether a move may be made now is the engine's to say (a dry run of its
 * decideRoom: client/lib/refusals.ts, through `game.refusal`), and so are the
 * words of a refusal. Two of the Paxos engine's refusals speak of the node in
 * the third person ("Amy has 1 of the 3 promises it needs..."); on the
 * player's own card these say the same refusal to "you". They word a refusal
 * the engine made; they decide nothing.
 */

/** The engine's refusal of my accept requests (no promise quorum yet), in my words. */
export function acceptBlock(view: ProposalView): string {
  return view.proposalId === null
    ? 'Start a proposal first, then collect promises.'
    : `You have ${view.promisers.length} of the ${view.quorum} promises you need before you can ask anyone to accept.`;
}

/** The engine's refusal of running both phases as given (no movie, or too few friends), in my words. */
export function proposeBlock(value: string, targets: readonly string[], quorum: number): string {
  return value.trim() === ''
    ? 'Pick or type a movie first.'
    : `Pick at least ${quorum} friends (the quorum) to run both phases; you picked ${new Set(targets).size}.`;
}

/** The observer's truth: the chosen movie, a second one (a safety violation), findings. */
export interface Outcome {
  chosen: Chosen | null;
  /** Any two quorums share a node, so a chosen movie stays chosen. */
  overlapping: boolean;
  /** A different value chosen later: only possible when two quorums need not overlap. */
  conflicts: Chosen[];
  findings: Finding[];
}

export function outcomeOf(paxos: PaxosState): Outcome {
  const first = paxos.chosen[0] ?? null;
  const { quorum, nodes } = paxos.config;
  return {
    chosen: first,
    overlapping: 2 * quorum > nodes.length,
    conflicts: first ? paxos.chosen.filter((c) => c.value !== first.value) : [],
    // With the liveness note (a quorum above the nodes), which the observer adds on reading.
    findings: checkInvariants(paxos),
  };
}

/** Nodes to highlight on the map as a reached quorum, and the words saying which. */
export interface QuorumMark {
  nodes: string[];
  label: string;
  /** What the card's badge says: the chosen movie, or whose promise quorum. */
  badge: string;
  kind: 'chosen' | 'promise';
  /** A second, different movie chosen: the safety violation. */
  conflict: boolean;
}

export function quorumMarks(paxos: PaxosState, seat: string | null): QuorumMark[] {
  if (paxos.chosen.length > 0) {
    const first = paxos.chosen[0]!.value;
    return paxos.chosen.map((c) => ({
      nodes: c.acceptors,
      kind: 'chosen',
      badge: c.value,
      conflict: c.value !== first,
      label: `${listing(c.acceptors)} accepted ${c.value} in proposal ${c.proposalId}: a quorum, so it is chosen.`,
    }));
  }
  const withQuorum = paxos.config.nodes
    .filter((n) => hasPromiseQuorum(paxos.proposers[n]!, paxos.config))
    .sort((a, b) => (a === seat ? -1 : b === seat ? 1 : 0));
  const node = withQuorum[0];
  if (node === undefined) return [];
  const p = paxos.proposers[node]!;
  return [
    {
      nodes: p.promisers,
      kind: 'promise',
      badge: `${node}'s`,
      conflict: false,
      label: `${listing(p.promisers)} promised ${node}'s proposal ${p.proposalId}: a promise quorum.`,
    },
  ];
}
