// The reference for evolve-reference.test.ts (kept apart so both files stay small).
import type { PaxosEvent } from '../../shared/paxos/events.ts';
import { isRequest } from '../../shared/paxos/events.ts';
import { explain } from '../../shared/paxos/observer.ts';
import type {
  AcceptorState,
  AcceptorVote,
  Chosen,
  Finding,
  Message,
  PaxosConfig,
  PaxosState,
  ProposeLoop,
  ProposerState,
  Reply,
  Request,
  Tally,
} from '../../shared/paxos/types.ts';

// ---------------------------------------------------------------------------
// The reference: the engine's evolve as it was before it was tuned (commit
// 4d2ab94), spreads and all. Do not optimise it: its only job is to be obviously
// right. Finding texts are the engine's own (`explain`), so that wording can
// change without touching this copy.
// ---------------------------------------------------------------------------

export const ref = (() => {
  function idleProposer(): ProposerState {
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

  function startProposal(proposer: ProposerState, proposalId: number, value: string) {
    return { ...idleProposer(), proposalId, value, propose: proposer.propose };
  }

  function upsertName(list: string[], name: string): string[] {
    return list.includes(name) ? list : [...list, name];
  }

  function upsertVote(list: AcceptorVote[], vote: AcceptorVote): AcceptorVote[] {
    const i = list.findIndex((v) => v.node === vote.node);
    if (i < 0) return [...list, vote];
    return list.map((v, j) => (j === i ? vote : v));
  }

  function proposerAfterSend(proposer: ProposerState, request: Request): ProposerState {
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

  function proposerAfterReply(
    proposer: ProposerState,
    reply: Reply,
    config: PaxosConfig,
  ): ProposerState {
    if (reply.request.proposalId !== proposer.proposalId) return proposer;
    const acceptor = reply.from;
    if (!reply.granted)
      proposer = { ...proposer, rejectedBy: upsertName(proposer.rejectedBy, acceptor) };
    if (reply.kind === 'promiseReply') {
      if (!reply.granted) {
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

  function acceptorAfter(acceptor: AcceptorState, request: Request, granted: boolean) {
    if (!granted) return acceptor;
    if (request.kind === 'promiseRequest') return { ...acceptor, promisedId: request.proposalId };
    return {
      promisedId: request.proposalId,
      accepted: { proposalId: request.proposalId, value: request.value },
    };
  }

  type Observed = Pick<PaxosState, 'tallies' | 'chosen' | 'findings'>;

  function observeVote(
    state: PaxosState,
    acceptor: string,
    proposalId: number,
    value: string,
  ): Observed {
    const { quorum } = state.config;
    let { chosen, findings } = state;
    const existing = state.tallies.find((t) => t.proposalId === proposalId && t.value === value);
    const before = existing?.voters ?? [];
    const voters = before.includes(acceptor) ? before : [...before, acceptor];
    const tally: Tally = { proposalId, value, voters };
    const tallies = existing
      ? state.tallies.map((t) => (t === existing ? tally : t))
      : [...state.tallies, tally];
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
      chosen = [...chosen, record];
      if (other && !findings.some((f) => f.kind === 'two_values_chosen')) {
        findings = [
          ...findings,
          {
            kind: 'two_values_chosen',
            explanation: explain.twoValuesChosen(state.config, other, record),
            proposalIds: [other.proposalId, record.proposalId],
            values: [other.value, record.value],
            nodes: [...new Set([...other.acceptors, ...record.acceptors])],
          },
        ];
      }
    }
    return { tallies, chosen, findings };
  }

  function observeGrantBelowPromise(findings: Finding[], request: Request, promisedId: number) {
    return [
      ...findings,
      {
        kind: 'grant_below_promise' as const,
        explanation: explain.grantBelowPromise(request, promisedId),
        proposalIds: [request.proposalId, promisedId],
        values: request.kind === 'acceptRequest' ? [request.value] : [],
        nodes: [request.to],
      },
    ];
  }

  function liveTallies(state: PaxosState): Tally[] {
    if (state.tallies.length === 0) return state.tallies;
    const live = state.tallies.filter(
      (t) =>
        Object.values(state.proposers).some((p) => p.proposalId === t.proposalId) ||
        state.inFlight.some((m) => m.kind === 'acceptRequest' && m.proposalId === t.proposalId),
    );
    return live.length === state.tallies.length ? state.tallies : live;
  }

  function withProposer(state: PaxosState, node: string, proposer: ProposerState): PaxosState {
    return { ...state, proposers: { ...state.proposers, [node]: proposer } };
  }

  function withLoop(
    state: PaxosState,
    node: string,
    change: (loop: ProposeLoop) => ProposeLoop | null,
  ): PaxosState {
    const proposer = state.proposers[node];
    if (!proposer?.propose) return state;
    return withProposer(state, node, { ...proposer, propose: change(proposer.propose) });
  }

  function proposersAwaiting(
    proposers: Record<string, ProposerState>,
    node: string,
    id: number,
    next: number[],
  ): Record<string, ProposerState> {
    const proposer = proposers[node];
    const loop = proposer?.propose;
    if (!loop || !loop.awaiting.includes(id)) return proposers;
    const awaiting = loop.awaiting.flatMap((a) => (a === id ? next : [a]));
    return { ...proposers, [node]: { ...proposer, propose: { ...loop, awaiting } } };
  }

  function withLiveTallies(state: PaxosState): PaxosState {
    const tallies = liveTallies(state);
    return tallies === state.tallies ? state : { ...state, tallies };
  }

  function inFlight(state: PaxosState, id: number): Message {
    const message = state.inFlight.find((m) => m.id === id);
    if (!message) throw new Error(`event refers to message ${id}, which is not in flight`);
    return message;
  }

  return function evolve(state: PaxosState, event: PaxosEvent): PaxosState {
    switch (event.type) {
      case 'proposalStarted': {
        const proposer = state.proposers[event.node]!;
        let next = withProposer(
          { ...state, proposalCounter: event.proposalId },
          event.node,
          startProposal(proposer, event.proposalId, event.value),
        );
        next = event.auto
          ? withLoop(next, event.node, (loop) => ({
              ...loop,
              phase: 'promise',
              attempts: loop.attempts + 1,
              awaiting: [],
            }))
          : withLoop(next, event.node, () => null);
        return withLiveTallies(next);
      }
      case 'proposeStarted':
        return withProposer(state, event.node, {
          ...state.proposers[event.node]!,
          propose: {
            value: event.value,
            targets: event.to,
            phase: 'promise',
            attempts: 0,
            awaiting: [],
          },
        });
      case 'requestSent': {
        const m = event.message;
        const sender = state.proposers[m.from]!;
        let proposer = proposerAfterSend(sender, m);
        if (event.auto && proposer.propose) {
          const phase = m.kind === 'promiseRequest' ? 'promise' : 'accept';
          const loop = proposer.propose;
          proposer = {
            ...proposer,
            propose: { ...loop, phase, awaiting: [...loop.awaiting, m.id] },
          };
        }
        return {
          ...state,
          nextMessageId: m.id + 1,
          inFlight: [...state.inFlight, m],
          proposers:
            proposer === sender ? state.proposers : { ...state.proposers, [m.from]: proposer },
        };
      }
      case 'requestDelivered': {
        const request = inFlight(state, event.messageId);
        if (!isRequest(request)) throw new Error(`message ${request.id} is not a request`);
        const { reply } = event;
        const before = state.acceptors[request.to]!;
        const flight = state.inFlight.filter((m) => m.id !== request.id);
        flight.push(reply);
        let next: PaxosState = {
          ...state,
          nextMessageId: reply.id + 1,
          acceptors: {
            ...state.acceptors,
            [request.to]: acceptorAfter(before, request, reply.granted),
          },
          inFlight: flight,
          proposers: proposersAwaiting(state.proposers, request.from, request.id, [reply.id]),
        };
        if (reply.granted && before.promisedId !== null && before.promisedId > request.proposalId) {
          next = {
            ...next,
            findings: observeGrantBelowPromise(next.findings, request, before.promisedId),
          };
        }
        if (reply.granted && request.kind === 'acceptRequest') {
          const { tallies, chosen, findings } = observeVote(
            next,
            request.to,
            request.proposalId,
            request.value,
          );
          next = { ...next, tallies, chosen, findings };
        }
        return withLiveTallies(next);
      }
      case 'replyDelivered': {
        const reply = inFlight(state, event.messageId);
        if (isRequest(reply)) throw new Error(`message ${reply.id} is not a reply`);
        const proposer = state.proposers[reply.to]!;
        const after = proposerAfterReply(proposer, reply, state.config);
        const proposers =
          after === proposer ? state.proposers : { ...state.proposers, [reply.to]: after };
        return {
          ...state,
          inFlight: state.inFlight.filter((m) => m.id !== reply.id),
          proposers: proposersAwaiting(proposers, reply.to, reply.id, []),
        };
      }
      case 'messageDropped': {
        const m = inFlight(state, event.messageId);
        return withLiveTallies({
          ...state,
          inFlight: state.inFlight.filter((x) => x.id !== m.id),
          proposers: proposersAwaiting(state.proposers, isRequest(m) ? m.from : m.to, m.id, []),
        });
      }
      case 'messageDuplicated': {
        inFlight(state, event.messageId);
        return {
          ...state,
          nextMessageId: event.copy.id + 1,
          inFlight: [...state.inFlight, event.copy],
        };
      }
      case 'proposeFailed':
        return state;
      case 'proposeChose':
      case 'proposeGaveUp':
        return withLoop(state, event.node, () => null);
      default:
        // The reference predates faults: it folds the logs of rounds without them.
        throw new Error(`the reference has no fault event ${event.type}`);
    }
  };
})();
