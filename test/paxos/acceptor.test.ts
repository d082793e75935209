// The acceptor's rules (the seed's `_promise` and `_accept`), one `it` per rule.
import { describe, expect, it } from 'vitest';
import { acceptorAfter, acceptorGrants, acceptorReason } from '../../shared/paxos/acceptor.ts';
import type {
  AcceptRequest,
  PaxosConfig,
  PaxosState,
  PromiseRequest,
} from '../../shared/paxos/types.ts';
import { accept, deliver, newProposal, play, promise, roomOf, step } from './helpers.ts';

const room = roomOf('manual');

/** The message most recently put in flight. */
function last<K extends PaxosState['inFlight'][number]['kind']>(state: PaxosState, kind: K) {
  const m = state.inFlight.at(-1);
  if (m?.kind !== kind) throw new Error(`expected a ${kind} in flight, got ${m?.kind}`);
  return m as Extract<PaxosState['inFlight'][number], { kind: K }>;
}

/** Amy (proposal 1) and Ben (proposal 2) both asked Cal; `order` says which Cal answers first. */
function twoProposers(order: 'amy-first' | 'ben-first'): PaxosState {
  let s = play(room(), newProposal('Amy', 'Openhimer'), newProposal('Ben', 'Barbie'));
  s = play(s, promise('Amy', 'Cal'), promise('Ben', 'Cal')); // #1 from Amy, #2 from Ben
  return order === 'amy-first' ? s : play(s, deliver(2));
}

/** Amy has proposal 1 and a promise quorum from Amy, Ben and Cal (instant delivery). */
function amyHasQuorum(config: Partial<PaxosConfig> = {}): PaxosState {
  return play(
    room({ delivery: 'instant', ...config }),
    newProposal('Amy', 'Openhimer'),
    promise('Amy', 'Amy'),
    promise('Amy', 'Ben'),
    promise('Amy', 'Cal'),
  );
}

describe('acceptor: promise requests', () => {
  it('a promise request is granted when the node has promised nothing', () => {
    const s = play(twoProposers('amy-first'), deliver(1));
    const reply = last(s, 'promiseReply');
    expect(reply.granted).toBe(true);
    expect(reply.promisedBefore).toBeNull();
    expect(s.acceptors.Cal!.promisedId).toBe(1);
  });

  it('a promise request is granted when its promised id is <= p (re-granting the same id)', () => {
    // Lower: Cal promised 1, Ben's proposal 2 is granted.
    let s = play(twoProposers('amy-first'), deliver(1), deliver(2));
    expect(last(s, 'promiseReply').granted).toBe(true);
    expect(s.acceptors.Cal!.promisedId).toBe(2);
    // Equal: Ben asks Cal again with the same id 2, and Cal grants again (the seed's `<=`).
    s = play(s, promise('Ben', 'Cal'));
    const again = last(s, 'promiseRequest');
    s = play(s, deliver(again.id));
    expect(last(s, 'promiseReply')).toMatchObject({ granted: true, promisedBefore: 2 });
    expect(s.acceptors.Cal!.promisedId).toBe(2);
  });

  it('a promise request is rejected when the node promised a higher id', () => {
    const s = play(twoProposers('ben-first'), deliver(1));
    expect(last(s, 'promiseReply')).toMatchObject({ granted: false, promisedBefore: 2 });
  });

  it('a granted promise raises the promised id to p; a rejected one changes nothing', () => {
    const before = twoProposers('ben-first');
    const after = play(before, deliver(1));
    expect(after.acceptors.Cal).toEqual(before.acceptors.Cal);
    expect(after.acceptors.Cal).toEqual({ promisedId: 2, accepted: null });
  });

  it('a rejected promise reply carries the higher promised id', () => {
    const reply = last(play(twoProposers('ben-first'), deliver(1)), 'promiseReply');
    expect(reply.granted).toBe(false);
    expect(reply.request.proposalId).toBe(1);
    expect(reply.promisedId).toBe(2);
  });

  it('a promise reply carries the last accepted (id, value), or none', () => {
    const s = play(amyHasQuorum(), accept('Amy', 'Cal'), newProposal('Eva', 'Barbie'));
    const cal = step(s, promise('Eva', 'Cal'));
    expect(cal.lines[1]).toContain('[ACC] Promise(2, last_acepted(val: Openhimer, p: 1))');
    expect(cal.state.proposers.Eva!.highestAccepted).toEqual({ proposalId: 1, value: 'Openhimer' });
    const dan = step(cal.state, promise('Eva', 'Dan'));
    expect(dan.lines[1]).toContain('[ACC] Promise(2, last_acepted())');
  });

  it('a node answers its own promise request like any other acceptor', () => {
    const s = play(room({ delivery: 'instant' }), newProposal('Amy', 'Up'), promise('Amy', 'Amy'));
    expect(s.acceptors.Amy!.promisedId).toBe(1);
    expect(s.proposers.Amy!.promisers).toEqual(['Amy']);
  });
});

