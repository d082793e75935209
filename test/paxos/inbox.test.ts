// "Be the acceptor": requests to a node with an inbox wait for its player's
// answer, even under the seed's instant delivery. One `it` per rule.
import { describe, expect, it } from 'vitest';
import { decide } from '../../shared/paxos/decide.ts';
import type { PaxosCommand } from '../../shared/paxos/events.ts';
import { foldPaxos, initialPaxosState } from '../../shared/paxos/evolve.ts';
import type { PaxosState } from '../../shared/paxos/types.ts';

const fresh = (inbox: string[]): PaxosState =>
  initialPaxosState({
    nodes: ['Amy', 'Ben', 'Cal', 'Dan', 'Eva'],
    quorum: 3,
    delivery: 'instant',
    valueRule: 'seed',
    inbox,
  });

function play(state: PaxosState, ...commands: PaxosCommand[]): PaxosState {
  for (const command of commands) {
    const d = decide(state, command);
    if (!d.ok) throw new Error(`${command.type}: ${d.error.message}`);
    state = foldPaxos(state, d.events);
  }
  return state;
}

describe('be the acceptor', () => {
  it('a request to a node with an inbox waits in flight under instant delivery', () => {
    const s = play(
      fresh(['Ben']),
      { type: 'newProposal', node: 'Amy', value: 'Dune' },
      { type: 'promiseRequest', node: 'Amy', to: 'Amy' },
      { type: 'promiseRequest', node: 'Amy', to: 'Ben' },
    );
    expect(s.proposers.Amy!.promisers).toEqual(['Amy']);
    expect(s.inFlight.map((m) => [m.kind, m.to])).toEqual([['promiseRequest', 'Ben']]);
    expect(s.acceptors.Ben!.promisedId).toBe(null);
  });

  it("the node's answer is delivered and its reply comes back at once", () => {
    let s = play(
      fresh(['Ben']),
      { type: 'newProposal', node: 'Amy', value: 'Dune' },
      { type: 'promiseRequest', node: 'Amy', to: 'Ben' },
    );
    s = play(s, { type: 'deliver', messageId: s.inFlight[0]!.id, answer: 'grant' });
    expect(s.inFlight).toEqual([]);
    expect(s.acceptors.Ben!.promisedId).toBe(1);
    expect(s.proposers.Amy!.promisers).toEqual(['Ben']);
  });

  it('a rejecting answer is applied as given and the proposer hears the rejection', () => {
    let s = play(
      fresh(['Ben']),
      { type: 'newProposal', node: 'Amy', value: 'Dune' },
      { type: 'promiseRequest', node: 'Amy', to: 'Ben' },
    );
    s = play(s, { type: 'deliver', messageId: s.inFlight[0]!.id, answer: 'reject' });
    expect(s.acceptors.Ben!.promisedId).toBe(null);
    expect(s.proposers.Amy!.promisers).toEqual([]);
  });

  it("the propose loop waits for the inbox's answers before its next phase", () => {
    let s = play(fresh(['Cal']), {
      type: 'propose',
      node: 'Amy',
      value: 'Dune',
      to: ['Amy', 'Ben', 'Cal'],
    });
    expect(s.proposers.Amy!.promisers).toEqual(['Amy', 'Ben']);
    expect(s.proposers.Amy!.propose?.phase).toBe('promise');
    s = play(s, { type: 'deliver', messageId: s.inFlight[0]!.id, answer: 'grant' });
    // Promise quorum: accept requests went out; Cal's waits in the inbox again.
    expect(s.proposers.Amy!.acceptors.map((a) => a.node)).toEqual(['Amy', 'Ben']);
    s = play(s, { type: 'deliver', messageId: s.inFlight[0]!.id, answer: 'grant' });
    expect(s.chosen.map((c) => c.value)).toEqual(['Dune']);
    expect(s.proposers.Amy!.propose).toBe(null);
  });
});
