// The model behind safety.property.test.ts: random schedules read against the state,
// an independent checker of chosen values, and the coverage every property must reach.
import fc from 'fast-check';
import { expect } from 'vitest';
import { decide } from '../../shared/paxos/decide.ts';
import type { PaxosCommand, PaxosEvent } from '../../shared/paxos/events.ts';
import { isRequest } from '../../shared/paxos/events.ts';
import { evolve, initialPaxosState } from '../../shared/paxos/evolve.ts';
import { hasPromiseQuorum } from '../../shared/paxos/proposer.ts';
import { renderEvent } from '../../shared/paxos/transcript.ts';
import { Checker } from './safety-checker.ts';
import type { Chosen, PaxosConfig, PaxosState, ValueRule } from '../../shared/paxos/types.ts';

const SEED = Number(process.env.PAXOS_FC_SEED ?? 1127);
const FACTOR = Number(process.env.PAXOS_FC_RUNS ?? 1);
const NAMES = ['Amy', 'Ben', 'Cal', 'Dan', 'Eva', 'Fay'];
const MOVIES = ['Openhimer', 'Barbie', 'Heat', 'Up'];

// ---------------------------------------------------------------------------
// Schedules
// ---------------------------------------------------------------------------

type Op = 'newProposal' | 'promise' | 'accept' | 'propose' | 'deliver' | 'drop' | 'dup' | 'answer';
interface Choice {
  op: Op;
  a: number;
  b: number;
  c: number;
}
interface Schedule {
  size: number;
  quorumPick: number;
  ruleBit: boolean;
  choices: Choice[];
}

export function scheduleArb(answers: boolean, sizes: { min: number; max: number }) {
  const weighted: [Op, number][] = [
    ['newProposal', 1],
    ['promise', 4],
    ['accept', 4],
    ['propose', 1],
    ['deliver', 12],
    ['drop', 1],
    ['dup', 1],
    ...(answers ? ([['answer', 1]] as [Op, number][]) : []),
  ];
  const op = fc.oneof(
    ...weighted.map(([o, weight]) => ({ weight, arbitrary: fc.constant(o) })),
  ) as fc.Arbitrary<Op>;
  const small = fc.nat({ max: 63 });
  return fc.record({
    size: fc.integer(sizes),
    quorumPick: fc.nat({ max: 63 }),
    ruleBit: fc.boolean(),
    choices: fc.array(fc.record({ op, a: small, b: small, c: small }), {
      minLength: 10,
      maxLength: 30,
      size: 'max',
    }),
  });
}

/**
 * The proposers of property (b) behave like the seed's `propose` loop: a proposer
 * sends accept requests only once all its promise replies for the current
 * proposal (copies included) are in or dropped, and asks for no more promises
 * for a proposal once it has sent accept requests for it.
 */
class Discipline {
  private readonly acceptSent = new Set<string>();
  /** A promise reply reached the proposer after its first accept request: no more accepts. */
  private readonly late = new Set<string>();

  observe(before: PaxosState, event: PaxosEvent): void {
    if (event.type === 'requestSent' && event.message.kind === 'acceptRequest') {
      this.acceptSent.add(`${event.message.from}:${event.message.proposalId}`);
    }
    if (event.type === 'replyDelivered') {
      const reply = before.inFlight.find((m) => m.id === event.messageId);
      if (reply?.kind === 'promiseReply') {
        const key = `${reply.request.from}:${reply.request.proposalId}`;
        if (this.acceptSent.has(key)) this.late.add(key);
      }
    }
  }

  mayAskPromise(state: PaxosState, node: string): boolean {
    return !this.acceptSent.has(`${node}:${state.proposers[node]!.proposalId}`);
  }

  mayAskAccept(state: PaxosState, node: string): boolean {
    const p = state.proposers[node]!.proposalId;
    if (p === null) return true; // refused by the engine anyway
    if (this.late.has(`${node}:${p}`)) return false;
    return !state.inFlight.some(
      (m) =>
        (m.kind === 'promiseRequest' && m.from === node && m.proposalId === p) ||
        (m.kind === 'promiseReply' && m.to === node && m.request.proposalId === p),
    );
  }
}

export function configOf(
  s: Schedule,
  kind: 'majority' | 'minority',
  rule?: ValueRule,
): PaxosConfig {
  const nodes = NAMES.slice(0, s.size);
  const majority = Math.floor(s.size / 2) + 1;
  const quorum =
    kind === 'majority'
      ? majority + (s.quorumPick % (s.size - majority + 1))
      : 1 + (s.quorumPick % (majority - 1));
  return {
    nodes,
    quorum,
    delivery: 'manual',
    valueRule: rule ?? (s.ruleBit ? 'lamport' : 'seed'),
  };
}

/**
 * The concrete commands a choice stands for in this state (possibly none). Up to
 * three nodes propose, so proposals overtake each other often; a request goes to
 * one or more acceptors; a delivery may deliver a few messages in a row.
 */
