// The proposer's rules (the seed's `init_new_proposal`, `promise_request`,
// `accept_request` and `propose`), one `it` per rule.
import { describe, expect, it } from 'vitest';
import { MAX_PROPOSE_ATTEMPTS, SEED_LINES, decide } from '../../shared/paxos/decide.ts';
import type { PaxosEvent } from '../../shared/paxos/events.ts';
import type { PaxosConfig, PaxosState } from '../../shared/paxos/types.ts';
import { parseScenario, runScenario } from '../../shared/scenario.ts';
import {
  NODES,
  accept,
  accepts,
  deliver,
  drop,
  newProposal,
  play,
  promise,
  promises,
  propose,
  refused,
  roomOf,
  step,
} from './helpers.ts';

const room = roomOf('instant');

/** Amy's proposal 1 for Openhimer with promises from Amy, Ben and Cal. */
function amyHasQuorum(config: Partial<PaxosConfig> = {}): PaxosState {
  return play(
    room(config),
    newProposal('Amy', 'Openhimer'),
    ...promises('Amy', 'Amy', 'Ben', 'Cal'),
  );
}

/** Delivers everything in flight, oldest first, until nothing is left (manual delivery). */
function deliverAll(state: PaxosState): PaxosState {
  while (state.inFlight.length > 0) state = play(state, deliver(state.inFlight[0]!.id));
  return state;
}

const types = (events: PaxosEvent[]) => events.map((e) => e.type);

describe('proposer: proposals', () => {
  it('a new proposal takes the next id from a room-wide counter starting at 1', () => {
    let s = room();
    expect(s.proposalCounter).toBe(0);
    const first = step(s, newProposal('Amy', 'Openhimer'));
    expect(first.lines).toEqual(['Amy generated a new proposal id 1 for value : Openhimer']);
    s = play(first.state, newProposal('Eva', 'Barbie'), newProposal('Amy', 'Up'));
    expect(s.proposers.Amy!.proposalId).toBe(3);
    expect(s.proposers.Eva!.proposalId).toBe(2);
    expect(s.proposalCounter).toBe(3);
  });

  it('a new proposal resets promisers, highest accepted and acceptors', () => {
    let s = play(amyHasQuorum(), ...accepts('Amy', 'Dan'), newProposal('Eva', 'Barbie'));
    s = play(s, ...promises('Eva', 'Dan', 'Eva', 'Ben'), ...accepts('Eva', 'Eva'));
    const eva = s.proposers.Eva!;
    expect(eva.promisers).toEqual(['Dan', 'Eva', 'Ben']);
    expect(eva.highestAccepted).toEqual({ proposalId: 1, value: 'Openhimer' });
    expect(eva.acceptors).toHaveLength(1);
    expect(eva.frozenValue).toBe('Openhimer');
    s = play(s, newProposal('Eva', 'Heat'));
    expect(s.proposers.Eva).toMatchObject({
      proposalId: 3,
      value: 'Heat',
      promisers: [],
      highestAccepted: null,
      acceptors: [],
      choice: null,
      frozenValue: null,
    });
  });

  it('a new proposal with an empty title is refused', () => {
    expect(refused(room(), newProposal('Amy', ''))).toMatchObject({
      code: 'bad_request',
      reason: 'bad_value',
    });
  });
});

