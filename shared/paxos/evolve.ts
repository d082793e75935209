import { acceptorAfter } from './acceptor.ts';
import type { PaxosEvent } from './events.ts';
import { isRequest } from './events.ts';
import { liveTallies, observeGrantBelowPromise, observeVote } from './observer.ts';
import { idleProposer, proposerAfterReply, proposerAfterSend, startProposal } from './proposer.ts';
import type {
  AcceptorState,
  Message,
  PaxosConfig,
  PaxosState,
  ProposeLoop,
  ProposerState,
} from './types.ts';

/** A fresh instance: nobody has promised, accepted or proposed anything. */
export function initialPaxosState(config: PaxosConfig): PaxosState {
  const acceptors: Record<string, AcceptorState> = {};
  const proposers: Record<string, ProposerState> = {};
  for (const node of config.nodes) {
    acceptors[node] = { promisedId: null, accepted: null };
    proposers[node] = idleProposer();
  }
  return {
    config,
    proposalCounter: 0,
    nextMessageId: 1,
    acceptors,
    proposers,
    inFlight: [],
    tallies: [],
    chosen: [],
    findings: [],
  };
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

/**
 * The proposers record with `node`'s propose loop waiting on `next` instead of
 * `id` (or on nothing); the same record if its loop does not wait on `id`. Only
 * the message's own proposer can wait on it: a loop waits on the requests it
 * sent and on their replies, never on another node's messages.
 */
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

/** Drops tallies that can get no more votes (see liveTallies), keeping `state` if none. */
function withLiveTallies(state: PaxosState): PaxosState {
  const tallies = liveTallies(state);
  return tallies === state.tallies ? state : { ...state, tallies };
}

function inFlight(state: PaxosState, id: number): Message {
  const message = state.inFlight.find((m) => m.id === id);
  if (!message) throw new Error(`event refers to message ${id}, which is not in flight`);
  return message;
}

/**
 * Folds one event into the state. Pure: never mutates `state`. Events are
 * facts already decided, so evolve never refuses one; an event that does not
 * fit the state is a corrupt log and throws.
 */
export function evolve(state: PaxosState, event: PaxosEvent): PaxosState {
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
        proposer = { ...proposer, propose: { ...loop, phase, awaiting: [...loop.awaiting, m.id] } };
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
        // Named fields, not a second spread: a double spread gives the state a new hidden class.
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
      // The copy is the network's extra: a propose loop does not wait for it.
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
    default: {
      const never: never = event;
      throw new Error(`unknown event ${JSON.stringify(never)}`);
    }
  }
}

/** A room is the fold of its events. */
export function foldPaxos(state: PaxosState, events: readonly PaxosEvent[]): PaxosState {
  let s = state;
  for (const e of events) s = evolve(s, e);
  return s;
}