describe('acceptor: accept requests', () => {
  it('an accept request is granted when promised id <= p and records (p, value) and promise p', () => {
    const s = play(amyHasQuorum(), accept('Amy', 'Ben'));
    expect(s.acceptors.Ben).toEqual({
      promisedId: 1,
      accepted: { proposalId: 1, value: 'Openhimer' },
    });
  });

  it('an accept request is granted by a node that promised nothing (it needs no promise of its own)', () => {
    const s = play(amyHasQuorum(), accept('Amy', 'Dan'));
    expect(s.acceptors.Dan).toEqual({
      promisedId: 1,
      accepted: { proposalId: 1, value: 'Openhimer' },
    });
  });

  it('an accept request below the promise is rejected and changes nothing', () => {
    let s = play(amyHasQuorum(), newProposal('Eva', 'Barbie'), promise('Eva', 'Ben'));
    const ben = s.acceptors.Ben;
    s = play(s, accept('Amy', 'Ben'));
    expect(s.acceptors.Ben).toEqual(ben);
    expect(s.proposers.Amy!.acceptors).toEqual([]);
  });

  it('a rejected accept reply carries the old accepted (id, value), possibly none', () => {
    // None: Ben promised Eva's 2 and accepted nothing.
    let s = play(amyHasQuorum(), newProposal('Eva', 'Barbie'), promise('Eva', 'Ben'));
    const none = step(s, accept('Amy', 'Ben'));
    const noneReply = none.events.flatMap((e) => (e.type === 'requestDelivered' ? [e.reply] : []));
    expect(noneReply).toMatchObject([{ granted: false, accepted: null, promisedBefore: 2 }]);
    expect(none.lines[1]).toContain('[REJ] Accept(None, None)');

    // Some: Cal accepted (1, Openhimer), then promised Eva's 3; Amy's accept 1 is refused.
    s = play(
      amyHasQuorum(),
      accept('Amy', 'Cal'),
      newProposal('Eva', 'Barbie'),
      promise('Eva', 'Cal'),
    );
    const some = step(s, accept('Amy', 'Cal'));
    const reply = some.events.flatMap((e) => (e.type === 'requestDelivered' ? [e.reply] : []))[0];
    expect(reply).toMatchObject({
      kind: 'acceptReply',
      granted: false,
      accepted: { proposalId: 1, value: 'Openhimer' },
    });
    expect(some.lines[1]).toContain('[REJ] Accept(1, Openhimer)');
  });

  it('an accept request at the promised id is granted (the seed re-grants its promise)', () => {
    const s = play(amyHasQuorum(), accept('Amy', 'Cal'), accept('Amy', 'Cal'));
    expect(s.acceptors.Cal!.accepted).toEqual({ proposalId: 1, value: 'Openhimer' });
    expect(s.proposers.Amy!.acceptors.map((v) => v.node)).toEqual(['Cal']);
  });

  it('a later accept overwrites the acceptor’s accepted (id, value): it remembers only its latest vote', () => {
    let s = play(amyHasQuorum(), accept('Amy', 'Dan'), newProposal('Eva', 'Barbie'));
    s = play(s, promise('Eva', 'Eva'), promise('Eva', 'Ben'), promise('Eva', 'Cal'));
    s = play(s, accept('Eva', 'Dan'));
    // Eva's promisers reported nothing accepted (Dan was not asked), so she carries her own wish.
    expect(s.acceptors.Dan!.accepted).toEqual({ proposalId: 2, value: 'Barbie' });
  });
});

describe('acceptor: the rule as pure functions', () => {
  const request = (kind: 'promiseRequest' | 'acceptRequest', proposalId: number) =>
    (kind === 'promiseRequest'
      ? { kind, id: 1, from: 'Amy', to: 'Ben', proposalId }
      : {
          kind,
          id: 1,
          from: 'Amy',
          to: 'Ben',
          proposalId,
          value: 'Up',
          ownValue: 'Up',
          promiserAccMax: null,
        }) as PromiseRequest | AcceptRequest;

  it('acceptorGrants is `promised is None or promised <= p`', () => {
    expect(acceptorGrants({ promisedId: null, accepted: null }, 1)).toBe(true);
    expect(acceptorGrants({ promisedId: 3, accepted: null }, 3)).toBe(true);
    expect(acceptorGrants({ promisedId: 3, accepted: null }, 4)).toBe(true);
    expect(acceptorGrants({ promisedId: 3, accepted: null }, 2)).toBe(false);
  });

  it('acceptorAfter changes nothing on a rejection and returns the same object', () => {
    const a = { promisedId: 3, accepted: { proposalId: 2, value: 'Up' } };
    expect(acceptorAfter(a, request('promiseRequest', 1), false)).toBe(a);
    expect(acceptorAfter(a, request('acceptRequest', 1), false)).toBe(a);
  });

  it('acceptorAfter keeps the accepted value on a granted promise and replaces it on a granted accept', () => {
    const a = { promisedId: 1, accepted: { proposalId: 1, value: 'Heat' } };
    expect(acceptorAfter(a, request('promiseRequest', 4), true)).toEqual({
      promisedId: 4,
      accepted: { proposalId: 1, value: 'Heat' },
    });
    expect(acceptorAfter(a, request('acceptRequest', 4), true)).toEqual({
      promisedId: 4,
      accepted: { proposalId: 4, value: 'Up' },
    });
  });

  it('acceptorReason explains each case in words a player can read', () => {
    expect(acceptorReason({ promisedId: null, accepted: null }, request('promiseRequest', 2))).toBe(
      'Ben has promised nothing yet, so it grants the promise request with id 2.',
    );
    expect(acceptorReason({ promisedId: 2, accepted: null }, request('acceptRequest', 2))).toBe(
      'Ben promised 2; 2 is not lower, so the accept request is granted.',
    );
    expect(acceptorReason({ promisedId: 3, accepted: null }, request('promiseRequest', 2))).toBe(
      'Ben promised 3; a promise request with id 2 must be rejected.',
    );
    expect(acceptorReason({ promisedId: 3, accepted: null }, request('acceptRequest', 2))).toBe(
      'Ben promised 3; an accept request with id 2 must be rejected.',
    );
  });
});
