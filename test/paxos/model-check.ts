// An exhaustive model check of the engine, the TLC way (Lamport's MCPaxos): from
// the initial state, every move the model allows is played through the real
// `decide` and `evolve`, breadth first, and each state reached is kept once,
// under a canonical key. The model: acceptors Amy, Ben and Cal (quorum 2);
// proposers Amy (Openhimer) and Ben (Barbie), one proposal each, so two proposal
// ids; manual delivery; every message may be delivered in any order, dropped,
// or duplicated (at most `duplicates` times in a run, which keeps the space finite).
//
// The key keeps what decides the future and drops the rest, each time for a reason
// that makes the reduction sound (the same states up to renaming, or states
// whose every future a kept state also has):
//  - message ids and the order of messages in flight (labels);
//  - accept replies: they change only what a proposer prints (its acceptors, its
//    choice), never a vote, a promise or a value;
//  - dead messages: an accept request to an acceptor that has promised a higher id
//    (it can only be rejected, and the reply changes nothing), and promise requests
//    and replies that can no longer add or remove a promiser or raise the highest
//    accepted value the proposer heard of (see `alive`);
//  - symmetry: renaming the acceptors (an acceptor's name is only an address:
//    nothing in the engine reads a node's proposer and acceptor together), and
//    swapping the two proposers together with their movies;
//  - drops: a state after a drop is checked but not expanded. Dropping a message
//    is a way of never delivering it, so every state that follows a drop is a state
//    that follows no drop, with that message still in flight; the drop adds no
//    chosen value and no shorter way to one.
// For the same reasons the model plays no move on a dead message or an accept reply
// (its state would be its parent's), and of two copies of a message moves only one.
import { decide } from '../../shared/paxos/decide.ts';
import type { PaxosCommand } from '../../shared/paxos/events.ts';
import { foldPaxos, initialPaxosState } from '../../shared/paxos/evolve.ts';
import { hasPromiseQuorum, valueToCarry } from '../../shared/paxos/proposer.ts';
import type { Message, PaxosConfig, PaxosState, ValueRule } from '../../shared/paxos/types.ts';

export const ACCEPTORS = ['Amy', 'Ben', 'Cal'];
/** The two proposers and the one movie each proposes, in one proposal each. */
export const PROPOSERS = ['Amy', 'Ben'];
export const MOVIES = ['Openhimer', 'Barbie'];

export const modelConfig = (valueRule: ValueRule): PaxosConfig => ({
  nodes: ACCEPTORS,
  quorum: 2,
  delivery: 'manual',
  valueRule,
});

/**
 * A move of the model. A proposer's `phase1` is its new proposal and a promise
 * request to every acceptor at once, as in Lamport's spec (their deliveries are
 * what interleave). Accept requests go one at a time, as the seed's
 * `accept_request(node)`: each carries the value the rule computes when it is
 * sent, and a proposer sends an acceptor each value at most once (sending it
 * again would be a duplicate, and duplicates are moves of their own).
 */
export type Move =
  | { type: 'phase1'; node: string }
  | { type: 'accept'; node: string; to: string }
  | { type: 'deliver' | 'drop' | 'duplicate'; messageId: number };

interface ModelState {
  paxos: PaxosState;
  /** Accept requests sent so far, by index into PROPOSERS, ACCEPTORS and MOVIES. */
  sent: readonly { proposer: number; acceptor: number; value: number }[];
  duplicates: number;
}

export interface ModelResult {
  /** Distinct states reached (up to the reductions above), those after a drop included. */
  states: number;
  /** States reached by a drop, checked and not expanded. */
  afterDrop: number;
  transitions: number;
  /** Most distinct chosen values in any state reached. */
  maxChosen: number;
  /** A shortest schedule reaching two chosen values, when one was searched for and found. */
  twoChosen: Move[] | null;
  ms: number;
}

const proposerIndex = (name: string) => PROPOSERS.indexOf(name);
const acceptorIndex = (name: string) => ACCEPTORS.indexOf(name);
const movieIndex = (value: string) => MOVIES.indexOf(value);
const REQUEST = 0;
const GRANTED = 1;
const REJECTED = 2;

