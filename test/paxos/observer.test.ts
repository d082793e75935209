// The observer's rules: what is chosen (Voting.tla's ChosenAt) and which safety
// invariants broke, each explained in plain English. One `it` per rule.
import { describe, expect, it } from 'vitest';
import { checkInvariants, chosenValue } from '../../shared/paxos/observer.ts';
import type { PaxosState } from '../../shared/paxos/types.ts';
import { accepts, deliver, newProposal, play, promises, roomOf } from './helpers.ts';

const room = roomOf('instant');

/** Proposal `node` for `value`, promises from `from`, accept requests to `to`. */
function round(
  state: PaxosState,
  node: string,
  value: string,
  from: string[],
  to: string[],
): PaxosState {
  return play(state, newProposal(node, value), ...promises(node, ...from), ...accepts(node, ...to));
}

/**
 * The notebook's hazard (instant delivery, majority quorum): Eva asks Dan for a
 * promise after her first accept requests; Dan reports Amy's older Openhimer,
 * and Eva's later accept requests in the same proposal 2 carry it.
 */
function latePromise(valueRule: 'seed' | 'lamport'): PaxosState {
  let s = round(room({ valueRule }), 'Amy', 'Openhimer', ['Amy', 'Ben', 'Cal'], ['Dan']);
  s = round(s, 'Eva', 'Barbie', ['Amy', 'Ben', 'Cal'], ['Eva', 'Ben', 'Cal']);
  return play(s, ...promises('Eva', 'Dan'), ...accepts('Eva', 'Amy', 'Ben', 'Cal'));
}

/** Delivers everything in flight, oldest first (manual delivery). */
function settle(state: PaxosState): PaxosState {
  while (state.inFlight.length > 0) state = play(state, deliver(state.inFlight[0]!.id));
  return state;
}

const kinds = (s: PaxosState) => s.findings.map((f) => f.kind);

describe('observer: chosen', () => {
  it('a value is chosen when a quorum of acceptors accepted the same (proposal id, value)', () => {
    let s = round(room(), 'Amy', 'Openhimer', ['Amy', 'Ben', 'Cal'], ['Amy', 'Ben']);
    expect(s.chosen).toEqual([]);
    expect(chosenValue(s)).toBeNull();
    s = play(s, ...accepts('Amy', 'Cal'));
    expect(s.chosen).toEqual([
      { proposalId: 1, value: 'Openhimer', acceptors: ['Amy', 'Ben', 'Cal'] },
    ]);
    expect(chosenValue(s)).toEqual(s.chosen[0]);
    expect(checkInvariants(s)).toEqual([]);
  });

  it('votes for the same value under different proposal ids do not add up', () => {
    let s = round(room(), 'Amy', 'Openhimer', ['Amy', 'Ben', 'Cal'], ['Amy', 'Ben']);
    s = round(s, 'Eva', 'Openhimer', ['Cal', 'Dan', 'Eva'], ['Dan']);
    expect(s.chosen).toEqual([]);
  });

  it('a vote counts although the acceptor later accepts another proposal (votes are never taken back)', () => {
    // Seed case 1: Amy's Openhimer is chosen at 1; Eva's proposal 2 re-chooses it at 2.
    let s = round(room(), 'Amy', 'Openhimer', ['Amy', 'Ben', 'Cal'], ['Amy', 'Ben', 'Cal']);
    s = round(s, 'Eva', 'Barbie', ['Cal', 'Dan', 'Eva'], ['Cal', 'Dan', 'Eva']);
    expect(s.acceptors.Cal!.accepted).toEqual({ proposalId: 2, value: 'Openhimer' });
    expect(s.chosen.map((c) => [c.proposalId, c.value])).toEqual([
      [1, 'Openhimer'],
      [2, 'Openhimer'],
    ]);
    // The same movie chosen twice is safe.
    expect(s.findings).toEqual([]);
  });

  it('chosen values and findings survive later proposals; dead tallies are dropped', () => {
    let s = round(room(), 'Amy', 'Openhimer', ['Amy', 'Ben', 'Cal'], ['Amy', 'Ben', 'Cal']);
    s = round(s, 'Amy', 'Heat', ['Amy', 'Ben', 'Cal'], ['Amy']);
    // Proposal 1 can collect no more votes: its tally is gone, its chosen record stays.
    expect(s.tallies.map((t) => t.proposalId)).toEqual([2]);
    expect(s.chosen).toHaveLength(1);
  });
});

