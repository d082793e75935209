// The network's faults in words (client/lib/network.ts), on states the engine made.
import { describe, expect, it } from 'vitest';
import type { PaxosCommand, PaxosState } from '../../shared/paxos/index.ts';
import { decide, evolve, initialPaxosState } from '../../shared/paxos/index.ts';
import {
  filterWords,
  networkStatus,
  nextStepped,
  partitionWords,
  waitsFor,
} from '../../client/lib/network.ts';

const NODES = ['Amy', 'Ben', 'Cal', 'Dan', 'Eva'];

function play(commands: PaxosCommand[], inbox?: string[]): PaxosState {
  let state = initialPaxosState({
    nodes: NODES,
    quorum: 3,
    delivery: 'instant',
    valueRule: 'seed',
    ...(inbox ? { inbox } : {}),
  });
  for (const command of commands) {
    const decision = decide(state, command);
    if (!decision.ok) throw new Error(decision.error.message);
    for (const event of decision.events) state = evolve(state, event);
  }
  return state;
}

describe('the network in words', () => {
  it('says which messages a hold or a delay matches', () => {
    expect(filterWords({})).toBe('everything');
    expect(filterWords({ node: 'Cal' })).toBe('messages to or from Cal');
    expect(filterWords({ from: 'Amy', to: 'Cal', kind: 'acceptRequest' })).toBe(
      'accept requests from Amy to Cal',
    );
    expect(filterWords({ messageId: 7 })).toBe('message #7');
    expect(
      partitionWords([
        ['Amy', 'Ben'],
        ['Cal', 'Dan', 'Eva'],
      ]),
    ).toBe('Amy, Ben | Cal, Dan, Eva');
  });

  it('says what the network does now and where each held message waits', () => {
    expect(networkStatus(play([]))).toBe('Delivering at once');
    const held = play([
      { type: 'hold', node: 'Ben' },
      { type: 'delay', from: 'Amy', to: 'Cal', steps: 2 },
      { type: 'newProposal', node: 'Amy', value: 'Heat' },
      { type: 'promiseRequest', node: 'Amy', to: 'Ben' },
      { type: 'promiseRequest', node: 'Amy', to: 'Cal' },
    ]);
    expect(networkStatus(held)).toBe(
      'Holding messages to or from Ben. Delaying messages from Amy to Cal by 2 steps',
    );
    const [toBen, toCal] = held.inFlight;
    expect(waitsFor(held, toBen!)).toBe('held');
    expect(waitsFor(held, toCal!)).toBe('delayed until step 3'); // two steps wait, the third delivers
    // Step 1 delivers the oldest message that is due: the one to Ben, not the delayed one.
    expect(nextStepped(held)?.id).toBe(toBen!.id);
    expect(networkStatus(play([{ type: 'hold' }]))).toBe('Holding everything');
  });

  it("says a request waits in its player's inbox", () => {
    const state = play(
      [
        { type: 'newProposal', node: 'Amy', value: 'Heat' },
        { type: 'promiseRequest', node: 'Amy', to: 'Ben' },
      ],
      ['Ben'],
    );
    expect(waitsFor(state, state.inFlight[0]!)).toBe("waits in Ben's inbox");
    expect(nextStepped(state)).toBeNull();
  });
});
