// The model behind faults.property.test.ts: small random schedules of proposers,
// deliveries in any order, drops, duplicates, holds, delays and steps,
// partitions, and crashes followed by recovery with the disk or (when allowed)
// with amnesia. Choices are read against the current state, so every schedule
// is valid and shrinks well.
import fc from 'fast-check';
import { decide } from '../../shared/paxos/decide.ts';
import type { Memory, PaxosCommand, PaxosEvent } from '../../shared/paxos/events.ts';
import { evolve, initialPaxosState } from '../../shared/paxos/evolve.ts';
import { hasPromiseQuorum } from '../../shared/paxos/proposer.ts';
import { renderEvent } from '../../shared/paxos/transcript.ts';
import type { PaxosConfig, PaxosState } from '../../shared/paxos/types.ts';
import { Checker } from './safety-checker.ts';

const NAMES = ['Amy', 'Ben', 'Cal', 'Dan', 'Eva'];
const MOVIES = ['Openhimer', 'Barbie', 'Heat'];

/** Every kind of choice, with its weight in the property of safety from disk. */
export const FAULT_WEIGHTS = {
  newProposal: 1,
  promise: 5,
  accept: 5,
  propose: 2,
  deliver: 10,
  drop: 1,
  dup: 1,
  step: 2,
  hold: 1,
  release: 2,
  delay: 1,
  partition: 1,
  heal: 1,
  crash: 1,
  recover: 1,
  restart: 1,
};
/** Amnesia splits need progress: no holds, delays or partitions, many restarts. */
export const AMNESIA_WEIGHTS: typeof FAULT_WEIGHTS = {
  ...FAULT_WEIGHTS,
  propose: 3,
  hold: 0,
  release: 0,
  delay: 0,
  partition: 0,
  heal: 0,
  crash: 0,
  recover: 0,
  restart: 3,
};
type Op = keyof typeof FAULT_WEIGHTS;

export interface Choice {
  op: Op;
  a: number;
  b: number;
  c: number;
}

export interface FaultSchedule {
  size: number;
  manual: boolean;
  choices: Choice[];
}

/** Small runs (3 to 5 nodes, 10 to 24 choices), so that ten thousand of them take seconds. */
export function faultScheduleArb(sizes = { min: 3, max: 5 }, weights = FAULT_WEIGHTS) {
  const op = fc.oneof(
    ...Object.entries(weights)
      .filter(([, weight]) => weight > 0)
      .map(([o, weight]) => ({ weight, arbitrary: fc.constant(o as Op) })),
  ) as fc.Arbitrary<Op>;
  const small = fc.nat({ max: 63 });
  return fc.record({
    size: fc.integer(sizes),
    manual: fc.boolean(),
    choices: fc.array(fc.record({ op, a: small, b: small, c: small }), {
      minLength: 10,
      maxLength: 24,
      size: 'max',
    }),
  });
}

/** A majority quorum and Lamport's value rule: the configuration Paxos promises is safe. */
export function majorityConfig(s: FaultSchedule): PaxosConfig {
  return {
    nodes: NAMES.slice(0, s.size),
    quorum: Math.floor(s.size / 2) + 1,
    delivery: s.manual ? 'manual' : 'instant',
    valueRule: 'lamport',
  };
}