describe('proposer: promise phase', () => {
  it('a promise request before any proposal is refused with the seed’s line', () => {
    const error = refused(room(), promise('Amy', 'Ben'));
    expect(error).toMatchObject({ code: 'conflict', reason: 'no_proposal' });
    expect(error.seedLine).toBe('Proposal not initiated, Cannot send promise request');
    expect(error.seedLine).toBe(SEED_LINES.noProposal);
  });

  it('a granted promise adds the promiser and prints the count', () => {
    const r = step(play(room(), newProposal('Amy', 'Up')), promise('Amy', 'Ben'));
    expect(r.state.proposers.Amy!.promisers).toEqual(['Ben']);
    expect(r.lines).toEqual([
      'PROMISE Request from Amy(p: 1) to Ben(acc_p: None)',
      '    > [ACC] Promise(1, last_acepted()), Amy(promisers: 1, quorum_size: 3, promiser_acc_max: None)',
    ]);
  });

  it('a granted promise replaces an existing promiser in place (Python dict order)', () => {
    const s = play(amyHasQuorum(), promise('Amy', 'Amy'));
    expect(s.proposers.Amy!.promisers).toEqual(['Amy', 'Ben', 'Cal']);
  });

  it('a rejected promise removes the promiser but keeps the highest accepted value', () => {
    // Ben (proposal 2) hears from Amy, who accepted Openhimer at 1.
    let s = play(amyHasQuorum(), ...accepts('Amy', 'Amy'), newProposal('Ben', 'Barbie'));
    s = play(s, ...promises('Ben', 'Amy', 'Ben'));
    expect(s.proposers.Ben!.promisers).toEqual(['Amy', 'Ben']);
    // Cal's proposal 3 takes Amy's promise; Ben asks Amy again and is rejected.
    s = play(s, newProposal('Cal', 'Heat'), promise('Cal', 'Amy'));
    const r = step(s, promise('Ben', 'Amy'));
    expect(r.state.proposers.Ben!.promisers).toEqual(['Ben']);
    expect(r.state.proposers.Ben!.highestAccepted).toEqual({
      proposalId: 1,
      value: 'Openhimer',
    });
    expect(r.lines[1]).toBe(
      '    > [REJ] Promise(3, last_acepted(val: Openhimer, p: 1)), ' +
        'Ben(promisers: 1, quorum_size: 3, promiser_acc_max: Openhimer)',
    );
  });

  it('after a removal, a new grant from the same node goes to the end (dict order)', () => {
    let s = play(
      room({ quorum: 2 }),
      newProposal('Ben', 'Barbie'),
      ...promises('Ben', 'Amy', 'Ben'),
    );
    s = play(s, newProposal('Cal', 'Heat'), promise('Cal', 'Amy'), promise('Ben', 'Amy'));
    expect(s.proposers.Ben!.promisers).toEqual(['Ben']);
    // Ben cannot win Amy back with the same id 2: Amy promised 3.
    s = play(s, newProposal('Ben', 'Barbie'), promise('Ben', 'Cal'), promise('Ben', 'Amy'));
    expect(s.proposers.Ben!.promisers).toEqual(['Cal', 'Amy']);
  });

  it('the highest accepted value is raised only by a strictly higher proposal id', () => {
    // Dan accepted (1, Openhimer); Eva accepted (2, Barbie); Ben (3) hears Eva first, then Dan.
    let s = play(amyHasQuorum(), accept('Amy', 'Dan'), newProposal('Eva', 'Barbie'));
    s = play(s, ...promises('Eva', 'Eva', 'Ben', 'Cal'), accept('Eva', 'Eva'));
    s = play(s, newProposal('Ben', 'Heat'), promise('Ben', 'Eva'), promise('Ben', 'Dan'));
    expect(s.proposers.Ben!.highestAccepted).toEqual({ proposalId: 2, value: 'Barbie' });
  });
});

