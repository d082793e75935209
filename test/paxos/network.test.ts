// The network between the nodes: instant (the seed) or manual (hold, deliver in
// any order, drop, duplicate), and decide's purity. One `it` per rule.
import { describe, expect, it } from 'vitest';
import { decide } from '../../shared/paxos/decide.ts';
import type { PaxosCommand, PaxosEvent } from '../../shared/paxos/events.ts';
import { evolve, foldPaxos } from '../../shared/paxos/evolve.ts';
import type { PaxosState } from '../../shared/paxos/types.ts';
import {
  NODES,
  accepts,
  deliver,
  drop,
  duplicate,
  newProposal,
  play,
  promise,
  promises,
  roomOf,
  step,
} from './helpers.ts';

const room = roomOf('manual');

/** Delivers everything in flight, oldest first. */
function settle(state: PaxosState): PaxosState {
  while (state.inFlight.length > 0) state = play(state, deliver(state.inFlight[0]!.id));
  return state;
}

const ids = (s: PaxosState) => s.inFlight.map((m) => m.id);

/** Amy's proposal 1 with promises from Amy, Ben and Cal, all delivered (messages #1..#6). */
function amyHasQuorum(): PaxosState {
  return settle(
    play(room(), newProposal('Amy', 'Openhimer'), ...promises('Amy', 'Amy', 'Ben', 'Cal')),
  );
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

describe('network: instant delivery (the seed)', () => {
  it('with instant delivery every request is answered at once and nothing stays in flight', () => {
    const r = step(
      play(room({ delivery: 'instant' }), newProposal('Amy', 'Up')),
      promise('Amy', 'Ben'),
    );
    expect(r.events.map((e) => e.type)).toEqual([
      'requestSent',
      'requestDelivered',
      'replyDelivered',
    ]);
    expect(r.state.inFlight).toEqual([]);
    expect(r.state.nextMessageId).toBe(3);
  });

  it('the "~ " network lines are printed only with manual delivery', () => {
    const instant = step(
      play(room({ delivery: 'instant' }), newProposal('Amy', 'Up')),
      promise('Amy', 'Ben'),
    );
    expect(instant.lines.some((l) => l.startsWith('~ '))).toBe(false);
    const manual = step(play(room(), newProposal('Amy', 'Up')), promise('Amy', 'Ben'));
    expect(manual.lines).toEqual(['~ #1 PROMISE Request(p: 1) from Amy to Ben is in flight']);
  });

  it('network commands under instant delivery find nothing in flight', () => {
    const s = play(
      room({ delivery: 'instant' }),
      newProposal('Amy', 'Up'),
      ...promises('Amy', 'Ben'),
    );
    for (const command of [deliver(1), drop(2), duplicate(1)]) {
      expect(decide(s, command)).toMatchObject({
        ok: false,
        error: { code: 'not_found', reason: 'unknown_message' },
      });
    }
  });
});

describe('network: manual delivery', () => {
  it('a request is held in flight until someone delivers it', () => {
    const s = play(room(), newProposal('Amy', 'Up'), ...promises('Amy', 'Ben', 'Cal'));
    expect(s.inFlight.map((m) => [m.id, m.kind, m.from, m.to])).toEqual([
      [1, 'promiseRequest', 'Amy', 'Ben'],
      [2, 'promiseRequest', 'Amy', 'Cal'],
    ]);
    expect(s.acceptors.Ben!.promisedId).toBeNull();
    expect(s.proposers.Amy!.promisers).toEqual([]);
  });

  it('message ids are assigned from 1 in order of sending; requests and replies share the counter', () => {
    let s = play(room(), newProposal('Amy', 'Up'), ...promises('Amy', 'Ben', 'Cal'));
    const r = step(s, deliver(2));
    expect(r.lines).toEqual([
      '~ #2 delivered to Cal; #3 [ACC] Promise reply from Cal to Amy is in flight',
    ]);
    s = play(r.state, ...promises('Amy', 'Dan'));
    expect(ids(s)).toEqual([1, 3, 4]);
  });

  it('a delivered request is answered by the acceptor’s rule and its reply waits in flight', () => {
    const s = play(room(), newProposal('Amy', 'Up'), ...promises('Amy', 'Ben'), deliver(1));
    expect(s.acceptors.Ben!.promisedId).toBe(1);
    expect(s.inFlight).toMatchObject([{ id: 2, kind: 'promiseReply', granted: true, to: 'Amy' }]);
    expect(s.proposers.Amy!.promisers).toEqual([]);
    const r = step(s, deliver(2));
    expect(r.state.proposers.Amy!.promisers).toEqual(['Ben']);
    expect(r.lines).toEqual([
      'PROMISE Request from Amy(p: 1) to Ben(acc_p: None)',
      '    > [ACC] Promise(1, last_acepted()), Amy(promisers: 1, quorum_size: 3, promiser_acc_max: None)',
    ]);
  });

  it('requests and replies can be delivered in any order', () => {
    let s = play(room(), newProposal('Amy', 'Up'), ...promises('Amy', 'Amy', 'Ben', 'Cal'));
    s = play(s, deliver(3), deliver(1), deliver(2)); // replies #4 (Cal), #5 (Amy), #6 (Ben)
    s = play(s, deliver(6), deliver(4), deliver(5));
    expect(s.proposers.Amy!.promisers).toEqual(['Ben', 'Cal', 'Amy']);
  });

  it('the acceptor answers in the order requests are delivered, not sent', () => {
    let s = play(room(), newProposal('Amy', 'Openhimer'), newProposal('Eva', 'Barbie'));
    s = play(s, ...promises('Amy', 'Cal'), ...promises('Eva', 'Cal')); // #1 (p 1), #2 (p 2)
    s = play(s, deliver(2), deliver(1));
    expect(s.inFlight).toMatchObject([
      { id: 3, kind: 'promiseReply', granted: true, to: 'Eva' },
      { id: 4, kind: 'promiseReply', granted: false, to: 'Amy', promisedId: 2 },
    ]);
  });

  it('a dropped message is gone: never answered, never handled', () => {
    let s = play(room(), newProposal('Amy', 'Up'), ...promises('Amy', 'Ben', 'Cal'));
    const r = step(s, drop(1));
    expect(r.lines).toEqual(['~ #1 PROMISE Request(p: 1) from Amy to Ben was dropped']);
    s = play(r.state, deliver(2), drop(3));
    expect(s.inFlight).toEqual([]);
    expect(s.acceptors.Ben!.promisedId).toBeNull();
    expect(s.acceptors.Cal!.promisedId).toBe(1); // the request arrived; its reply was lost
    expect(s.proposers.Amy!.promisers).toEqual([]);
    expect(decide(s, deliver(1))).toMatchObject({
      ok: false,
      error: { reason: 'unknown_message' },
    });
  });

  it('a duplicated message is a copy with the next id, and both copies can be delivered', () => {
    let s = play(room(), newProposal('Amy', 'Up'), ...promises('Amy', 'Ben'));
    const r = step(s, duplicate(1));
    expect(r.lines).toEqual(['~ #1 PROMISE Request(p: 1) from Amy to Ben was duplicated as #2']);
    expect(r.state.inFlight).toEqual([
      { kind: 'promiseRequest', id: 1, from: 'Amy', to: 'Ben', proposalId: 1 },
      { kind: 'promiseRequest', id: 2, from: 'Amy', to: 'Ben', proposalId: 1 },
    ]);
    s = play(r.state, deliver(2), deliver(1)); // replies #3 and #4, both granted
    expect(s.inFlight).toMatchObject([
      { id: 3, granted: true, promisedBefore: null },
      { id: 4, granted: true, promisedBefore: 1 },
    ]);
  });

  it('a duplicated promise reply counts the promiser once', () => {
    let s = play(room(), newProposal('Amy', 'Up'), ...promises('Amy', 'Ben'), deliver(1));
    s = play(s, duplicate(2), deliver(2), deliver(3));
    expect(s.proposers.Amy!.promisers).toEqual(['Ben']);
  });

  it('a duplicated accept counts once per acceptor for chosen', () => {
    let s = play(amyHasQuorum(), ...accepts('Amy', 'Amy', 'Ben'));
    const [toAmy, toBen] = ids(s);
    s = play(s, duplicate(toAmy!), duplicate(toBen!));
    s = settle(s); // four accepts granted, by two acceptors
    expect(s.tallies).toEqual([{ proposalId: 1, value: 'Openhimer', voters: ['Amy', 'Ben'] }]);
    expect(s.proposers.Amy!.acceptors.map((v) => v.node)).toEqual(['Amy', 'Ben']);
    expect(s.chosen).toEqual([]);
    s = settle(play(s, ...accepts('Amy', 'Cal')));
    expect(s.chosen).toEqual([
      { proposalId: 1, value: 'Openhimer', acceptors: ['Amy', 'Ben', 'Cal'] },
    ]);
  });

  it('a propose loop does not wait for duplicated copies', () => {
    let s = play(room(), { type: 'propose', node: 'Amy', value: 'Up', to: ['Amy', 'Ben', 'Cal'] });
    s = play(s, duplicate(1), drop(1)); // the copy #4 is not awaited
    s = play(s, deliver(2), deliver(3), deliver(5), deliver(6));
    // Two promises of three and nothing awaited: the loop retries with proposal 2.
    expect(s.proposers.Amy!.proposalId).toBe(2);
    expect(s.inFlight.map((m) => m.id)).toEqual([4, 7, 8, 9]);
  });

  it('answer: reject overrides the rule: the acceptor refuses a request it would grant', () => {
    let s = play(room(), newProposal('Amy', 'Up'), ...promises('Amy', 'Ben'));
    s = play(s, deliver(1, 'reject'));
    expect(s.acceptors.Ben!.promisedId).toBeNull();
    expect(s.inFlight).toMatchObject([{ id: 2, granted: false, promisedId: null }]);
    expect(s.findings).toEqual([]);
  });

  it('answer: grant overrides the rule and is reported as grant_below_promise', () => {
    let s = play(room(), newProposal('Amy', 'Up'), newProposal('Eva', 'Heat'));
    s = play(s, ...promises('Eva', 'Ben'), deliver(1), ...promises('Amy', 'Ben'));
    s = play(s, deliver(3, 'grant'));
    expect(s.inFlight).toMatchObject([{ id: 2 }, { id: 4, granted: true, promisedBefore: 2 }]);
    expect(s.findings.map((f) => f.kind)).toEqual(['grant_below_promise']);
  });

  it('a reply cannot be answered: only requests are', () => {
    const s = play(room(), newProposal('Amy', 'Up'), ...promises('Amy', 'Ben'), deliver(1));
    expect(decide(s, deliver(2, 'grant'))).toMatchObject({
      ok: false,
      error: { code: 'bad_request' },
    });
  });

  it('delivering, dropping or duplicating an unknown message is a not_found error', () => {
    const s = play(room(), newProposal('Amy', 'Up'), ...promises('Amy', 'Ben'));
    for (const command of [deliver(7), drop(0), duplicate(2)]) {
      expect(decide(s, command)).toEqual({
        ok: false,
        error: {
          code: 'not_found',
          reason: 'unknown_message',
          message: `Message ${(command as { messageId: number }).messageId} is not in flight.`,
        },
      });
    }
  });
});

describe('network: decide is pure', () => {
  /** A step of a session: one command from the current state, or `drain` to empty the network. */
  type Step = PaxosCommand | ((s: PaxosState) => PaxosCommand) | 'drain';
  const oldest = (f: (id: number) => PaxosCommand) => (s: PaxosState) => f(s.inFlight[0]!.id);
  const common: Step[] = [newProposal('Amy', 'Openhimer'), ...promises('Amy', 'Amy', 'Ben', 'Cal')];
  const tail: Step[] = [
    { type: 'propose', node: 'Eva', value: 'Barbie', to: ['Cal', 'Dan', 'Eva'] },
    { type: 'acceptRequest', node: 'Dan', to: 'Amy' }, // refused: Dan has no proposal
    newProposal('Dan', ''), // refused: empty title
  ];
  /** Sessions touching every command (and two refusals) on each kind of network. */
  const SESSIONS: Record<'manual' | 'instant', Step[]> = {
    instant: [...common, ...accepts('Amy', 'Ben', 'Cal', 'Dan'), ...tail],
    manual: [
      ...common,
      duplicate(1),
      (s) => deliver(s.inFlight.at(-1)!.id), // newest first
      'drain',
      ...accepts('Amy', 'Ben', 'Cal'),
      oldest(drop),
      oldest(duplicate),
      'drain',
      ...tail,
      oldest((id) => deliver(id, 'reject')),
      oldest((id) => deliver(id, 'grant')),
      'drain',
    ],
  };

  it.each(['manual', 'instant'] as const)(
    'decide never mutates its input state (deep-frozen, %s delivery)',
    (delivery) => {
      let state = deepFreeze(room({ delivery }));
      let done = 0;
      let refusals = 0;
      const run = (command: PaxosCommand) => {
        const before = structuredClone(state);
        const decision = decide(state, command); // throws on any write to a frozen object
        expect(state).toEqual(before);
        if (decision.ok) {
          state = deepFreeze(foldPaxos(state, decision.events));
          done++;
        } else refusals++;
      };
      for (const step of SESSIONS[delivery]) {
        if (step === 'drain') while (state.inFlight.length > 0) run(deliver(state.inFlight[0]!.id));
        else run(typeof step === 'function' ? step(state) : step);
      }
      expect(refusals).toBe(2);
      expect(done).toBeGreaterThanOrEqual(delivery === 'manual' ? 20 : 8);
      expect(state.chosen).not.toEqual([]);
    },
  );

  it('a refused command returns an error and no events', () => {
    const s = room();
    const decision = decide(s, { type: 'acceptRequest', node: 'Amy', to: 'Ben' });
    expect(decision).toEqual({
      ok: false,
      error: expect.objectContaining({ reason: 'no_promise_quorum' }),
    });
    expect(Object.keys(decision)).toEqual(['ok', 'error']);
  });

  it('the same state and command always give the same events', () => {
    const s = amyHasQuorum();
    const command: PaxosCommand = { type: 'propose', node: 'Eva', value: 'Barbie', to: NODES };
    expect(decide(s, command)).toEqual(decide(structuredClone(s), command));
  });

  it('evolve refuses a corrupt log: an event about a message that is not in flight throws', () => {
    const s = room();
    const corrupt: PaxosEvent = { type: 'messageDropped', messageId: 42 };
    expect(() => evolve(s, corrupt)).toThrow('event refers to message 42, which is not in flight');
  });
});