function* commandsFor(
  state: () => PaxosState,
  { op, a, b, c }: Choice,
  discipline: Discipline | null,
): Generator<PaxosCommand> {
  const { nodes, quorum } = state().config;
  const n = nodes.length;
  const proposers = nodes.slice(0, Math.min(3, n));
  const node = proposers[a % proposers.length]!;
  // Mostly a proposer acts sensibly (asks for promises once it has a proposal, for accepts
  // once it has a promise quorum); one choice in eight is taken as is, and may be refused.
  const sensible = c % 8 !== 0;
  // Each proposer mostly wishes for its own movie, so that rival proposals carry rival values.
  const wish = MOVIES[b % 4 === 0 ? (b >> 2) % MOVIES.length : proposers.indexOf(node)]!;
  // A random subset of the nodes (the bits of b), never empty.
  const subset = nodes.filter((_, i) => (b >> i) & 1);
  const fanOut = subset.length > 0 ? subset : [nodes[c % n]!];
  const inFlight = () => state().inFlight;
  const pick = () => inFlight()[a % Math.max(1, inFlight().length)];
  switch (op) {
    case 'newProposal':
      yield { type: 'newProposal', node, value: wish };
      return;
    case 'promise':
      // A sensible proposer starts a proposal when it has none, and sometimes starts over.
      if (sensible && (state().proposers[node]!.proposalId === null || c % 8 === 1)) {
        yield { type: 'newProposal', node, value: wish };
      }
      for (const to of fanOut) {
        if (discipline && !discipline.mayAskPromise(state(), node)) return;
        yield { type: 'promiseRequest', node, to };
      }
      return;
    case 'accept': {
      const ready = proposers.filter((p) =>
        hasPromiseQuorum(state().proposers[p]!, state().config),
      );
      if (sensible && ready.length === 0) {
        // Nobody can ask for accepts yet: let the network make progress, or ask for promises.
        const next: Op = inFlight().length > 0 ? 'deliver' : 'promise';
        yield* commandsFor(state, { op: next, a, b, c }, discipline);
        return;
      }
      const sender = sensible ? ready[a % ready.length]! : node;
      for (const to of c % 2 ? [nodes[b % n]!] : fanOut) {
        if (discipline && !discipline.mayAskAccept(state(), sender)) return;
        yield { type: 'acceptRequest', node: sender, to };
      }
      return;
    }
    case 'propose': {
      // At least a quorum of distinct nodes, rotated, sometimes with a repeat (as Python allows).
      const count = quorum + (c % (n - quorum + 1));
      const targets = Array.from({ length: count }, (_, i) => nodes[(b + i) % n]!);
      if (c % 3 === 0) targets.push(targets[0]!);
      yield { type: 'propose', node, value: wish, to: targets };
      return;
    }
    case 'deliver': {
      if (inFlight().length === 0) {
        // Nothing to deliver: some proposer acts instead.
        yield* commandsFor(state, { op: 'accept', a, b, c: c | 1 }, discipline);
        return;
      }
      // Half the time the network favours one proposer's messages, so that proposers
      // get ahead of each other; otherwise any message in flight.
      const focus = c % 2 === 0 ? proposers[b % proposers.length]! : null;
      for (let i = 0; i <= c % 8; i++) {
        const mine = inFlight().filter((m) => (isRequest(m) ? m.from : m.to) === focus);
        const pool = mine.length > 0 ? mine : inFlight();
        const message = pool[(a + i * b) % Math.max(1, pool.length)];
        if (message) yield { type: 'deliver', messageId: message.id };
      }
      return;
    }
    case 'drop':
    case 'dup': {
      const message = pick();
      if (message) yield { type: op === 'drop' ? 'drop' : 'duplicate', messageId: message.id };
      return;
    }
    case 'answer': {
      const message = pick();
      if (message?.kind === 'promiseRequest' || message?.kind === 'acceptRequest') {
        yield { type: 'deliver', messageId: message.id, answer: c % 2 ? 'grant' : 'reject' };
      }
      return;
    }
  }
}

function sameChosen(a: Chosen[], b: Chosen[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (x, i) =>
        x.proposalId === b[i]!.proposalId &&
        x.value === b[i]!.value &&
        x.acceptors.join() === b[i]!.acceptors.join(),
    )
  );
}

interface Run {
  state: PaxosState;
  checker: Checker;
  commands: PaxosCommand[];
  events: number;
  stats: Record<PaxosEvent['type'] | 'rejected' | 'adopted', number>;
}

