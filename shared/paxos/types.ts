/**
 * Plain-data types of one single-decree Paxos instance: the seed notebook's
 * `PaxosNode`s, the network between them, and the observer who sees everything.
 *
 * Everything here is JSON-serialisable so that a state can be snapshotted,
 * sent to a browser and folded again from the event log.
 */

/** An (id, value) pair an acceptor has accepted. The seed's `Accept` model. */
export interface Accepted {
  proposalId: number;
  value: string;
}

/** The acceptor half of a node (the seed's `_promise` / `_accept`). */
export interface AcceptorState {
  /**
   * Highest proposal id this node has promised (or accepted). The seed calls it
   * `last_proposal_id_accepted` and prints it as `acc_p`.
   */
  promisedId: number | null;
  /** The seed's `last_accepted_p_id` / `last_accepted_value`. */
  accepted: Accepted | null;
}

/** An acceptor that granted this proposer's current accept request. */
export interface AcceptorVote {
  node: string;
  accepted: Accepted;
}

/**
 * The proposer's `propose(value, *nodes)` loop, kept as data so that it also
 * runs when messages are held in flight: each phase waits until every request
 * it sent has been answered or lost, exactly as the seed's loop looks at the
 * counts only after its `for` loop.
 */
export interface ProposeLoop {
  value: string;
  targets: string[];
  phase: 'promise' | 'accept';
  attempts: number;
  /** Ids of this phase's requests (or their replies) still in flight. */
  awaiting: number[];
}

/** The proposer half of a node (the seed's `init_new_proposal` and friends). */
export interface ProposerState {
  proposalId: number | null;
  /** The node's own wish, the seed's `_value_to_propose`. */
  value: string | null;
  /** Names of the nodes that granted a promise, in Python dict order. */
  promisers: string[];
  /** Highest accepted (id, value) reported by a promiser: `promiser_acc_max`. */
  highestAccepted: Accepted | null;
  /** Acceptors that granted an accept request, in Python dict order. */
  acceptors: AcceptorVote[];
  /** The value this proposer believes chosen (acceptors >= quorum), else null. */
  choice: string | null;
  /** Value of the first accept request of this proposal (used by the 'lamport' value rule). */
  frozenValue: string | null;
  /** Nodes asked for a promise / an accept in this proposal: what a real proposer remembers. */
  promiseAsked: string[];
  acceptAsked: string[];
  /** Nodes that rejected a request of this proposal: this proposer was pre-empted. */
  rejectedBy: string[];
  propose: ProposeLoop | null;
}

/**
 * How messages travel. `instant` is the seed's behaviour: a request is
 * delivered at once and its reply comes back at once. `manual` holds every
 * message in flight until someone delivers, drops or duplicates it.
 */
export const DELIVERY = ['instant', 'manual'] as const;
export type Delivery = (typeof DELIVERY)[number];

/**
 * Which value an accept request carries.
 * - `seed`: recomputed at every accept request from the promisers heard so
 *   far, as the notebook does. A promise that arrives after the first accept
 *   request can change the value inside one proposal id; the observer reports it.
 * - `lamport`: fixed by the first accept request of the proposal, as in
 *   Lamport's "Paxos Made Simple". Safe under any delivery order.
 */
export const VALUE_RULES = ['seed', 'lamport'] as const;
export type ValueRule = (typeof VALUE_RULES)[number];

export interface PaxosConfig {
  nodes: string[];
  quorum: number;
  delivery: Delivery;
  valueRule: ValueRule;
  /**
   * "Be the acceptor": requests to these nodes wait in flight (the node's
   * inbox) until someone answers them with `deliver`, even under instant
   * delivery; the reply then travels as the policy says. Absent: none.
   */
  inbox?: string[];
}

export interface PromiseRequest {
  kind: 'promiseRequest';
  id: number;
  from: string;
  to: string;
  proposalId: number;
}

export interface AcceptRequest {
  kind: 'acceptRequest';
  id: number;
  from: string;
  to: string;
  proposalId: number;
  value: string;
  /** What the seed prints on the request line: the sender's own wish and `promiser_acc_max`. */
  ownValue: string;
  promiserAccMax: string | null;
}

export type Request = PromiseRequest | AcceptRequest;

interface ReplyBase {
  id: number;
  from: string;
  to: string;
  /** The request this answers (a copy, so the reply can be rendered on its own). */
  request: Request;
  granted: boolean;
  /** The acceptor's promised id before it handled the request: the seed's `acc_p`. */
  promisedBefore: number | null;
}