/** Slot of a promise request or reply in the counts `alive` asks about (proposal ids are 1 and 2). */
const promiseSlot = (proposer: number, acceptor: number, p: number, what: number) =>
  ((proposer * 3 + acceptor) * 3 + p) * 3 + what;

function promiseCounts(s: PaxosState): Int32Array {
  const counts = new Int32Array(2 * 3 * 3 * 3);
  for (const m of s.inFlight) {
    if (m.kind === 'promiseRequest') {
      counts[promiseSlot(proposerIndex(m.from), acceptorIndex(m.to), m.proposalId, REQUEST)]!++;
    } else if (m.kind === 'promiseReply') {
      const what = m.granted ? GRANTED : REJECTED;
      counts[
        promiseSlot(proposerIndex(m.to), acceptorIndex(m.from), m.request.proposalId, what)
      ]!++;
    }
  }
  return counts;
}

/**
 * Whether delivering `m` (now or later) can still change anything the key
 * keeps. Promises only grow in this model (no crash), each proposer has one
 * proposal and sends its promise requests once.
 */
function alive(s: PaxosState, counts: Int32Array, m: Message): boolean {
  if (m.kind === 'acceptReply') return false;
  if (m.kind === 'acceptRequest') return (s.acceptors[m.to]!.promisedId ?? 0) <= m.proposalId;
  const request = m.kind === 'promiseRequest';
  const proposer = request ? m.from : m.to;
  const acceptor = request ? m.to : m.from;
  const p = request ? m.proposalId : m.request.proposalId;
  const promiser = s.proposers[proposer]!.promisers.includes(acceptor);
  const grantable = (s.acceptors[acceptor]!.promisedId ?? 0) <= p;
  const own = request ? REQUEST : m.granted ? GRANTED : REJECTED;
  const slot = promiseSlot(proposerIndex(proposer), acceptorIndex(acceptor), p, 0);
  // Others like it in flight, `m` itself not counted.
  const others = (what: number) => counts[slot + what]! - (what === own ? 1 : 0) > 0;
  if (request) {
    // Granted, it may add a promiser; rejected, it removes one (or one a granted reply would add).
    return grantable || promiser || others(GRANTED);
  }
  if (m.granted) {
    const h = s.proposers[proposer]!.highestAccepted;
    const raises = m.accepted !== null && (h === null || h.proposalId < m.accepted.proposalId);
    // It adds a promiser who is not one, raises the value, or undoes a later rejection.
    return !promiser || raises || others(REJECTED) || others(REQUEST);
  }
  return promiser || others(GRANTED) || (others(REQUEST) && grantable);
}

/**
 * One key per class of states equal up to renaming the acceptors and swapping
 * the proposers (with their movies). Every fact of a state is about no acceptor
 * (the proposers' ids and values, the values chosen), about one acceptor (its
 * promise and vote, the messages to and from it, the accept requests sent to
 * it), or about a set of acceptors (promisers, a tally's voters), which is
 * known from each acceptor's membership. So each acceptor gets a signature of
 * small numbers, two acceptors with equal signatures can be renamed into each
 * other, and the sorted signatures name the state up to renaming.
 */
