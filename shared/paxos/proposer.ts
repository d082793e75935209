import { append } from './copy.ts';
import type {
  Accepted,
  AcceptorVote,
  PaxosConfig,
  ProposeLoop,
  ProposerState,
  Reply,
  Request,
} from './types.ts';

/*
 * Every proposer is made by `makeProposer`, so all of them have one hidden class
 * and the key order of the JSON (a fold copies one per event; objects of one
 * layout copy on V8's fast path, objects of many layouts do not). Functions that
 * change a proposer return the one they were given when nothing changes, and
 * otherwise a fresh copy that nobody else has seen yet.
 */
function makeProposer(
  proposalId: number | null,
  value: string | null,
  promisers: string[],
  highestAccepted: Accepted | null,
  acceptors: AcceptorVote[],
  choice: string | null,
  frozenValue: string | null,
  promiseAsked: string[],
  acceptAsked: string[],
  rejectedBy: string[],
  propose: ProposeLoop | null,
): ProposerState {
  return {
    proposalId,
    value,
    promisers,
    highestAccepted,
    acceptors,
    choice,
    frozenValue,
    promiseAsked,
    acceptAsked,
    rejectedBy,
    propose,
  };
}

/** A fresh object equal to `p`, for its maker to fill in before it hands it out. */
export function copyProposer(p: ProposerState): ProposerState {
  return makeProposer(
    p.proposalId,
    p.value,
    p.promisers,
    p.highestAccepted,
    p.acceptors,
    p.choice,
    p.frozenValue,
    p.promiseAsked,
    p.acceptAsked,
    p.rejectedBy,
    p.propose,
  );
}

export function idleProposer(): ProposerState {
  return makeProposer(null, null, [], null, [], null, null, [], [], [], null);
}

/**
 * `init_new_proposal`: a fresh id resets promisers, highest accepted and acceptors;
 * `propose` is the node's propose loop from now on (or null).
 */
export function startProposal(
  proposalId: number,
  value: string,
  propose: ProposeLoop | null,
): ProposerState {
  return makeProposer(proposalId, value, [], null, [], null, null, [], [], [], propose);
}

/** A propose loop; the only place one is made (see `makeProposer`). */
export function proposeLoop(
  value: string,
  targets: string[],
  phase: ProposeLoop['phase'],
  attempts: number,
  awaiting: number[],
): ProposeLoop {
  return { value, targets, phase, attempts, awaiting };
}

/** The seed's `promiser_acc_max`: the value of the highest accepted proposal among promisers. */
export function promiserAccMax(proposer: ProposerState): string | null {
  return proposer.highestAccepted?.value ?? null;
}

export function hasPromiseQuorum(proposer: ProposerState, config: PaxosConfig): boolean {
  return proposer.proposalId !== null && proposer.promisers.length >= config.quorum;
}

/**
 * The value the next accept request carries: the highest accepted value among
 * promisers, else the node's own wish. Under the `lamport` rule the first
 * accept request of a proposal fixes it for the rest of that proposal.
 */
export function valueToCarry(proposer: ProposerState, config: PaxosConfig): string {
  if (config.valueRule === 'lamport' && proposer.frozenValue !== null) return proposer.frozenValue;
  return promiserAccMax(proposer) ?? proposer.value ?? '';
}

/** A reply to an older proposal of this node: the proposer ignores it. */
export function isStale(proposer: ProposerState, reply: Reply): boolean {
  return reply.request.proposalId !== proposer.proposalId;
}

/** Python's `d[k] = v`: replace in place if present, else append. */
function upsertName(list: string[], name: string): string[] {
  return list.includes(name) ? list : append(list, name);
}

function upsertVote(list: AcceptorVote[], vote: AcceptorVote): AcceptorVote[] {
  const i = list.findIndex((v) => v.node === vote.node);
  if (i < 0) return append(list, vote);
  const out = list.slice();
  out[i] = vote;
  return out;
}

/** The proposer remembers whom it asked in its current proposal. */
export function proposerAfterSend(proposer: ProposerState, request: Request): ProposerState {
  if (request.proposalId !== proposer.proposalId) return proposer;
  const next = copyProposer(proposer);
  if (request.kind === 'promiseRequest') {
    next.promiseAsked = upsertName(proposer.promiseAsked, request.to);
  } else {
    next.acceptAsked = upsertName(proposer.acceptAsked, request.to);
    next.frozenValue = proposer.frozenValue ?? request.value;
  }
  return next;
}

/** The proposer's state after it handled `reply` (the second half of `promise_request` / `accept_request`). */
export function proposerAfterReply(
  proposer: ProposerState,
  reply: Reply,
  config: PaxosConfig,
): ProposerState {
  if (isStale(proposer, reply)) return proposer;
  const acceptor = reply.from;
  const next = copyProposer(proposer);
  if (!reply.granted) next.rejectedBy = upsertName(proposer.rejectedBy, acceptor);
  if (reply.kind === 'promiseReply') {
    if (!reply.granted) {
      // A rejection removes the promiser; the highest accepted value is kept, as in the seed.
      next.promisers = proposer.promisers.filter((n) => n !== acceptor);
      return next;
    }
    const reported = reply.accepted;
    const highest = proposer.highestAccepted;
    next.promisers = upsertName(proposer.promisers, acceptor);
    if (reported !== null && (highest === null || highest.proposalId < reported.proposalId)) {
      next.highestAccepted = reported;
    }
    return next;
  }
  const acceptors =
    reply.granted && reply.accepted
      ? upsertVote(proposer.acceptors, { node: acceptor, accepted: reply.accepted })
      : proposer.acceptors.filter((v) => v.node !== acceptor);
  next.acceptors = acceptors;
  next.choice = acceptors.length >= config.quorum ? reply.request.value : null;
  return next;
}
