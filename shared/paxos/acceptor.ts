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

/**
 * The acceptor's rule in words, for one request: the only place it is put
 * into words. `acceptor` is the node's name (it explains an answer to
 * everyone) or `you` (it tells a player-acceptor what the rule required).
 */
export function acceptorRuleWords(
  promisedId: number | null,
  request: Request,
  acceptor: string | { you: true },
): string {
  const [a, what] =
    request.kind === 'promiseRequest' ? ['a', 'promise request'] : ['an', 'accept request'];
  const p = request.proposalId;
  const you = typeof acceptor !== 'string';
  const who = you ? 'You' : acceptor;
  if (promisedId === null) {
    return you
      ? `You have promised nothing yet, so ${a} ${what} with id ${p} must be granted.`
      : `${who} has promised nothing yet, so it grants the ${what} with id ${p}.`;
  }
  if (promisedId <= p) {
    return `${who} promised ${promisedId}; ${p} is not lower, so the ${what} ${you ? 'must be' : 'is'} granted.`;
  }
  return `${who} promised ${promisedId}; ${a} ${what} with id ${p} must be rejected.`;
}

/** Why the rule grants or rejects, in words a player can read. */
export function acceptorReason(acceptor: AcceptorState, request: Request): string {
  return acceptorRuleWords(acceptor.promisedId, request, request.to);
}
