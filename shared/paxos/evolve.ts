import { acceptorAfter, acceptorState } from './acceptor.ts';
import { append, copyState, withEntry, withoutAt } from './copy.ts';
import type { PaxosEvent } from './events.ts';
import { isRequest } from './events.ts';
import { evolveFault, networkWithoutDue } from './faults.ts';
import {
  liveTallies,
  observeForgetting,
  observeGrantBelowPromise,
  observeLoss,
  observeVote,
} from './observer.ts';
import {
  copyProposer,
  idleProposer,
  proposeLoop,
  proposerAfterReply,
  proposerAfterSend,
  startProposal,
} from './proposer.ts';
import type { AcceptorState, PaxosConfig, PaxosState, ProposerState } from './types.ts';

/** A fresh instance: nobody has promised, accepted or proposed anything. */
export function initialPaxosState(config: PaxosConfig): PaxosState {
  const acceptors: Record<string, AcceptorState> = {};
  const proposers: Record<string, ProposerState> = {};
  for (const node of config.nodes) {
    acceptors[node] = acceptorState(null, null);
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

/*
 * evolve runs once per event of every room log (bench/engine.ts measures it), so
 * it is written for V8: a new state is made by `copyState` and then filled in
 * before anyone else sees it (copy.ts), so all states have one hidden class and the key
 * order of the JSON; proposers, loops and acceptors likewise come from one
 * function each (proposer.ts, acceptor.ts); records are copied by `withEntry`.
 * Work an event cannot need is skipped (see `liveTallies` below). Every state it
 * returns serialises exactly as the plain spread-based version did
 * (test/paxos/evolve-reference.test.ts).
 */

/**
 * `after` (the proposer `before` became) with its propose loop waiting on
 * `reply` instead of message `id`, or on nothing; `after` itself if its loop does
 * not wait on `id`. Only the message's own proposer can wait on it: a loop waits
 * on the requests it sent and on their replies, never on another node's messages.
 * `after` is filled in place only when it is a fresh copy (not `before`).
 */
function awaitingReplaced(
  before: ProposerState,
  after: ProposerState,
  id: number,
  reply: number | null,
): ProposerState {
  const loop = after.propose;
  if (!loop || !loop.awaiting.includes(id)) return after;
  const awaiting: number[] = [];
  for (const a of loop.awaiting) {
    if (a !== id) awaiting.push(a);
    else if (reply !== null) awaiting.push(reply);
  }
  const next = after === before ? copyProposer(before) : after;
  next.propose = proposeLoop(loop.value, loop.targets, loop.phase, loop.attempts, awaiting);
  return next;
}

/** Where message `id` is in flight. */
function flightIndex(state: PaxosState, id: number): number {
  const { inFlight } = state;
  for (let i = 0; i < inFlight.length; i++) if (inFlight[i]!.id === id) return i;
  throw new Error(`event refers to message ${id}, which is not in flight`);
}

/**
 * Folds one event into the state. Pure: never mutates `state`. Events are
 * facts already decided, so evolve never refuses one; an event that does not
 * fit the state is a corrupt log and throws.
 *
 * Tallies: every state evolve makes holds live tallies only (observer.ts,
 * `liveTallies`). A tally dies only when a proposer moves to a new proposal
 * or an accept request leaves flight, so only those events look again.
 */
export function evolve(state: PaxosState, event: PaxosEvent): PaxosState {
  switch (event.type) {
    case 'proposalStarted': {
      const loop = state.proposers[event.node]!.propose;
      // A propose loop's own proposal is its next attempt; a player's own ends the loop.
      const propose =
        event.auto && loop
          ? proposeLoop(loop.value, loop.targets, 'promise', loop.attempts + 1, [])
          : null;
      const next = copyState(state);
      next.proposalCounter = event.proposalId;
      next.proposers = withEntry(
        state.proposers,
        event.node,
        startProposal(event.proposalId, event.value, propose),
      );
      next.tallies = liveTallies(next);
      return next;
    }
    case 'proposeStarted': {
      const proposer = copyProposer(state.proposers[event.node]!);
      proposer.propose = proposeLoop(event.value, event.to, 'promise', 0, []);
      const next = copyState(state);
      next.proposers = withEntry(state.proposers, event.node, proposer);
      return next;
    }
    case 'requestSent': {
      const m = event.message;
      const sender = state.proposers[m.from]!;
      let proposer = proposerAfterSend(sender, m);
      const loop = proposer.propose;
      if (event.auto && loop) {
        if (proposer === sender) proposer = copyProposer(sender);
        const phase = m.kind === 'promiseRequest' ? 'promise' : 'accept';
        const awaiting = append(loop.awaiting, m.id);
        proposer.propose = proposeLoop(loop.value, loop.targets, phase, loop.attempts, awaiting);
      }
      const next = copyState(state);
      next.nextMessageId = m.id + 1;
      next.inFlight = append(state.inFlight, m);
      if (proposer !== sender) next.proposers = withEntry(state.proposers, m.from, proposer);
      return next;
    }
    case 'requestDelivered': {
      const at = flightIndex(state, event.messageId);
      const request = state.inFlight[at]!;
      if (!isRequest(request)) throw new Error(`message ${request.id} is not a request`);
      const { reply } = event;
      const next = copyState(state);
      next.nextMessageId = reply.id + 1;
      const before = state.acceptors[request.to]!;
      const after = acceptorAfter(before, request, reply.granted);
      if (after !== before) next.acceptors = withEntry(state.acceptors, request.to, after);
      const flight = withoutAt(state.inFlight, at);
      flight.push(reply);
      next.inFlight = flight;
      const sender = state.proposers[request.from];
      if (sender) {
        const waiting = awaitingReplaced(sender, sender, request.id, reply.id);
        if (waiting !== sender) next.proposers = withEntry(state.proposers, request.from, waiting);
      }
      if (reply.granted && before.promisedId !== null && before.promisedId > request.proposalId) {
        next.findings = observeGrantBelowPromise(next.findings, request, before.promisedId);
      }
      if (state.network !== undefined) {
        next.network = networkWithoutDue(state, request.id);
        const { forgotten } = state.network;
        if (reply.granted && forgotten.length > 0) {
          next.findings = observeForgetting(next.findings, forgotten, request, reply);
        }
      }
      if (request.kind === 'acceptRequest') {
        if (reply.granted) {
          const seen = observeVote(next, request.to, request.proposalId, request.value);
          next.tallies = seen.tallies;
          next.chosen = seen.chosen;
          next.findings = seen.findings;
        }
        next.tallies = liveTallies(next);
      }
      return next;
    }
    case 'replyDelivered': {
      const at = flightIndex(state, event.messageId);
      const reply = state.inFlight[at]!;
      if (isRequest(reply)) throw new Error(`message ${reply.id} is not a reply`);
      const next = copyState(state);
      next.inFlight = withoutAt(state.inFlight, at);
      if (state.network !== undefined) next.network = networkWithoutDue(state, reply.id);
      const proposer = state.proposers[reply.to];
      if (proposer) {
        const handled = proposerAfterReply(proposer, reply, state.config);
        const after = awaitingReplaced(proposer, handled, reply.id, null);
        if (after !== proposer) next.proposers = withEntry(state.proposers, reply.to, after);
      }
      return next;
    }
    case 'messageDropped':
    case 'messageLost': {
      // Dropped by the host or lost to a crash or a partition: gone either way.
      const at = flightIndex(state, event.messageId);
      const m = state.inFlight[at]!;
      const next = copyState(state);
      next.inFlight = withoutAt(state.inFlight, at);
      if (state.network !== undefined) next.network = networkWithoutDue(state, m.id);
      const owner = isRequest(m) ? m.from : m.to;
      const proposer = state.proposers[owner];
      if (proposer) {
        const after = awaitingReplaced(proposer, proposer, m.id, null);
        if (after !== proposer) next.proposers = withEntry(state.proposers, owner, after);
      }
      if (m.kind === 'acceptRequest') next.tallies = liveTallies(next);
      if (event.type === 'messageLost') next.findings = observeLoss(next, m, event.crashed);
      return next;
    }
    case 'messageDuplicated': {
      flightIndex(state, event.messageId);
      // The copy is the network's extra: a propose loop does not wait for it.
      const next = copyState(state);
      next.nextMessageId = event.copy.id + 1;
      next.inFlight = append(state.inFlight, event.copy);
      return next;
    }
    case 'proposeFailed':
      return state;
    case 'held':
    case 'released':
    case 'delayed':
    case 'partitioned':
    case 'healed':
    case 'nodeCrashed':
    case 'nodeRecovered':
    case 'stepped':
    case 'messageDelayed':
      return evolveFault(state, event);
    case 'proposeChose':
    case 'proposeGaveUp': {
      const proposer = state.proposers[event.node];
      if (!proposer?.propose) return state;
      const after = copyProposer(proposer);
      after.propose = null;
      const next = copyState(state);
      next.proposers = withEntry(state.proposers, event.node, after);
      return next;
    }
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
