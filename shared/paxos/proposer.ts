import type { AcceptorVote, PaxosConfig, ProposerState, Reply, Request } from './types.ts';

export function idleProposer(): ProposerState {
  return {
    proposalId: null,
    value: null,
    promisers: [],
    highestAccepted: null,
    acceptors: [],
    choice: null,
    frozenValue: null,
    promiseAsked: [],
    acceptAsked: [],
    rejectedBy: [],
    propose: null,
  };
}

/** `init_new_proposal`: a fresh id resets promisers, highest accepted and acceptors. */
export function startProposal(
  proposer: ProposerState,
  proposalId: number,
  value: string,
): ProposerState {
  return {
    ...idleProposer(),
    proposalId,
    value,
    propose: proposer.propose,
  };
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
  return list.includes(name) ? list : [...list, name];
}

function upsertVote(list: AcceptorVote[], vote: AcceptorVote): AcceptorVote[] {
  const i = list.findIndex((v) => v.node === vote.node);
  if (i < 0) return [...list, vote];
  return list.map((v, j) => (j === i ? vote : v));
}

/** The proposer remembers whom it asked in its current proposal. */
export function proposerAfterSend(proposer: ProposerState, request: Request): ProposerState {
  if (request.proposalId !== proposer.proposalId) return proposer;
  if (request.kind === 'promiseRequest') {
    return { ...proposer, promiseAsked: upsertName(proposer.promiseAsked, request.to) };
  }
  return {
    ...proposer,
    acceptAsked: upsertName(proposer.acceptAsked, request.to),
    frozenValue: proposer.frozenValue ?? request.value,
  };
}

/** The proposer's state after it handled `reply` (the second half of `promise_request` / `accept_request`). */
export function proposerAfterReply(
  proposer: ProposerState,
  reply: Reply,
  config: PaxosConfig,
): ProposerState {
  if (isStale(proposer, reply)) return proposer;
  const acceptor = reply.from;
  if (!reply.granted)
    proposer = { ...proposer, rejectedBy: upsertName(proposer.rejectedBy, acceptor) };
  if (reply.kind === 'promiseReply') {
    if (!reply.granted) {
      // A rejection removes the promiser; the highest accepted value is kept, as in the seed.
      return { ...proposer, promisers: proposer.promisers.filter((n) => n !== acceptor) };
    }
    const reported = reply.accepted;
    const highest = proposer.highestAccepted;
    const raises =
      reported !== null && (highest === null || highest.proposalId < reported.proposalId);
    return {
      ...proposer,
      promisers: upsertName(proposer.promisers, acceptor),
      highestAccepted: raises ? reported : highest,
    };
  }
  const acceptors =
    reply.granted && reply.accepted
      ? upsertVote(proposer.acceptors, { node: acceptor, accepted: reply.accepted })
      : proposer.acceptors.filter((v) => v.node !== acceptor);
  return {
    ...proposer,
    acceptors,
    choice: acceptors.length >= config.quorum ? reply.request.value : null,
  };
}
