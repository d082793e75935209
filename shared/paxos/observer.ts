import { append } from './copy.ts';
import { isRequest } from './events.ts';
import type {
  Accepted,
  Chosen,
  Finding,
  Forgotten,
  Message,
  PaxosConfig,
  PaxosState,
  Reply,
  Request,
  Tally,
} from './types.ts';

/*
 * The observer's truth, separate from what any node knows. Lamport's
 * Voting.tla: a value is chosen at proposal id b when a quorum of acceptors
 * voted (accepted) (b, value). Acceptors only remember their latest vote, so
 * the observer keeps the tallies itself.
 */

type Observed = Pick<PaxosState, 'tallies' | 'chosen' | 'findings'>;

/** `Amy`, `Amy and Ben`, `Amy, Ben and Cal`. */
export function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** How two quorums could choose two movies: too small to overlap, or what broke where they do. */
function whyTwoChosen(
  config: PaxosConfig,
  first: Chosen,
  second: Chosen,
  forgotten: readonly Forgotten[],
): string {
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
  // Quorums overlap, but the overlap only helps if the acceptors in it remember.
  const voters = new Set([...first.acceptors, ...second.acceptors]);
  const forgetful = forgotten.filter((f) => voters.has(f.node));
  if (forgetful.length > 0) {
    const one = forgetful.length === 1;
    const what = forgetful.map((f) => `${one ? 'it' : f.node} forgot ${forgottenWords(f)}`);
    return (
      `The two quorums share ${list(shared)}, but what keeps them to one movie is what their ` +
      `acceptors remember, and ${list(forgetful.map((f) => f.node))} recovered with amnesia: ` +
      `${what.join('; ')}.`
    );
  }
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

/** `that it had accepted Heat in proposal 1 and promised 3`, `that it had promised proposal 2`. */
function forgottenWords(f: Forgotten): string {
  if (f.accepted === null) return `that it had promised proposal ${f.promisedId ?? 'none'}`;
  const { proposalId, value } = f.accepted;
  const promised =
    f.promisedId !== null && f.promisedId > proposalId ? ` and promised ${f.promisedId}` : '';
  return `that it had accepted ${value} in proposal ${proposalId}${promised}`;
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

  /** `forgotten`: what amnesiac acceptors forgot (absent: nobody had amnesia). */
  twoValuesChosen(
    config: PaxosConfig,
    first: Chosen,
    second: Chosen,
    forgotten: readonly Forgotten[] = [],
  ): string {
    return (
      `Two different movies were chosen: ${first.value} (proposal ${first.proposalId}, accepted by ` +
      `${list(first.acceptors)}) and ${second.value} (proposal ${second.proposalId}, accepted by ` +
      `${list(second.acceptors)}). Paxos allows at most one. ` +
      whyTwoChosen(config, first, second, forgotten)
    );
  },

  forgotAccepted(request: Request, forgotten: Accepted, reported: Accepted | null): string {
    const hid = reported ? `only (${reported.proposalId}, ${reported.value})` : 'no accepted value';
    return (
      `${request.to} forgot that it had accepted ${forgotten.value} in proposal ` +
      `${forgotten.proposalId} and promised ${request.from} instead: it recovered with amnesia, ` +
      `so its promise for proposal ${request.proposalId} reported ${hid}. An acceptor must keep ` +
      `what it accepted on disk (persist before reply), or a later proposer cannot learn a ` +
      `movie that may already be chosen.`
    );
  },

  forgotPromise(request: Request, promisedId: number): string {
    const verb = request.kind === 'promiseRequest' ? 'promised' : 'accepted';
    return (
      `${request.to} forgot that it had promised proposal ${promisedId} and ${verb} ` +
      `${request.from}'s proposal ${request.proposalId} instead: it recovered with amnesia. An ` +
      `acceptor must keep its promise on disk (persist before reply), or an older proposal can ` +
      `overwrite a newer one.`
    );
  },

  lostQuorum(
    message: Message,
    crashed: string | null,
    quorum: number,
    left: readonly string[],
  ): string {
    const request = isRequest(message) ? message : message.request;
    const owner = request.from;
    const promise = request.kind === 'promiseRequest';
    const what = isRequest(message)
      ? `its ${promise ? 'promise' : 'accept'} request to ${message.to}`
      : `${message.from}'s ${promise ? 'promise' : 'accept'} reply`;
    const cause =
      crashed !== null
        ? `${crashed} has crashed`
        : `${message.from} and ${message.to} are on different sides of the partition`;
    const head = promise
      ? `${owner}'s proposal ${request.proposalId} can no longer gather a quorum of ${quorum} promises`
      : `${owner} can no longer hear a quorum of ${quorum} accepts for proposal ${request.proposalId}`;
    const leaving = left.length === 0 ? 'none' : `${left.length}`;
    const names = left.length === 0 ? '' : ` (${list(left)})`;
    return (
      `${head}: ${what} was lost (${cause}), leaving ${leaving} of the ${quorum} it needs${names}. ` +
      `Lost messages never make Paxos unsafe, only stuck: ${owner} has to try again with a ` +
      `new proposal.`
    );
  },

  quorumAboveNodes(config: PaxosConfig): string {
    return (
      `The quorum is ${config.quorum} but the round has only ${config.nodes.length} ` +
      `node${config.nodes.length === 1 ? '' : 's'}: no value can ever be chosen, whatever the ` +
      `nodes do. Paxos stays safe by never deciding; it needs a quorum the nodes can reach to ` +
      `make progress.`
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
    explanation: explain.twoValuesChosen(state.config, first, second, state.network?.forgotten),
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

/**
 * An acceptor that recovered with amnesia granted `request` (its answer is
 * `reply`): the observer compares the grant with what the acceptor forgot.
 * Each kind is reported once per acceptor.
 */
export function observeForgetting(
  findings: Finding[],
  forgotten: readonly Forgotten[],
  request: Request,
  reply: Reply,
): Finding[] {
  const node = request.to;
  const f = forgotten.find((x) => x.node === node);
  if (!f) return findings;
  const found = (kind: Finding['kind']) =>
    findings.some((x) => x.kind === kind && x.nodes[0] === node);
  let out = findings;
  const reported = reply.kind === 'promiseReply' ? reply.accepted : null;
  if (
    request.kind === 'promiseRequest' &&
    f.accepted !== null &&
    (reported === null || reported.proposalId < f.accepted.proposalId) &&
    !found('forgot_accepted')
  ) {
    out = append(out, {
      kind: 'forgot_accepted',
      explanation: explain.forgotAccepted(request, f.accepted, reported),
      proposalIds: [f.accepted.proposalId, request.proposalId],
      values: [f.accepted.value],
      nodes: [node, request.from],
    });
  }
  if (f.promisedId !== null && request.proposalId < f.promisedId && !found('forgot_promise')) {
    out = append(out, {
      kind: 'forgot_promise',
      explanation: explain.forgotPromise(request, f.promisedId),
      proposalIds: [f.promisedId, request.proposalId],
      values: request.kind === 'acceptRequest' ? [request.value] : [],
      nodes: [node, request.from],
    });
  }
  return out;
}

/**
 * `message` was lost to a crash or a partition (`state` no longer has it in
 * flight). It matters when it belonged to its proposer's current proposal and
 * was the loss that left that phase short of a quorum: counting the nodes that
 * granted it and those whose request or granted reply is still in flight, the
 * quorum was within reach before and is not now. Reported once per proposal.
 */
export function observeLoss(
  state: PaxosState,
  message: Message,
  crashed: string | null,
): Finding[] {
  const request = isRequest(message) ? message : message.request;
  const owner = request.from;
  const p = request.proposalId;
  const proposer = state.proposers[owner];
  const { findings } = state;
  if (!proposer || proposer.proposalId !== p) return findings;
  if (
    findings.some((f) => f.kind === 'lost_quorum' && f.nodes[0] === owner && f.proposalIds[0] === p)
  ) {
    return findings;
  }
  const promise = request.kind === 'promiseRequest';
  const left = new Set(promise ? proposer.promisers : proposer.acceptors.map((v) => v.node));
  for (const m of state.inFlight) {
    if (isRequest(m)) {
      if (m.kind === request.kind && m.from === owner && m.proposalId === p) left.add(m.to);
    } else if (m.request.kind === request.kind && m.to === owner && m.request.proposalId === p) {
      if (m.granted) left.add(m.from);
    }
  }
  const acceptor = request.to;
  const counted = isRequest(message) || message.granted;
  const { quorum } = state.config;
  const before = left.size + (counted && !left.has(acceptor) ? 1 : 0);
  if (before < quorum || left.size >= quorum) return findings;
  return append(findings, {
    kind: 'lost_quorum',
    explanation: explain.lostQuorum(message, crashed, quorum, [...left]),
    proposalIds: [p],
    values: request.kind === 'acceptRequest' ? [request.value] : [],
    nodes: [owner, acceptor],
  });
}

/**
 * The invariant checks: every broken safety property, explained, and one
 * liveness note: a quorum above the number of nodes, which no run can reach.
 * Empty means safe.
 */
export function checkInvariants(state: PaxosState): Finding[] {
  const { config } = state;
  if (config.quorum <= config.nodes.length) return state.findings;
  return [
    {
      kind: 'quorum_above_nodes',
      explanation: explain.quorumAboveNodes(config),
      proposalIds: [],
      values: [],
      nodes: [],
    },
    ...state.findings,
  ];
}

/** The chosen value, if exactly one is chosen (the normal, safe outcome). */
export function chosenValue(state: PaxosState): Chosen | null {
  return state.chosen[0] ?? null;
}