function canonicalKey(node: ModelState): string {
  const s = node.paxos;
  const counts = promiseCounts(s);
  // Both renamings of the proposers at once: codes[swap][acceptor].
  const codes: number[][][] = [
    [[], [], []],
    [[], [], []],
  ];
  const add = (acceptor: number, code0: number, code1: number) => {
    codes[0]![acceptor]!.push(code0);
    codes[1]![acceptor]!.push(code1);
  };
  for (let i = 0; i < 3; i++) {
    const { promisedId, accepted } = s.acceptors[ACCEPTORS[i]!]!;
    add(i, (promisedId ?? 0) * 8 + vote(accepted, 0), (promisedId ?? 0) * 8 + vote(accepted, 1));
  }
  for (const m of s.inFlight) {
    if (!alive(s, counts, m)) continue;
    if (m.kind === 'promiseRequest') {
      const q = proposerIndex(m.from);
      add(acceptorIndex(m.to), 100 + q * 10 + m.proposalId, 100 + (q ^ 1) * 10 + m.proposalId);
    } else if (m.kind === 'acceptRequest') {
      const base = 200 + m.proposalId * 2;
      const q = proposerIndex(m.from);
      const v = movieIndex(m.value);
      add(acceptorIndex(m.to), base + q * 10 + v, base + (q ^ 1) * 10 + (v ^ 1));
    } else if (m.kind === 'promiseReply') {
      const base = 1000 + m.request.proposalId * 20 + (m.granted ? 10 : 0);
      const q = proposerIndex(m.to);
      const code0 = base + q * 100 + vote(m.accepted, 0);
      add(acceptorIndex(m.from), code0, base + (q ^ 1) * 100 + vote(m.accepted, 1));
    }
  }
  for (const { proposer, acceptor, value } of node.sent) {
    add(acceptor, 3000 + proposer * 2 + value, 3000 + (proposer ^ 1) * 2 + (value ^ 1));
  }
  for (let i = 0; i < 2; i++) {
    for (const a of s.proposers[PROPOSERS[i]!]!.promisers)
      add(acceptorIndex(a), 4000 + i, 4001 - i);
  }
  for (const t of s.tallies) {
    const v = movieIndex(t.value);
    for (const a of t.voters) {
      add(acceptorIndex(a), 5000 + t.proposalId * 2 + v, 5000 + t.proposalId * 2 + (v ^ 1));
    }
  }
  let best: string | null = null;
  for (let swap = 0; swap < 2; swap++) {
    const signatures: string[] = [];
    for (const c of codes[swap]!) signatures.push(c.sort(byNumber).join(','));
    signatures.sort();
    const proposers: string[] = [];
    for (const name of PROPOSERS) {
      const { proposalId, highestAccepted, frozenValue } = s.proposers[name]!;
      const frozen = frozenValue === null ? 0 : (movieIndex(frozenValue) ^ swap) + 1;
      proposers.push(`${proposalId ?? 0}.${vote(highestAccepted, swap)}.${frozen}`);
    }
    if (swap) proposers.reverse();
    let chosen = 0;
    for (const c of s.chosen) chosen |= 1 << (movieIndex(c.value) ^ swap);
    const key = `${proposers.join(',')}|${chosen}|${node.duplicates}|${signatures.join('|')}`;
    if (best === null || key < best) best = key;
  }
  return best!;
}

const byNumber = (x: number, y: number) => x - y;

/** An accepted (id, value) as a small number, with the movies swapped by `swap`. */
function vote(a: { proposalId: number; value: string } | null, swap: number): number {
  return a === null ? 0 : a.proposalId * 2 + (movieIndex(a.value) ^ swap) + 1;
}

/** Every move the model allows in this state. */
function* moves(node: ModelState, maxDuplicates: number, drops: boolean): Generator<Move> {
  const s = node.paxos;
  for (const p of PROPOSERS) {
    const proposer = s.proposers[p]!;
    if (proposer.proposalId === null) {
      yield { type: 'phase1', node: p };
    } else if (hasPromiseQuorum(proposer, s.config)) {
      const value = valueToCarry(proposer, s.config);
      for (const to of ACCEPTORS) {
        const sent = node.sent.some(
          (x) =>
            x.proposer === proposerIndex(p) &&
            x.acceptor === acceptorIndex(to) &&
            x.value === movieIndex(value),
        );
        if (!sent) yield { type: 'accept', node: p, to };
      }
    }
  }
  // Moving a dead message (accept replies included) changes nothing the key keeps, and
  // of two copies of one message in flight, moving either gives the same state.
  const counts = promiseCounts(s);
  const seen = new Set<string>();
  for (const m of s.inFlight) {
    if (!alive(s, counts, m)) continue;
    if (node.duplicates > 0) {
      const content = JSON.stringify({ ...m, id: 0 });
      if (seen.has(content)) continue;
      seen.add(content);
    }
    yield { type: 'deliver', messageId: m.id };
    if (drops) yield { type: 'drop', messageId: m.id };
    if (node.duplicates < maxDuplicates) yield { type: 'duplicate', messageId: m.id };
  }
}

function play(s: PaxosState, command: PaxosCommand): PaxosState {
  const decision = decide(s, command);
  if (!decision.ok) throw new Error(`the model played a refused ${command.type}`);
  return foldPaxos(s, decision.events);
}

