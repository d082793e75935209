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

/** The propose loop waiting on `id` now waits on `next` instead (or on nothing). */
function replaceAwaited(state: PaxosState, id: number, next: number[]): PaxosState {
  let out = state;
  for (const [node, proposer] of Object.entries(state.proposers)) {
    if (proposer.propose?.awaiting.includes(id)) {
      out = withLoop(out, node, (loop) => ({
        ...loop,
        awaiting: loop.awaiting.flatMap((a) => (a === id ? next : [a])),
      }));
    }
  }
  return out;
}

function inFlight(state: PaxosState, id: number): Message {
  const message = state.inFlight.find((m) => m.id === id);
  if (!message) throw new Error(`event refers to message ${id}, which is not in flight`);
  return message;
}

function withoutMessage(state: PaxosState, id: number): PaxosState {
  return { ...state, inFlight: state.inFlight.filter((m) => m.id !== id) };
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
      return { ...next, tallies: liveTallies(next) };
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
      let next: PaxosState = {
        ...state,
        nextMessageId: m.id + 1,
        inFlight: [...state.inFlight, m],
      };
      next = withProposer(next, m.from, proposerAfterSend(next.proposers[m.from]!, m));
      if (event.auto) {
        const phase = m.kind === 'promiseRequest' ? 'promise' : 'accept';
        next = withLoop(next, m.from, (loop) => ({
          ...loop,
          phase,
          awaiting: [...loop.awaiting, m.id],
        }));
      }
      return next;
    }
    case 'requestDelivered': {
      const request = inFlight(state, event.messageId);
      if (!isRequest(request)) throw new Error(`message ${request.id} is not a request`);
      const { reply } = event;
      const before = state.acceptors[request.to]!;
      let next: PaxosState = {
        ...withoutMessage(state, request.id),
        nextMessageId: reply.id + 1,
        acceptors: {
          ...state.acceptors,
          [request.to]: acceptorAfter(before, request, reply.granted),
        },
      };
      next = { ...next, inFlight: [...next.inFlight, reply] };
      if (reply.granted && before.promisedId !== null && before.promisedId > request.proposalId) {
        next = {
          ...next,
          findings: observeGrantBelowPromise(next.findings, request, before.promisedId),
        };
      }
      if (reply.granted && request.kind === 'acceptRequest') {
        next = { ...next, ...observeVote(next, request.to, request.proposalId, request.value) };
      }
      next = replaceAwaited(next, request.id, [reply.id]);
      return { ...next, tallies: liveTallies(next) };
    }
    case 'replyDelivered': {
      const reply = inFlight(state, event.messageId);
      if (isRequest(reply)) throw new Error(`message ${reply.id} is not a reply`);
      let next = withoutMessage(state, reply.id);
      const proposer = next.proposers[reply.to]!;
      next = withProposer(next, reply.to, proposerAfterReply(proposer, reply, state.config));
      return replaceAwaited(next, reply.id, []);
    }
    case 'messageDropped': {
      inFlight(state, event.messageId);
      const next = replaceAwaited(withoutMessage(state, event.messageId), event.messageId, []);
      return { ...next, tallies: liveTallies(next) };
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
