import type { Accepted, AcceptorState, Request } from './types.ts';

/**
 * The acceptor's one rule (the seed's `_promise` and `_accept`): grant a request
 * whose proposal id is at least the highest id this node has promised.
 * The seed uses `<=`, so a node re-grants the id it already promised.
 */
export function acceptorGrants(acceptor: AcceptorState, proposalId: number): boolean {
  return acceptor.promisedId === null || acceptor.promisedId <= proposalId;
}

/** An acceptor; the only place one is made, so all have one hidden class and the JSON's key order. */
export function acceptorState(promisedId: number | null, accepted: Accepted | null): AcceptorState {
  return { promisedId, accepted };
}

/** The acceptor's state after it answered `request` (granted or not). */
export function acceptorAfter(
  acceptor: AcceptorState,
  request: Request,
  granted: boolean,
): AcceptorState {
  if (!granted) return acceptor;
  if (request.kind === 'promiseRequest')
    return acceptorState(request.proposalId, acceptor.accepted);
  return acceptorState(request.proposalId, {
    proposalId: request.proposalId,
    value: request.value,
  });
}

/** Why the rule grants or rejects, in words a player can read. */
export function acceptorReason(acceptor: AcceptorState, request: Request): string {
  const [a, what] =
    request.kind === 'promiseRequest' ? ['a', 'promise request'] : ['an', 'accept request'];
  if (acceptor.promisedId === null) {
    return `${request.to} has promised nothing yet, so it grants the ${what} with id ${request.proposalId}.`;
  }
  if (acceptor.promisedId <= request.proposalId) {
    return `${request.to} promised ${acceptor.promisedId}; ${request.proposalId} is not lower, so the ${what} is granted.`;
  }
  return `${request.to} promised ${acceptor.promisedId}; ${a} ${what} with id ${request.proposalId} must be rejected.`;
}