/** The engine's commands for a move. */
export function commandsOf(move: Move): PaxosCommand[] {
  switch (move.type) {
    case 'phase1':
      return [
        { type: 'newProposal', node: move.node, value: MOVIES[PROPOSERS.indexOf(move.node)]! },
        ...ACCEPTORS.map((to): PaxosCommand => ({ type: 'promiseRequest', node: move.node, to })),
      ];
    case 'accept':
      return [{ type: 'acceptRequest', node: move.node, to: move.to }];
    default:
      return [{ type: move.type, messageId: move.messageId }];
  }
}

function after(node: ModelState, move: Move): ModelState {
  let paxos = node.paxos;
  for (const command of commandsOf(move)) paxos = play(paxos, command);
  let { sent, duplicates } = node;
  if (move.type === 'accept') {
    const value = valueToCarry(node.paxos.proposers[move.node]!, paxos.config);
    const mark = {
      proposer: proposerIndex(move.node),
      acceptor: acceptorIndex(move.to),
      value: movieIndex(value),
    };
    sent = [...sent, mark];
  }
  if (move.type === 'duplicate') duplicates++;
  return { paxos, sent, duplicates };
}

/**
 * Breadth-first search of every reachable state. With `stopAtTwoChosen`, it
 * stops at the first state where two movies are chosen: breadth first, its
 * schedule is a shortest one (in moves). `drops: false` plays no drop at all:
 * the same states are covered (a state after a drop adds nothing), fewer counted.
 */
export function modelCheck(
  valueRule: ValueRule,
  options: { duplicates: number; stopAtTwoChosen: boolean; drops?: boolean },
): ModelResult {
  const t0 = performance.now();
  const initial: ModelState = {
    paxos: initialPaxosState(modelConfig(valueRule)),
    sent: [],
    duplicates: 0,
  };
  // Per state expanded: its parent's index and the move from it (for the schedule).
  const parent: number[] = [-1];
  const via: (Move | null)[] = [null];
  const expanded = new Set<string>([canonicalKey(initial)]);
  const leaves = new Set<string>();
  let frontier: [ModelState, number][] = [[initial, 0]];
  let transitions = 0;
  let maxChosen = 0;
  while (frontier.length > 0) {
    const next: [ModelState, number][] = [];
    for (const [node, index] of frontier) {
      for (const move of moves(node, options.duplicates, options.drops ?? true)) {
        const child = after(node, move);
        transitions++;
        const key = canonicalKey(child);
        if (expanded.has(key)) continue;
        const chosen = new Set(child.paxos.chosen.map((c) => c.value)).size;
        maxChosen = Math.max(maxChosen, chosen);
        if (move.type === 'drop') {
          leaves.add(key);
          continue;
        }
        leaves.delete(key);
        expanded.add(key);
        parent.push(index);
        via.push(move);
        if (chosen > 1 && options.stopAtTwoChosen) {
          const schedule: Move[] = [];
          for (let i = parent.length - 1; i > 0; i = parent[i]!) schedule.unshift(via[i]!);
          return result(schedule);
        }
        next.push([child, parent.length - 1]);
      }
    }
    frontier = next;
  }
  return result(null);

  function result(twoChosen: Move[] | null): ModelResult {
    const states = expanded.size + leaves.size;
    const ms = performance.now() - t0;
    return { states, afterDrop: leaves.size, transitions, maxChosen, twoChosen, ms };
  }
}

/** A schedule as the steps of a scenario file (docs/SCENARIOS.md). */
export function scenarioSteps(schedule: readonly Move[]): Record<string, unknown>[] {
  return schedule.flatMap(commandsOf).map((c) => {
    switch (c.type) {
      case 'newProposal':
        return { node: c.node, do: 'newProposal', value: c.value };
      case 'promiseRequest':
      case 'acceptRequest':
        return { node: c.node, do: c.type, to: c.to };
      case 'deliver':
      case 'drop':
      case 'duplicate':
        return { do: c.type, message: c.messageId };
      default:
        throw new Error(`the model plays no ${c.type}`);
    }
  });
}
