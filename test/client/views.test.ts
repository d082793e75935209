// The browser's words for the engine's facts (client/lib/views.ts), without a browser.
import { describe, expect, it } from 'vitest';
import type { PaxosCommand, PaxosState, Reply } from '../../shared/paxos/index.ts';
import { decide, evolve, initialPaxosState } from '../../shared/paxos/index.ts';
import {
  acceptBlock,
  outcomeOf,
  proposalView,
  proposeBlock,
  quorumMarks,
  replyReason,
} from '../../client/lib/views.ts';

const NODES = ['Amy', 'Ben', 'Cal', 'Dan', 'Eva'];

function play(commands: PaxosCommand[], quorum = 3): PaxosState {
  let state = initialPaxosState({ nodes: NODES, quorum, delivery: 'instant', valueRule: 'seed' });
  for (const command of commands) {
    const decision = decide(state, command);
    if (!decision.ok) throw new Error(decision.error.message);
    for (const event of decision.events) state = evolve(state, event);
  }
  return state;
}

const promises = (node: string, to: string[]): PaxosCommand[] =>
  to.map((t) => ({ type: 'promiseRequest', node, to: t }));

describe('views', () => {
  it('says why accept requests are not possible yet, with the count', () => {
    const state = play([
      { type: 'newProposal', node: 'Amy', value: 'Dune' },
      ...promises('Amy', ['Ben']),
    ]);
    const view = proposalView(state, 'Amy');
    expect(acceptBlock(view)).toBe(
      'You have 1 of the 3 promises you need before you can ask anyone to accept.',
    );
    expect(proposeBlock('Dune', ['Amy', 'Ben'], 3)).toContain('at least 3 friends');
    expect(proposeBlock(' ', NODES, 3)).toBe('Pick or type a movie first.');
  });

  it("says plainly when a promise makes the proposer carry another friend's movie", () => {
    const state = play([
      { type: 'propose', node: 'Amy', value: 'Barbie', to: ['Amy', 'Ben', 'Cal'] },
      { type: 'newProposal', node: 'Eva', value: 'Dune' },
      ...promises('Eva', ['Cal', 'Dan', 'Eva']),
    ]);
    const view = proposalView(state, 'Eva');
    expect(view).toMatchObject({ carry: 'Barbie', carryIsOwn: false, promiseQuorum: true });
    expect(view.carryWhy).toContain('Not your own movie');
    expect(view.carryWhy).toContain('already accepted Barbie (in proposal 1)');
  });

  it('gives the acceptor rule as the reason of a reply, and names a forced answer', () => {
    const reply = (granted: boolean, promisedBefore: number | null): Reply => ({
      kind: 'acceptReply',
      id: 9,
      from: 'Cal',
      to: 'Amy',
      granted,
      promisedBefore,
      accepted: null,
      request: {
        kind: 'acceptRequest',
        id: 8,
        from: 'Amy',
        to: 'Cal',
        proposalId: 1,
        value: 'Openhimer',
        ownValue: 'Openhimer',
        promiserAccMax: null,
      },
    });
    expect(replyReason(reply(false, 2))).toBe(
      'Cal promised 2; an accept request with id 1 must be rejected.',
    );
    expect(replyReason(reply(true, 2))).toMatch(/^The host granted it by hand/);
  });

  it('highlights the chosen quorum, and a second chosen movie as a conflict', () => {
    const state = play(
      [
        { type: 'propose', node: 'Amy', value: 'Dune', to: ['Amy', 'Ben'] },
        { type: 'propose', node: 'Ben', value: 'Barbie', to: ['Cal', 'Dan'] },
      ],
      2,
    );
    const outcome = outcomeOf(state);
    expect(outcome.chosen?.value).toBe('Dune');
    expect(outcome.overlapping).toBe(false);
    expect(outcome.conflicts.map((c) => c.value)).toEqual(['Barbie']);
    expect(quorumMarks(state, 'Amy').map((m) => [m.badge, m.conflict, m.nodes])).toEqual([
      ['Dune', false, ['Amy', 'Ben']],
      ['Barbie', true, ['Cal', 'Dan']],
    ]);
  });
});
