import { acceptorState } from './acceptor.ts';
import { append, copyState, withEntry } from './copy.ts';
import type { PaxosEvent } from './events.ts';
import { liveTallies } from './observer.ts';
import { copyProposer, idleProposer } from './proposer.ts';
import type {
  Accepted,
  AcceptorState,
  DelayRule,
  Due,
  Forgotten,
  MessageFilter,
  NetworkState,
  PaxosState,
} from './types.ts';

/*
 * The fold of the host's fault events (events.ts): they change
 * `PaxosState.network`, which the first of them creates, and the crashed or
 * recovering node. What each fault means for messages is network.ts's business.
 */

export type FaultEvent = Extract<
  PaxosEvent,
  {
    type:
      | 'held'
      | 'released'
      | 'delayed'
      | 'partitioned'
      | 'healed'
      | 'nodeCrashed'
      | 'nodeRecovered'
      | 'stepped'
      | 'messageDelayed';
  }
>;

/** A network state; the only place one is made, so all have one layout and the JSON's key order. */
function makeNetwork(
  holds: MessageFilter[],
  delays: DelayRule[],
  partition: string[][] | null,
  crashed: string[],
  step: number,
  due: Due[],
  forgotten: Forgotten[],
): NetworkState {
  return { holds, delays, partition, crashed, step, due, forgotten };
}

function networkOf(state: PaxosState): NetworkState {
  return state.network ?? makeNetwork([], [], null, [], 0, [], []);
}

/** `net` with some fields changed. */
function changed(net: NetworkState, change: Partial<NetworkState>): NetworkState {
  return makeNetwork(
    change.holds ?? net.holds,
    change.delays ?? net.delays,
    change.partition !== undefined ? change.partition : net.partition,
    change.crashed ?? net.crashed,
    change.step ?? net.step,
    change.due ?? net.due,
    change.forgotten ?? net.forgotten,
  );
}

const sameFilter = (a: Omit<MessageFilter, 'messageId'>, b: Omit<MessageFilter, 'messageId'>) =>
  a.from === b.from && a.to === b.to && a.node === b.node && a.kind === b.kind;

/** The higher of two accepted (id, value) pairs, by proposal id. */
function higher(a: Accepted | null, b: Accepted | null): Accepted | null {
  if (a === null) return b;
  if (b === null) return a;
  return b.proposalId > a.proposalId ? b : a;
}

function maxId(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b === null ? a : Math.max(a, b);
}

/** What the observer remembers `node` forgot, merged with what it had forgotten before. */
function forget(forgotten: Forgotten[], node: string, lost: AcceptorState): Forgotten[] {
  const old = forgotten.find((f) => f.node === node);
  const entry: Forgotten = {
    node,
    promisedId: maxId(old?.promisedId ?? null, lost.promisedId),
    accepted: higher(old?.accepted ?? null, lost.accepted),
  };
  return old ? forgotten.map((f) => (f === old ? entry : f)) : append(forgotten, entry);
}

/**
 * `state` without the due step of message `id`, which has left flight (a
 * no-op, returning `state`'s own network, when it had none).
 */
export function networkWithoutDue(state: PaxosState, id: number): NetworkState | undefined {
  const net = state.network;
  if (net === undefined || net.due.length === 0) return net;
  const due = net.due.filter((d) => d.messageId !== id);
  return due.length === net.due.length ? net : changed(net, { due });
}

/** Folds one fault event. Pure, like evolve. */
export function evolveFault(state: PaxosState, event: FaultEvent): PaxosState {
  const net = networkOf(state);
  const next = copyState(state);
  switch (event.type) {
    case 'held':
      next.network = changed(net, { holds: append(net.holds, event.rule) });
      return next;
    case 'released':
      next.network = changed(net, { holds: [], delays: [] });
      return next;
    case 'delayed': {
      const { rule } = event;
      const others = net.delays.filter((d) => !sameFilter(d, rule));
      next.network = changed(net, { delays: rule.steps > 0 ? append(others, rule) : others });
      return next;
    }
    case 'partitioned':
      next.network = changed(net, { partition: event.groups });
      return next;
    case 'healed':
      next.network = changed(net, { partition: null });
      return next;
    case 'nodeCrashed': {
      next.network = changed(net, { crashed: append(net.crashed, event.node) });
      // The node's process is gone: its propose loop stops.
      const proposer = state.proposers[event.node]!;
      if (proposer.propose) {
        const stopped = copyProposer(proposer);
        stopped.propose = null;
        next.proposers = withEntry(state.proposers, event.node, stopped);
      }
      return next;
    }
    case 'nodeRecovered': {
      const { node } = event;
      const crashed = net.crashed.filter((n) => n !== node);
      if (event.memory === 'kept') {
        next.network = changed(net, { crashed });
        return next;
      }
      // Amnesia: the acceptor forgets its promise and its vote, the proposer its proposal.
      const before = state.acceptors[node]!;
      const lostSomething = before.promisedId !== null || before.accepted !== null;
      const forgotten = lostSomething ? forget(net.forgotten, node, before) : net.forgotten;
      next.network = changed(net, { crashed, forgotten });
      next.acceptors = withEntry(state.acceptors, node, acceptorState(null, null));
      next.proposers = withEntry(state.proposers, node, idleProposer());
      next.tallies = liveTallies(next);
      return next;
    }
    case 'stepped':
      next.network = changed(net, { step: event.step });
      return next;
    case 'messageDelayed':
      next.network = changed(net, {
        due: append(net.due, { messageId: event.messageId, step: event.until }),
      });
      return next;
    default: {
      const never: never = event;
      throw new Error(`unknown fault event ${JSON.stringify(never)}`);
    }
  }
}
