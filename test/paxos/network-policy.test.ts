// The network's one home (shared/paxos/network.ts): the delivery policy as
// data, the fate it gives each message, and the inbox queries. One `it` per rule.
import { describe, expect, it } from 'vitest';
import { isRequest } from '../../shared/paxos/events.ts';
import { foldPaxos, initialPaxosState } from '../../shared/paxos/evolve.ts';
import {
  fate,
  inboxRequests,
  networkPolicy,
  pendingInInboxesFrom,
  waitingInInbox,
} from '../../shared/paxos/network.ts';
import type { Message, PaxosState, PromiseRequest, Reply } from '../../shared/paxos/types.ts';
import { deliver, newProposal, play, promise, promises, roomOf } from './helpers.ts';
import { randomRounds } from './random-log.ts';

const instant = roomOf('instant');
const manual = roomOf('manual');

const request = (from: string, to: string): PromiseRequest => ({
  kind: 'promiseRequest',
  id: 1,
  from,
  to,
  proposalId: 1,
});
const reply = (from: string, to: string): Reply => ({
  kind: 'promiseReply',
  id: 2,
  from,
  to,
  request: request(to, from),
  granted: true,
  promisedBefore: null,
  promisedId: 1,
  accepted: null,
});

describe('network policy: the fate of a message as it enters flight', () => {
  it('instant delivery (the seed) is the empty policy: every message is delivered at once', () => {
    const policy = networkPolicy(instant());
    expect(policy).toEqual([]);
    expect(fate(policy, request('Amy', 'Ben'))).toBe('deliver');
    expect(fate(policy, reply('Ben', 'Amy'))).toBe('deliver');
  });

  it('manual delivery holds every message, requests and replies', () => {
    const policy = networkPolicy(manual());
    expect(policy).toEqual([{ type: 'hold' }]);
    expect(fate(policy, request('Amy', 'Ben'))).toBe('hold');
    expect(fate(policy, reply('Ben', 'Amy'))).toBe('hold');
  });

  it('be the acceptor: a request to an inbox node waits in its inbox, under either delivery', () => {
    for (const room of [instant, manual]) {
      const policy = networkPolicy(room({ inbox: ['Ben'] }));
      expect(fate(policy, request('Amy', 'Ben'))).toBe('inbox');
      expect(fate(policy, request('Ben', 'Amy'))).toBe(room === instant ? 'deliver' : 'hold');
    }
  });

  it("a reply never waits in an inbox: it travels as the round's delivery says", () => {
    expect(fate(networkPolicy(instant({ inbox: ['Amy', 'Ben'] })), reply('Ben', 'Amy'))).toBe(
      'deliver',
    );
    expect(fate(networkPolicy(manual({ inbox: ['Amy', 'Ben'] })), reply('Ben', 'Amy'))).toBe(
      'hold',
    );
  });

  it('the first entry that matches decides: the inbox comes before manual holding', () => {
    expect(networkPolicy(manual({ inbox: ['Cal'] }))).toEqual([
      { type: 'inbox', nodes: ['Cal'] },
      { type: 'hold' },
    ]);
    expect(fate([{ type: 'hold' }, { type: 'inbox', nodes: ['Cal'] }], request('Amy', 'Cal'))).toBe(
      'hold',
    );
  });

  it('an empty inbox list is no entry (old logs without `inbox` fold the same)', () => {
    expect(networkPolicy(instant({ inbox: [] }))).toEqual([]);
  });
});

describe('network: the inbox queries', () => {
  it('a seat sees the requests waiting in its inbox, oldest first; the sender sees them pending', () => {
    const s = play(
      instant({ inbox: ['Ben', 'Cal'] }),
      newProposal('Amy', 'Dune'),
      ...promises('Amy', 'Cal', 'Ben', 'Dan'),
      newProposal('Eva', 'Up'),
      promise('Eva', 'Ben'),
    );
    expect(inboxRequests(s, 'Ben').map((r) => [r.from, r.proposalId])).toEqual([
      ['Amy', 1],
      ['Eva', 2],
    ]);
    expect(inboxRequests(s, 'Cal').map((r) => r.from)).toEqual(['Amy']);
    expect(inboxRequests(s, 'Dan')).toEqual([]);
    expect(pendingInInboxesFrom(s, 'Amy').map((r) => r.to)).toEqual(['Cal', 'Ben']);
    expect(pendingInInboxesFrom(s, 'Eva').map((r) => r.to)).toEqual(['Ben']);
    const first = inboxRequests(s, 'Ben')[0]!;
    expect(waitingInInbox(s, 'Ben', first.id)).toBe(first);
    expect(waitingInInbox(s, 'Cal', first.id)).toBe(null);
    expect(waitingInInbox(s, 'Ben', 999)).toBe(null);
  });

  it('an answered request leaves the inbox', () => {
    let s = play(instant({ inbox: ['Ben'] }), newProposal('Amy', 'Dune'), promise('Amy', 'Ben'));
    const waiting = inboxRequests(s, 'Ben')[0]!;
    s = play(s, deliver(waiting.id, 'grant'));
    expect(inboxRequests(s, 'Ben')).toEqual([]);
    expect(waitingInInbox(s, 'Ben', waiting.id)).toBe(null);
  });

  it('without an inbox nothing waits in one, even a request held in flight', () => {
    const s = play(manual(), newProposal('Amy', 'Dune'), promise('Amy', 'Ben'));
    expect(s.inFlight).toHaveLength(1);
    expect(inboxRequests(s, 'Ben')).toEqual([]);
    expect(waitingInInbox(s, 'Ben', s.inFlight[0]!.id)).toBe(null);
    expect(pendingInInboxesFrom(s, 'Amy')).toEqual([]);
  });

  // The three copies these queries replace (shared/bots.ts, shared/room/play.ts,
  // client/lib/play.ts), kept here as the reference they must agree with.
  const inInbox = (p: PaxosState, m: Message) => (p.config.inbox ?? []).includes(m.to);
  const oldInbox = (p: PaxosState, seat: string) =>
    p.inFlight.filter((m) => isRequest(m) && m.to === seat && inInbox(p, m));
  const oldPending = (p: PaxosState, seat: string) =>
    p.inFlight.filter((m) => isRequest(m) && m.from === seat && inInbox(p, m));

  it('on random logs they agree with the old copies at every state', () => {
    let checked = 0;
    for (const { config, events } of randomRounds(5, 20, 100)) {
      let s = initialPaxosState(config);
      for (const event of events) {
        s = foldPaxos(s, [event]);
        for (const seat of config.nodes) {
          expect(inboxRequests(s, seat)).toEqual(oldInbox(s, seat));
          expect(pendingInInboxesFrom(s, seat)).toEqual(oldPending(s, seat));
          for (const m of s.inFlight) {
            const old = isRequest(m) && m.to === seat && inInbox(s, m) ? m : null;
            expect(waitingInInbox(s, seat, m.id)).toBe(old);
            if (old) checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});