export interface PromiseReply extends ReplyBase {
  kind: 'promiseReply';
  request: PromiseRequest;
  /** The acceptor's promised id after the request (on rejection, the higher one it holds). */
  promisedId: number | null;
  /** The acceptor's last accepted (id, value), if any. */
  accepted: Accepted | null;
}

export interface AcceptReply extends ReplyBase {
  kind: 'acceptReply';
  request: AcceptRequest;
  /** The acceptor's accepted (id, value) after the request; on rejection the old ones. */
  accepted: Accepted | null;
}

export type Reply = PromiseReply | AcceptReply;
export type Message = Request | Reply;

/** The four kinds of message, as `Message['kind']` spells them. */
export const MESSAGE_KINDS = [
  'promiseRequest',
  'acceptRequest',
  'promiseReply',
  'acceptReply',
] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** A value the observer saw chosen: a quorum accepted (proposalId, value). */
export interface Chosen {
  proposalId: number;
  value: string;
  acceptors: string[];
}

/** Votes of one (proposal id, value), kept while more votes can still arrive. */
export interface Tally {
  proposalId: number;
  value: string;
  voters: string[];
}

export const FINDING_KINDS = [
  'two_values_chosen',
  'two_values_one_proposal',
  'grant_below_promise',
  /** An acceptor that recovered with amnesia promised without reporting a value it had accepted. */
  'forgot_accepted',
  /** An acceptor that recovered with amnesia granted a request below a promise it had made. */
  'forgot_promise',
  /** A message lost to a crash or a partition left a proposal unable to reach its quorum. */
  'lost_quorum',
  /** The quorum is larger than the round's nodes: nothing can ever be chosen (liveness). */
  'quorum_above_nodes',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** A broken safety invariant, with a plain-English explanation. */
export interface Finding {
  kind: FindingKind;
  explanation: string;
  proposalIds: number[];
  values: string[];
  nodes: string[];
}

export interface PaxosState {
  config: PaxosConfig;
  /** Last proposal id handed out; the seed's class-wide `proposal_id_counter`. */
  proposalCounter: number;
  nextMessageId: number;
  acceptors: Record<string, AcceptorState>;
  proposers: Record<string, ProposerState>;
  inFlight: Message[];
  tallies: Tally[];
  chosen: Chosen[];
  findings: Finding[];
  /**
   * The host's faults (network.ts): absent until the first fault command of a
   * round, so that logs without faults fold to the same JSON as before.
   */
  network?: NetworkState;
}

/**
 * Which messages a hold or a delay matches: every given field must match, and
 * none given matches every message. `node` matches messages to or from it.
 * Example: `{ to: 'Cal', kind: 'acceptRequest' }`.
 */
export interface MessageFilter {
  from?: string;
  to?: string;
  node?: string;
  kind?: MessageKind;
  messageId?: number;
}

/** Messages matching `filter` that enter flight are held until due `steps` steps later. */
export interface DelayRule extends Omit<MessageFilter, 'messageId'> {
  steps: number;
}

/** A message in flight that `step` may not deliver before step `step`. */
export interface Due {
  messageId: number;
  step: number;
}

/** What an acceptor knew when it recovered with amnesia (merged over repeated amnesias). */
export interface Forgotten {
  node: string;
  promisedId: number | null;
  accepted: Accepted | null;
}

/**
 * The state the fault commands change during a round. Example, with Cal down
 * and Amy and Ben cut off from the rest:
 * `{ holds: [], delays: [], partition: [['Amy', 'Ben'], ['Cal', 'Dan', 'Eva']],
 *    crashed: ['Cal'], step: 0, due: [], forgotten: [] }`.
 */
export interface NetworkState {
  /** The host's holds, in the order given (`{}`: hold everything). */
  holds: MessageFilter[];
  delays: DelayRule[];
  /** Groups of nodes; a message between two groups is lost. Null: no partition. */
  partition: string[][] | null;
  /** Crashed nodes, in the order they crashed. */
  crashed: string[];
  /** Steps taken by `step` commands so far. */
  step: number;
  /** Delayed messages still in flight and the step each is due at. */
  due: Due[];
  /** The observer's memory of what amnesiac acceptors forgot (never shown to nodes). */
  forgotten: Forgotten[];
}