describe('proposer: accept phase', () => {
  it('an accept request without a promise quorum is refused with the seed’s line', () => {
    const s = play(room(), newProposal('Amy', 'Up'), ...promises('Amy', 'Amy', 'Ben'));
    const error = refused(s, accept('Amy', 'Ben'));
    expect(error).toMatchObject({ code: 'conflict', reason: 'no_promise_quorum' });
    expect(error.seedLine).toBe('No promise quorum - cannot send accept request');
    expect(error.message).toBe(
      'Amy has 2 of the 3 promises it needs before it can send accept requests.',
    );
  });

  it('an accept request before any proposal is refused with the same seed line', () => {
    const error = refused(room(), accept('Amy', 'Ben'));
    expect(error.seedLine).toBe(SEED_LINES.noPromiseQuorum);
    expect(error.message).toBe('Amy has no proposal yet, so it cannot send accept requests.');
  });

  it('an accept request carries the highest accepted value among promisers, else the node’s own wish', () => {
    const own = step(amyHasQuorum(), accept('Amy', 'Dan'));
    expect(own.lines[0]).toBe(
      'ACCEPT  Request from Amy(p: 1, val: Openhimer, promiser_acc_max: None) to Dan(acc_p: None)',
    );
    let s = play(own.state, newProposal('Eva', 'Barbie'), ...promises('Eva', 'Dan', 'Eva', 'Ben'));
    const r = step(s, accept('Eva', 'Cal'));
    expect(r.lines).toEqual([
      'ACCEPT  Request from Eva(p: 2, val: Barbie, promiser_acc_max: Openhimer) to Cal(acc_p: 1)',
      '    > [ACC] Accept(2, Openhimer), Eva(acceptors: 1, quorum_size: 3, choice: None)',
    ]);
    s = r.state;
    expect(s.acceptors.Cal!.accepted).toEqual({ proposalId: 2, value: 'Openhimer' });
  });

  it('the proposer’s choice is set when its acceptors reach the quorum', () => {
    let s = play(amyHasQuorum(), ...accepts('Amy', 'Amy', 'Ben'));
    expect(s.proposers.Amy!.choice).toBeNull();
    const r = step(s, accept('Amy', 'Cal'));
    s = r.state;
    expect(s.proposers.Amy!.choice).toBe('Openhimer');
    expect(r.lines[1]).toBe(
      '    > [ACC] Accept(1, Openhimer), Amy(acceptors: 3, quorum_size: 3, choice: Openhimer)',
    );
  });

  it('a granted accept replaces an existing acceptor in place; a rejected one removes it', () => {
    let s = play(amyHasQuorum(), ...accepts('Amy', 'Amy', 'Ben', 'Cal', 'Amy'));
    expect(s.proposers.Amy!.acceptors.map((v) => v.node)).toEqual(['Amy', 'Ben', 'Cal']);
    s = play(s, newProposal('Eva', 'Barbie'), promise('Eva', 'Ben'), accept('Amy', 'Ben'));
    expect(s.proposers.Amy!.acceptors.map((v) => v.node)).toEqual(['Amy', 'Cal']);
    expect(s.proposers.Amy!.choice).toBeNull();
  });

  it('under seed the value is recomputed at every accept request (a late promise changes it)', () => {
    let s = play(amyHasQuorum(), accept('Amy', 'Dan'), newProposal('Eva', 'Barbie'));
    s = play(s, ...promises('Eva', 'Amy', 'Ben', 'Cal'), accept('Eva', 'Eva'));
    s = play(s, promise('Eva', 'Dan'), accept('Eva', 'Ben'));
    expect(s.acceptors.Eva!.accepted).toEqual({ proposalId: 2, value: 'Barbie' });
    expect(s.acceptors.Ben!.accepted).toEqual({ proposalId: 2, value: 'Openhimer' });
  });

  it('under lamport the first accept request fixes the value', () => {
    let s = play(
      amyHasQuorum({ valueRule: 'lamport' }),
      accept('Amy', 'Dan'),
      newProposal('Eva', 'Barbie'),
    );
    s = play(s, ...promises('Eva', 'Amy', 'Ben', 'Cal'), accept('Eva', 'Eva'));
    s = play(s, promise('Eva', 'Dan'), accept('Eva', 'Ben'));
    expect(s.proposers.Eva!.highestAccepted).toEqual({ proposalId: 1, value: 'Openhimer' });
    expect(s.proposers.Eva!.frozenValue).toBe('Barbie');
    expect(s.acceptors.Eva!.accepted).toEqual({ proposalId: 2, value: 'Barbie' });
    expect(s.acceptors.Ben!.accepted).toEqual({ proposalId: 2, value: 'Barbie' });
    // A new proposal unfreezes: the next first accept request takes the highest accepted value.
    s = play(s, newProposal('Eva', 'Heat'), ...promises('Eva', 'Dan', 'Cal', 'Amy'));
    s = play(s, accept('Eva', 'Cal'));
    expect(s.acceptors.Cal!.accepted).toEqual({ proposalId: 3, value: 'Openhimer' });
  });

  it('stale replies to an older proposal are ignored', () => {
    let s = play(room({ delivery: 'manual' }), newProposal('Amy', 'Up'), promise('Amy', 'Ben'));
    s = play(s, deliver(1), newProposal('Amy', 'Heat'));
    const before = s.proposers.Amy!;
    const r = step(s, deliver(2));
    expect(r.state.proposers.Amy).toEqual(before);
    expect(r.state.proposers.Amy!.promisers).toEqual([]);
    expect(r.lines[1]).toBe(
      '    > [ACC] Promise(1, last_acepted()), Amy(promisers: 0, quorum_size: 3, ' +
        'promiser_acc_max: None) (stale: Amy is now on proposal 2; reply ignored)',
    );
  });
});

