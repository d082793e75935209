import { append } from './copy.ts';
import type { Chosen, Finding, PaxosConfig, PaxosState, Request, Tally } from './types.ts';

/*
 * The observer's truth, separate from what any node knows. Lamport's
 * Voting.tla: a value is chosen at proposal id b when a quorum of acceptors
 * voted (accepted) (b, value). Acceptors only remember their latest vote, so
 * the observer keeps the tallies itself.
 */

type Observed = Pick<PaxosState, 'tallies' | 'chosen' | 'findings'>;

function list(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** How two quorums could choose two movies: too small to overlap, or what broke where they do. */
function whyTwoChosen(config: PaxosConfig, first: Chosen, second: Chosen): string {
  const { quorum, nodes } = config;
  const shared = first.acceptors.filter((n) => second.acceptors.includes(n));
  const majority = Math.floor(nodes.length / 2) + 1;
  if (quorum < majority) {
    return (
      `The quorum is ${quorum} of ${nodes.length} nodes, less than a majority (${majority}), ` +
      `so two quorums need not share a node; ` +
      (shared.length ? `these two share only ${list(shared)}.` : `these two share no node at all.`)
    );
  }
  if (shared.length === 0) return 'The two quorums share no node.';
  if (first.proposalId === second.proposalId) {
    return (
      `The two quorums share ${list(shared)}, who accepted both movies in proposal ` +
      `${first.proposalId}: its proposer changed the value partway through the proposal.`
    );
  }
  const low = Math.min(first.proposalId, second.proposalId);
  const high = Math.max(first.proposalId, second.proposalId);
  return (
    `The two quorums share ${list(shared)}, so Paxos should have kept them to one movie: ` +
    `either the proposer of proposal ${high} ignored a value its promises reported, or an ` +
    `acceptor broke its promise by accepting proposal ${low} after promising ${high}.`
  );
}

/** The findings' explanations, in words a player reads. */
export const explain = {
  twoValuesOneProposal(proposalId: number, rival: Tally, acceptor: string, value: string): string {
    return (
      `Proposal ${proposalId} carried two values: ${list(rival.voters)} accepted ${rival.value}, ` +
      `${acceptor} accepted ${value}. A proposer must send one value per proposal id; ` +
      `this one changed its value after a promise reported a higher accepted proposal ` +
      `(the notebook recomputes the value at every accept request).`
    );
  },

  twoValuesChosen(config: PaxosConfig, first: Chosen, second: Chosen): string {
    return (
      `Two different movies were chosen: ${first.value} (proposal ${first.proposalId}, accepted by ` +
      `${list(first.acceptors)}) and ${second.value} (proposal ${second.proposalId}, accepted by ` +
      `${list(second.acceptors)}). Paxos allows at most one. ${whyTwoChosen(config, first, second)}`
    );
  },

  grantBelowPromise(request: Request, promisedId: number): string {
    const what = request.kind === 'promiseRequest' ? 'promise' : 'accept';
    return (
      `${request.to} had promised ${promisedId} but granted ${request.from}'s ${what} request ` +
      `with id ${request.proposalId}. An acceptor must reject anything below its promise, or an ` +
      `older proposal can overwrite a newer one.`
    );
  },
};

/** An acceptor granted accept request (proposalId, value). */
export function observeVote(
  state: PaxosState,
  acceptor: string,
  proposalId: number,
  value: string,
): Observed {
  const { quorum } = state.config;
  let { chosen, findings } = state;
  const existing = state.tallies.find((t) => t.proposalId === proposalId && t.value === value);
  const before = existing?.voters ?? [];
  const voters = before.includes(acceptor) ? before : append(before, acceptor);
  const tally: Tally = { proposalId, value, voters };
  const tallies = existing
    ? state.tallies.map((t) => (t === existing ? tally : t))
    : append(state.tallies, tally);

  const rival = state.tallies.find((t) => t.proposalId === proposalId && t.value !== value);
  const alreadyFound = findings.some(
    (f) => f.kind === 'two_values_one_proposal' && f.proposalIds[0] === proposalId,
  );
  if (rival && !alreadyFound) {
    findings = [
      ...findings,
      {
        kind: 'two_values_one_proposal',
        explanation: explain.twoValuesOneProposal(proposalId, rival, acceptor, value),
        proposalIds: [proposalId],
        values: [rival.value, value],
        nodes: [...rival.voters, acceptor],
      },
    ];
  }

  const reached = voters.length >= quorum && before.length < quorum;
  if (reached && !chosen.some((c) => c.proposalId === proposalId && c.value === value)) {
    const record: Chosen = { proposalId, value, acceptors: voters };
    const other = chosen.find((c) => c.value !== value);
    chosen = append(chosen, record);
    if (other && !findings.some((f) => f.kind === 'two_values_chosen')) {
      findings = [...findings, twoValuesChosen(state, other, record)];
    }
  }
  return { tallies, chosen, findings };
}

function twoValuesChosen(state: PaxosState, first: Chosen, second: Chosen): Finding {
  return {
    kind: 'two_values_chosen',
    explanation: explain.twoValuesChosen(state.config, first, second),
    proposalIds: [first.proposalId, second.proposalId],
    values: [first.value, second.value],
    nodes: [...new Set([...first.acceptors, ...second.acceptors])],
  };
}

/** An acceptor granted a request below its promise (only a human answer can do that). */
export function observeGrantBelowPromise(
  findings: Finding[],
  request: Request,
  promisedId: number,
): Finding[] {
  return [
    ...findings,
    {
      kind: 'grant_below_promise',
      explanation: explain.grantBelowPromise(request, promisedId),
      proposalIds: [request.proposalId, promisedId],
      values: request.kind === 'acceptRequest' ? [request.value] : [],
      nodes: [request.to],
    },
  ];
}

/**
 * Tallies of proposal ids that can get no more votes are dropped, so the
 * state stays as small as the room: a proposal id can still collect votes
 * while it is some proposer's current proposal or an accept request for it is
 * in flight. Chosen values and findings are kept for ever.
 */
export function liveTallies(state: PaxosState): Tally[] {
  const { tallies } = state;
  let live: Tally[] | null = null;
  for (let i = 0; i < tallies.length; i++) {
    const tally = tallies[i]!;
    if (canGetVotes(state, tally.proposalId)) live?.push(tally);
    else live ??= tallies.slice(0, i);
  }
  return live ?? tallies;
}

function canGetVotes(state: PaxosState, proposalId: number): boolean {
  const { proposers, inFlight } = state;
  for (const node in proposers) if (proposers[node]!.proposalId === proposalId) return true;
  for (const m of inFlight) {
    if (m.kind === 'acceptRequest' && m.proposalId === proposalId) return true;
  }
  return false;
}

/** The invariant checks: every broken safety property, explained. Empty means safe. */
export function checkInvariants(state: PaxosState): Finding[] {
  return state.findings;
}

/** The chosen value, if exactly one is chosen (the normal, safe outcome). */
export function chosenValue(state: PaxosState): Chosen | null {
  return state.chosen[0] ?? null;
}