describe('observer: findings', () => {
  it('two values in one proposal id are reported (the seed recomputes the value per accept request)', () => {
    const s = latePromise('seed');
    const finding = s.findings.find((f) => f.kind === 'two_values_one_proposal');
    expect(finding).toMatchObject({
      proposalIds: [2],
      values: ['Barbie', 'Openhimer'],
      nodes: ['Eva', 'Ben', 'Cal', 'Amy'],
    });
    expect(finding!.explanation).toBe(
      'Proposal 2 carried two values: Eva, Ben and Cal accepted Barbie, Amy accepted Openhimer. ' +
        'A proposer must send one value per proposal id; this one changed its value after a ' +
        'promise reported a higher accepted proposal (the notebook recomputes the value at every ' +
        'accept request).',
    );
  });

  it('under seed a majority quorum can get two values chosen, and the finding says how', () => {
    const s = latePromise('seed');
    expect(s.chosen.map((c) => [c.proposalId, c.value, c.acceptors])).toEqual([
      [2, 'Barbie', ['Eva', 'Ben', 'Cal']],
      [2, 'Openhimer', ['Amy', 'Ben', 'Cal']],
    ]);
    expect(kinds(s)).toEqual(['two_values_one_proposal', 'two_values_chosen']);
    const finding = s.findings[1]!;
    expect(finding).toMatchObject({ proposalIds: [2, 2], values: ['Barbie', 'Openhimer'] });
    expect(finding.explanation).toContain('Two different movies were chosen: Barbie');
    expect(finding.explanation).not.toContain('less than a majority');
    // Both votes are in proposal 2: no later proposal's promise could have reported anything.
    expect(finding.explanation).toContain(
      'Paxos allows at most one. The two quorums share Ben and Cal, who accepted both movies in ' +
        'proposal 2: its proposer changed the value partway through the proposal.',
    );
  });

  it('a majority split across two proposals names the later one and the broken promise it allows', () => {
    // Cal promises Amy's 1, then Eva's 2; Barbie is chosen in 2, then the host makes Cal accept 1.
    let s = play(room({ delivery: 'manual' }), newProposal('Amy', 'Openhimer'));
    s = settle(play(s, ...promises('Amy', 'Amy', 'Ben', 'Cal')));
    s = settle(play(s, newProposal('Eva', 'Barbie'), ...promises('Eva', 'Cal', 'Dan', 'Eva')));
    s = settle(play(s, ...accepts('Eva', 'Cal', 'Dan', 'Eva')));
    s = play(s, ...accepts('Amy', 'Amy', 'Ben', 'Cal'));
    s = play(s, deliver(s.inFlight[0]!.id), deliver(s.inFlight[1]!.id));
    s = settle(play(s, deliver(s.inFlight[0]!.id, 'grant')));
    expect(s.chosen.map((c) => [c.proposalId, c.value])).toEqual([
      [2, 'Barbie'],
      [1, 'Openhimer'],
    ]);
    expect(s.findings.find((f) => f.kind === 'two_values_chosen')!.explanation).toBe(
      'Two different movies were chosen: Barbie (proposal 2, accepted by Cal, Dan and Eva) and ' +
        'Openhimer (proposal 1, accepted by Amy, Ben and Cal). Paxos allows at most one. ' +
        'The two quorums share Cal, so Paxos should have kept them to one movie: either the ' +
        'proposer of proposal 2 ignored a value its promises reported, or an acceptor broke its ' +
        'promise by accepting proposal 1 after promising 2.',
    );
  });

  it('the same schedule under lamport chooses one value and finds nothing', () => {
    const s = latePromise('lamport');
    expect(s.chosen.map((c) => c.value)).toEqual(['Barbie']);
    expect(s.findings).toEqual([]);
  });

  it('minority quorum (2 of 5) split: two values chosen and the finding explains "less than a majority"', () => {
    let s = round(room({ quorum: 2 }), 'Amy', 'Openhimer', ['Amy', 'Ben'], ['Amy', 'Ben']);
    s = round(s, 'Eva', 'Barbie', ['Dan', 'Eva'], ['Dan', 'Eva']);
    expect(s.chosen.map((c) => c.value)).toEqual(['Openhimer', 'Barbie']);
    expect(s.findings).toMatchObject([
      {
        kind: 'two_values_chosen',
        proposalIds: [1, 2],
        values: ['Openhimer', 'Barbie'],
        nodes: ['Amy', 'Ben', 'Dan', 'Eva'],
      },
    ]);
    const { explanation } = s.findings[0]!;
    expect(explanation).toContain(
      'Two different movies were chosen: Openhimer (proposal 1, accepted by Amy and Ben) and ' +
        'Barbie (proposal 2, accepted by Dan and Eva). Paxos allows at most one.',
    );
    // Each quorum once, in the first sentence: no "Amy and Ben and Dan and Eva".
    expect(explanation).toBe(
      'Two different movies were chosen: Openhimer (proposal 1, accepted by Amy and Ben) and ' +
        'Barbie (proposal 2, accepted by Dan and Eva). Paxos allows at most one. The quorum is ' +
        '2 of 5 nodes, less than a majority (3), so two quorums need not share a node; these ' +
        'two share no node at all.',
    );
  });

  it('a minority-quorum split through a shared node says which node they share', () => {
    let s = round(room({ quorum: 2 }), 'Amy', 'Openhimer', ['Amy', 'Ben'], ['Amy', 'Ben']);
    // Eva's promises come from Dan and Eva, so Ben has no say in her value; Ben accepts Barbie.
    s = round(s, 'Eva', 'Barbie', ['Dan', 'Eva'], ['Ben', 'Eva']);
    expect(s.findings[0]!.explanation).toContain(
      'Paxos allows at most one. The quorum is 2 of 5 nodes, less than a majority (3), so two ' +
        'quorums need not share a node; these two share only Ben.',
    );
  });

  it('each kind of finding is reported once, however often it happens again', () => {
    let s = round(room({ quorum: 1 }), 'Amy', 'A', ['Amy'], ['Amy']);
    s = round(s, 'Ben', 'B', ['Ben'], ['Ben']);
    s = round(s, 'Cal', 'C', ['Cal'], ['Cal']);
    expect(s.chosen.map((c) => c.value)).toEqual(['A', 'B', 'C']);
    expect(kinds(s)).toEqual(['two_values_chosen']);
  });

  it('grant_below_promise is found when answer: grant overrides the rule on a promise', () => {
    let s = play(
      room({ delivery: 'manual' }),
      newProposal('Amy', 'Openhimer'),
      newProposal('Eva', 'Barbie'),
      ...promises('Eva', 'Cal'),
      ...promises('Amy', 'Cal'),
    );
    s = play(s, deliver(1), deliver(2, 'grant'));
    expect(s.findings).toEqual([
      {
        kind: 'grant_below_promise',
        explanation:
          "Cal had promised 2 but granted Amy's promise request with id 1. An acceptor must " +
          'reject anything below its promise, or an older proposal can overwrite a newer one.',
        proposalIds: [1, 2],
        values: [],
        nodes: ['Cal'],
      },
    ]);
  });

  it('grant_below_promise is found when answer: grant overrides the rule on an accept', () => {
    let s = play(room({ delivery: 'manual' }), newProposal('Amy', 'Openhimer'));
    s = settle(play(s, ...promises('Amy', 'Amy', 'Ben', 'Cal')));
    s = settle(play(s, newProposal('Eva', 'Barbie'), ...promises('Eva', 'Cal')));
    s = play(s, ...accepts('Amy', 'Cal'));
    s = play(s, deliver(s.inFlight[0]!.id, 'grant'));
    expect(s.acceptors.Cal!.accepted).toEqual({ proposalId: 1, value: 'Openhimer' });
    expect(s.findings).toMatchObject([
      { kind: 'grant_below_promise', proposalIds: [1, 2], values: ['Openhimer'], nodes: ['Cal'] },
    ]);
  });

  it('a grant the rule allows anyway is no finding', () => {
    let s = play(room({ delivery: 'manual' }), newProposal('Amy', 'Up'), ...promises('Amy', 'Ben'));
    s = play(s, deliver(1, 'grant'));
    expect(s.findings).toEqual([]);
    expect(s.acceptors.Ben!.promisedId).toBe(1);
  });
});
