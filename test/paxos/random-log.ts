// Random room logs for the engine's tests: random commands played through
// `decide` from a seeded PRNG, so every run plays the same logs.
import { decide } from '../../shared/paxos/decide.ts';
import type { PaxosCommand, PaxosEvent } from '../../shared/paxos/events.ts';
import { foldPaxos, initialPaxosState } from '../../shared/paxos/evolve.ts';
import { hasPromiseQuorum } from '../../shared/paxos/proposer.ts';
import type { PaxosConfig, PaxosState } from '../../shared/paxos/types.ts';
import { prng } from '../../shared/prng.ts';
import type { Rng } from '../../shared/prng.ts';

const NAMES = ['Amy', 'Ben', 'Cal', 'Dan', 'Eva', 'Fay', 'Gus'];
const MOVIES = ['Openhimer', 'Barbie', 'Heat', 'Up'];

function randomConfig(rng: Rng): PaxosConfig {
  const size = 3 + rng.int(NAMES.length - 2);
  const nodes = NAMES.slice(0, size);
  const majority = Math.floor(size / 2) + 1;
  const config: PaxosConfig = {
    nodes,
    // Minority quorums often: they are what makes two values chosen.
    quorum: rng.next() < 0.6 ? majority : 1 + rng.int(majority - 1),
    delivery: rng.next() < 0.35 ? 'instant' : 'manual',
    valueRule: rng.next() < 0.5 ? 'seed' : 'lamport',
  };
  if (rng.next() < 0.25) config.inbox = nodes.filter(() => rng.next() < 0.3);
  return config;
}

function randomCommand(rng: Rng, s: PaxosState): PaxosCommand {
  const { nodes } = s.config;
  const node = rng.pick(nodes.slice(0, 2 + rng.int(3)));
  if (s.inFlight.length > 0 && rng.next() < Math.min(0.9, 0.4 + s.inFlight.length / 20)) {
    const m = rng.pick(s.inFlight);
    const q = rng.next();
    if (q < 0.75) return { type: 'deliver', messageId: m.id };
    if (q < 0.83) return { type: 'drop', messageId: m.id };
    if (q < 0.9) return { type: 'duplicate', messageId: m.id };
    return { type: 'deliver', messageId: m.id, answer: rng.next() < 0.6 ? 'grant' : 'reject' };
  }
  const r = rng.next();
  if (r < 0.12 || s.proposers[node]!.proposalId === null) {
    return { type: 'newProposal', node, value: rng.pick(MOVIES) };
  }
  if (r < 0.22) {
    const to = nodes.filter(() => rng.next() < 0.8);
    return { type: 'propose', node, value: rng.pick(MOVIES), to: to.length ? to : nodes };
  }
  if (r < 0.6 && hasPromiseQuorum(s.proposers[node]!, s.config)) {
    return { type: 'acceptRequest', node, to: rng.pick(nodes) };
  }
  return { type: 'promiseRequest', node, to: rng.pick(nodes) };
}

/** Rounds of random play; each round is a fresh instance and the events it logged. */
export function randomRounds(seed: number, rounds: number, eventsPerRound: number) {
  const rng = prng(seed);
  return Array.from({ length: rounds }, () => {
    const config = randomConfig(rng);
    let state = initialPaxosState(config);
    const events: PaxosEvent[] = [];
    for (let tries = 0; events.length < eventsPerRound && tries < eventsPerRound * 4; tries++) {
      const decision = decide(state, randomCommand(rng, state));
      if (!decision.ok) continue;
      events.push(...decision.events);
      state = foldPaxos(state, decision.events);
    }
    return { config, events };
  });
}