function commandFor(state: PaxosState, { op, a, b, c }: Choice, memory: Memory[]): PaxosCommand[] {
  const { nodes } = state.config;
  const n = nodes.length;
  const proposers = nodes.slice(0, Math.min(3, n));
  const node = proposers[a % proposers.length]!;
  const wish = MOVIES[proposers.indexOf(node) % MOVIES.length]!;
  const subset = nodes.filter((_, i) => (b >> i) & 1);
  const fanOut = subset.length > 0 ? subset : [nodes[c % n]!];
  const flight = state.inFlight;
  const message = flight[a % Math.max(1, flight.length)];
  const crashed = state.network?.crashed ?? [];
  switch (op) {
    case 'newProposal':
      return [{ type: 'newProposal', node, value: wish }];
    case 'promise': {
      const fresh: PaxosCommand[] =
        state.proposers[node]!.proposalId === null || c % 8 === 1
          ? [{ type: 'newProposal', node, value: wish }]
          : [];
      return [
        ...fresh,
        ...fanOut.map((to): PaxosCommand => ({ type: 'promiseRequest', node, to })),
      ];
    }
    case 'accept': {
      const ready = proposers.filter((p) => hasPromiseQuorum(state.proposers[p]!, state.config));
      // Nobody can ask for accepts yet (one time in eight, ask anyway, to be refused).
      if (ready.length === 0 && c % 8 !== 0) {
        return commandFor(
          state,
          { op: flight.length > 0 ? 'deliver' : 'promise', a, b, c },
          memory,
        );
      }
      const sender = ready.length > 0 ? ready[a % ready.length]! : node;
      return fanOut.map((to): PaxosCommand => ({ type: 'acceptRequest', node: sender, to }));
    }
    case 'propose': {
      const to = fanOut.length >= state.config.quorum ? fanOut : nodes;
      return [{ type: 'propose', node, value: wish, to }];
    }
    case 'deliver': {
      // Several deliveries in a row, in a rotated order; now and then all of them.
      const start = a % Math.max(1, flight.length);
      const order = [...flight.slice(start), ...flight.slice(0, start)];
      return order
        .slice(0, c % 4 === 0 ? order.length : 1 + (c % 6))
        .map((m): PaxosCommand => ({ type: 'deliver', messageId: m.id }));
    }
    case 'drop':
      return message ? [{ type: 'drop', messageId: message.id }] : [];
    case 'dup':
      return message ? [{ type: 'duplicate', messageId: message.id }] : [];
    case 'step':
      return Array.from({ length: 1 + (c % 3) }, (): PaxosCommand => ({ type: 'step' }));
    case 'hold':
      return [c % 2 ? { type: 'hold' } : { type: 'hold', node: nodes[b % n]! }];
    case 'release':
      return [{ type: 'release' }];
    case 'delay':
      return [{ type: 'delay', to: nodes[b % n]!, steps: 1 + (c % 3) }];
    case 'partition': {
      const side = nodes.filter((_, i) => (b >> i) & 1);
      return side.length > 0 && side.length < n ? [{ type: 'partition', groups: [side] }] : [];
    }
    case 'heal':
      return [{ type: 'heal' }];
    case 'crash':
      return [{ type: 'crash', node: nodes[b % n]! }];
    case 'restart': // a crash and the recovery right after it
      return [
        { type: 'crash', node: nodes[b % n]! },
        { type: 'recover', node: nodes[b % n]!, memory: memory[c % memory.length]! },
      ];
    case 'recover':
      return crashed.length > 0
        ? [
            {
              type: 'recover',
              node: crashed[b % crashed.length]!,
              memory: memory[c % memory.length]!,
            },
          ]
        : [];
  }
}

export interface FaultRun {
  state: PaxosState;
  checker: Checker;
  commands: PaxosCommand[];
  /** How many events of each kind the run logged. */
  seen: Partial<Record<PaxosEvent['type'], number>>;
}

/** Plays a schedule; every event is also rendered, so no new log line can throw. */
export function playFaults(config: PaxosConfig, choices: Choice[], memory: Memory[]): FaultRun {
  let state = initialPaxosState(config);
  const checker = new Checker(config.quorum);
  const commands: PaxosCommand[] = [];
  const seen: FaultRun['seen'] = {};
  for (const choice of choices) {
    for (const command of commandFor(state, choice, memory)) {
      commands.push(command);
      const decision = decide(state, command);
      if (!decision.ok) continue;
      for (const event of decision.events) {
        const next = evolve(state, event);
        checker.observe(event);
        renderEvent(state, event, next);
        seen[event.type] = (seen[event.type] ?? 0) + 1;
        state = next;
      }
    }
  }
  return { state, checker, commands, seen };
}