/** Plays a schedule, checking after every command that the engine's chosen is the checker's. */
export function play(
  config: PaxosConfig,
  choices: Choice[],
  options: { disciplined?: boolean; render?: boolean } = {},
): Run {
  let state = initialPaxosState(config);
  const checker = new Checker(config.quorum);
  const discipline = options.disciplined ? new Discipline() : null;
  const commands: PaxosCommand[] = [];
  let events = 0;
  const stats: Run['stats'] = {
    proposalStarted: 0,
    proposeStarted: 0,
    requestSent: 0,
    requestDelivered: 0,
    replyDelivered: 0,
    messageDropped: 0,
    messageDuplicated: 0,
    proposeFailed: 0,
    proposeChose: 0,
    proposeGaveUp: 0,
    held: 0,
    released: 0,
    delayed: 0,
    partitioned: 0,
    healed: 0,
    nodeCrashed: 0,
    nodeRecovered: 0,
    stepped: 0,
    messageDelayed: 0,
    messageLost: 0,
    rejected: 0,
    adopted: 0,
  };
  const fail = (message: string): never => {
    throw new Error(
      `${message}\nconfig: ${JSON.stringify(config)}\ncommands: ${JSON.stringify(commands)}` +
        `\nchosen: ${JSON.stringify(state.chosen)}\nfindings: ${JSON.stringify(state.findings)}`,
    );
  };
  const step = (command: PaxosCommand) => {
    commands.push(command);
    const decision = decide(state, command);
    if (!decision.ok) return;
    for (const event of decision.events) {
      const next = evolve(state, event);
      checker.observe(event);
      discipline?.observe(state, event);
      if (options.render) renderEvent(state, event, next);
      state = next;
      events++;
      stats[event.type]++;
      if (event.type === 'requestDelivered' && !event.reply.granted) stats.rejected++;
      if (
        event.type === 'requestSent' &&
        event.message.kind === 'acceptRequest' &&
        event.message.value !== event.message.ownValue
      ) {
        stats.adopted++;
      }
    }
    if (command.type === 'deliver' && command.answer === 'grant') checker.grantsByHand++;
    if (!sameChosen(state.chosen, checker.chosen)) {
      fail(
        `the engine's chosen differs from the independent checker's ${JSON.stringify(checker.chosen)}`,
      );
    }
  };
  for (const choice of choices) {
    // Lazily: each command of a choice is read against the state the previous one left.
    for (const command of commandsFor(() => state, choice, discipline)) {
      step(command);
    }
  }
  return { state, checker, commands, events, stats };
}

/** Runs `check` on a finished run; on failure the message shows the concrete commands. */
export function verify(run: Run, check: () => void): void {
  try {
    check();
  } catch (err) {
    throw new Error(
      `${(err as Error).message}\nconfig: ${JSON.stringify(run.state.config)}\n` +
        `commands: ${JSON.stringify(run.commands)}\nchosen: ${JSON.stringify(run.state.chosen)}\n` +
        `findings: ${JSON.stringify(run.state.findings.map((f) => f.explanation))}`,
      { cause: err },
    );
  }
}

export const params = (numRuns: number) => ({ seed: SEED, numRuns: Math.round(numRuns * FACTOR) });

/** How often the runs of one property did the interesting things (so a pass is not vacuous). */
export function coverage() {
  const c = {
    runs: 0,
    events: 0,
    chosen: 0,
    /** Votes under two or more proposal ids: a later proposal had to respect an earlier one. */
    rivals: 0,
    /** An accept request carried a value a promise reported, not the proposer's own wish. */
    adopted: 0,
    /** Acceptors voted for two different values (dueling proposers). */
    contested: 0,
    rejected: 0,
    duplicated: 0,
    dropped: 0,
    loopChose: 0,
  };
  return {
    c,
    count(run: Run) {
      const { stats } = run;
      c.runs++;
      c.events += run.events;
      if (run.state.chosen.length > 0) c.chosen++;
      if (run.checker.ballots() > 1) c.rivals++;
      if (stats.adopted > 0) c.adopted++;
      if (run.checker.contested()) c.contested++;
      if (stats.rejected > 0) c.rejected++;
      if (stats.messageDuplicated > 0) c.duplicated++;
      if (stats.messageDropped > 0) c.dropped++;
      if (stats.proposeChose > 0) c.loopChose++;
    },
  };
}

/** Every property must exercise these in a fair share of its runs. */
export function expectCoverage(c: ReturnType<typeof coverage>['c']): void {
  const share = (k: keyof typeof c) => c[k] / c.runs;
  expect(share('chosen'), JSON.stringify(c)).toBeGreaterThan(0.3);
  expect(share('rivals'), JSON.stringify(c)).toBeGreaterThan(0.1);
  expect(share('adopted'), JSON.stringify(c)).toBeGreaterThan(0.05);
  expect(share('contested'), JSON.stringify(c)).toBeGreaterThan(0.005);
  expect(share('rejected'), JSON.stringify(c)).toBeGreaterThan(0.3);
  expect(share('duplicated'), JSON.stringify(c)).toBeGreaterThan(0.3);
  expect(share('dropped'), JSON.stringify(c)).toBeGreaterThan(0.3);
  expect(share('loopChose'), JSON.stringify(c)).toBeGreaterThan(0.02);
}