describe('proposer: the propose loop', () => {
  it('propose to fewer distinct nodes than the quorum is refused silently (the seed prints nothing)', () => {
    const error = refused(room(), propose('Amy', 'Up', ['Ben', 'Ben', 'Cal', 'Cal']));
    expect(error).toMatchObject({ code: 'bad_request', reason: 'too_few_nodes' });
    expect(error.seedLine).toBeUndefined();
    const { transcript, state } = runScenario(
      parseScenario({
        quorum: 3,
        nodes: NODES,
        steps: [{ node: 'Amy', do: 'propose', value: 'Up', to: ['Ben', 'Ben', 'Cal', 'Cal'] }],
      }),
    );
    expect(transcript).toBe('');
    expect(state.proposalCounter).toBe(0);
  });

  it('propose with instant delivery chooses on the first attempt, asking repeated nodes twice', () => {
    const r = step(room(), propose('Eva', 'Barbie', ['Cal', 'Dan', 'Cal', 'Eva']));
    expect(r.lines[0]).toBe('Eva generated a new proposal id 1 for value : Barbie');
    expect(r.lines.filter((l) => l.startsWith('PROMISE Request'))).toHaveLength(4);
    expect(r.lines.filter((l) => l.startsWith('ACCEPT  Request'))).toHaveLength(4);
    expect(r.lines.at(-1)).toBe('Eva chose : Barbie');
    expect(r.state.proposers.Eva!.propose).toBeNull();
    expect(r.state.chosen).toEqual([
      { proposalId: 1, value: 'Barbie', acceptors: ['Cal', 'Dan', 'Eva'] },
    ]);
  });

  it('propose chooses the value of the first acceptor, which a promise may have reported', () => {
    const s = play(amyHasQuorum(), accept('Amy', 'Cal'));
    const r = step(s, propose('Eva', 'Barbie', ['Cal', 'Dan', 'Eva']));
    expect(r.lines.at(-1)).toBe('Eva chose : Openhimer');
  });

  it('propose retries with a new id after a failed promise phase', () => {
    let s = play(room({ delivery: 'manual' }), propose('Amy', 'Up', ['Amy', 'Ben', 'Cal']));
    expect(s.inFlight.map((m) => m.id)).toEqual([1, 2, 3]);
    s = play(s, drop(1), drop(2));
    const r = step(s, deliver(3)); // the last awaited request: the phase is over
    expect(types(r.events)).toEqual(['requestDelivered']);
    const done = step(r.state, deliver(4)); // Cal's reply: 1 promise of 3
    expect(done.lines.slice(2, 4)).toEqual([
      'Unable to reach quorum on promises',
      'Amy generated a new proposal id 2 for value : Up',
    ]);
    expect(done.state.proposers.Amy!.propose).toMatchObject({ attempts: 2, phase: 'promise' });
    // The second attempt goes through.
    s = deliverAll(done.state);
    expect(s.proposers.Amy!.propose).toBeNull();
    expect(s.chosen).toEqual([{ proposalId: 2, value: 'Up', acceptors: ['Amy', 'Ben', 'Cal'] }]);
  });

  it('propose retries with a new id after a failed accept phase', () => {
    let s = play(room({ delivery: 'manual' }), propose('Amy', 'Up', ['Amy', 'Ben', 'Cal']));
    for (let i = 0; i < 6; i++) s = play(s, deliver(s.inFlight[0]!.id)); // promise phase
    expect(s.inFlight.map((m) => m.kind)).toEqual([
      'acceptRequest',
      'acceptRequest',
      'acceptRequest',
    ]);
    const [a, b, c] = s.inFlight.map((m) => m.id);
    const r = step(play(s, drop(a!), drop(b!)), drop(c!));
    expect(r.lines).toContain('Unable to reach quorum on accepts');
    expect(r.state.proposers.Amy!.proposalId).toBe(2);
    expect(deliverAll(r.state).proposers.Amy!.choice).toBe('Up');
  });

  it(`propose gives up after ${MAX_PROPOSE_ATTEMPTS} proposals (the seed would loop for ever)`, () => {
    let s = play(room({ delivery: 'manual' }), propose('Amy', 'Up', ['Amy', 'Ben', 'Cal']));
    let lines: string[] = [];
    while (s.inFlight.length > 0) {
      const r = step(s, drop(s.inFlight[0]!.id));
      s = r.state;
      lines = lines.concat(r.lines);
    }
    expect(s.proposalCounter).toBe(MAX_PROPOSE_ATTEMPTS);
    expect(lines.filter((l) => l === 'Unable to reach quorum on promises')).toHaveLength(
      MAX_PROPOSE_ATTEMPTS,
    );
    expect(lines.at(-1)).toBe(`Amy gave up after ${MAX_PROPOSE_ATTEMPTS} proposals`);
    expect(s.proposers.Amy!.propose).toBeNull();
  });

  it('a propose loop waits until every request of its phase is answered or lost', () => {
    let s = play(room({ delivery: 'manual' }), propose('Amy', 'Up', ['Amy', 'Ben', 'Cal', 'Dan']));
    // Three promises in, one request still in flight: no accept request yet.
    for (const id of [1, 2, 3]) s = play(s, deliver(id));
    for (const id of [5, 6, 7]) s = play(s, deliver(id));
    expect(s.proposers.Amy!.promisers).toHaveLength(3);
    expect(s.inFlight.map((m) => m.kind)).toEqual(['promiseRequest']);
    s = play(s, drop(4));
    expect(s.inFlight.map((m) => m.kind)).toEqual(Array(4).fill('acceptRequest'));
  });

  it('a manual new proposal stops a running propose loop', () => {
    let s = play(room({ delivery: 'manual' }), propose('Amy', 'Up', ['Amy', 'Ben', 'Cal']));
    s = play(s, newProposal('Amy', 'Heat'));
    expect(s.proposers.Amy!.propose).toBeNull();
    s = deliverAll(s);
    expect(s.inFlight).toEqual([]);
    expect(s.proposers.Amy!.promisers).toEqual([]); // the loop's replies were stale
    expect(s.proposalCounter).toBe(2);
  });
});

describe('proposer: unknown nodes', () => {
  it('commands from unknown nodes are not_found errors and change nothing', () => {
    const s = amyHasQuorum();
    const frozen = structuredClone(s);
    for (const command of [
      newProposal('Zed', 'Up'),
      promise('Zed', 'Amy'),
      promise('Amy', 'Zed'),
      accept('Zed', 'Amy'),
      accept('Amy', 'Zed'),
      propose('Zed', 'Up', NODES),
      propose('Amy', 'Up', ['Amy', 'Ben', 'Zed']),
    ]) {
      const decision = decide(s, command);
      expect(decision).toMatchObject({
        ok: false,
        error: { code: 'not_found', reason: 'unknown_node' },
      });
      expect(decision.ok ? null : decision.error.message).toContain('"Zed"');
    }
    expect(s).toEqual(frozen);
  });
});
