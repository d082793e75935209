// The host's faults as data (shared/paxos/network.ts, faults.ts): partitions,
// crashes, recovery with a disk or with amnesia. One `it` per rule.
import { describe, expect, it } from 'vitest';
import type { PaxosState } from '../../shared/paxos/types.ts';
import {
  accepts,
  deliver,
  newProposal,
  play,
  promise,
  promises,
  propose,
  refused,
  roomOf,
  step,
} from './helpers.ts';
import { crash, heal, partition, recover, settle } from './fault-helpers.ts';

const instant = roomOf('instant');
const manual = roomOf('manual');
const types = (r: { events: { type: string }[] }) => r.events.map((e) => e.type);

/** Amy's Openhimer is chosen in proposal 1 by Amy, Ben and Cal (instant delivery). */
function openhimerChosen(): PaxosState {
  return play(instant(), propose('Amy', 'Openhimer', ['Amy', 'Ben', 'Cal']));
}

describe('faults: no fault, no trace', () => {
  it('a round without fault commands has no network state, so old logs fold to the same JSON', () => {
    const s = play(manual(), newProposal('Amy', 'Up'), ...promises('Amy', 'Ben'), deliver(1));
    expect('network' in s).toBe(false);
    expect(Object.keys(play(s, crash('Cal')))).toContain('network');
  });
});

describe('faults: partition', () => {
  it('a message sent across groups is lost, and the log says so; one inside a group is delivered', () => {
    const r = step(instant(), partition(['Amy', 'Ben']));
    expect(r.lines).toEqual(['~ the network is partitioned into {Amy, Ben} and {Cal, Dan, Eva}']);
    expect(r.state.network!.partition).toEqual([
      ['Amy', 'Ben'],
      ['Cal', 'Dan', 'Eva'],
    ]);
    let s = play(r.state, newProposal('Amy', 'Up'), promise('Amy', 'Ben'));
    expect(s.proposers.Amy!.promisers).toEqual(['Ben']);
    const lost = step(s, promise('Amy', 'Cal'));
    expect(types(lost)).toEqual(['requestSent', 'messageLost']);
    expect(lost.events[1]).toEqual({ type: 'messageLost', messageId: 3, crashed: null });
    expect(lost.lines).toEqual([
      '~ #3 PROMISE Request(p: 1) from Amy to Cal is in flight',
      '~ #3 PROMISE Request(p: 1) from Amy to Cal was lost: Amy and Cal are on different sides of the partition',
    ]);
    s = lost.state;
    expect(s.acceptors.Cal!.promisedId).toBeNull();
    expect(s.inFlight).toEqual([]);
  });

  it('a message in flight when the partition begins is lost when it is delivered', () => {
    let s = play(manual(), newProposal('Amy', 'Up'), ...promises('Amy', 'Cal', 'Ben'));
    s = play(s, deliver(2), partition(['Amy', 'Ben'], ['Cal', 'Dan', 'Eva'])); // reply #3 in flight
    const r = step(s, deliver(1));
    expect(types(r)).toEqual(['messageLost']);
    expect(r.state.acceptors.Cal!.promisedId).toBeNull();
    s = play(r.state, deliver(3)); // Ben's reply stays inside the group
    expect(s.proposers.Amy!.promisers).toEqual(['Ben']);
  });

  it('a reply crossing a partition that began after its request was answered is lost too', () => {
    let s = play(manual(), newProposal('Amy', 'Up'), promise('Amy', 'Cal'), deliver(1));
    expect(s.acceptors.Cal!.promisedId).toBe(1); // Cal promised; its reply #2 is in flight
    s = play(s, partition(['Amy'], ['Ben', 'Cal']), deliver(2));
    expect(s.proposers.Amy!.promisers).toEqual([]);
    expect(s.inFlight).toEqual([]);
  });

  it('heal joins the groups again: messages between them pass', () => {
    let s = play(instant(), partition(['Amy', 'Ben']), newProposal('Amy', 'Up'));
    const r = step(s, heal);
    expect(r.lines).toEqual(['~ the partition is healed']);
    s = play(r.state, promise('Amy', 'Cal'));
    expect(s.proposers.Amy!.promisers).toEqual(['Cal']);
    expect(s.network!.partition).toBeNull();
  });

  it('nodes left out of every group form one more group; more groups than two are allowed', () => {
    const s = play(instant(), partition(['Amy'], ['Ben']));
    expect(s.network!.partition).toEqual([['Amy'], ['Ben'], ['Cal', 'Dan', 'Eva']]);
    expect(step(instant(), partition(['Amy'], ['Ben'])).lines).toEqual([
      '~ the network is partitioned into {Amy}, {Ben} and {Cal, Dan, Eva}',
    ]);
  });

  it('a partition is refused with an unknown node, a node twice, an empty group or one group only', () => {
    expect(refused(instant(), partition(['Amy', 'Zed']))).toMatchObject({ reason: 'unknown_node' });
    expect(refused(instant(), partition(['Amy', 'Ben'], ['Ben']))).toMatchObject({
      reason: 'bad_partition',
      message: 'Ben is in two groups of the partition.',
    });
    expect(refused(instant(), partition([], ['Ben']))).toMatchObject({ reason: 'bad_partition' });
    expect(refused(instant(), partition(['Amy', 'Ben', 'Cal', 'Dan', 'Eva']))).toMatchObject({
      reason: 'bad_partition',
      message: 'A partition needs at least two groups: here every node is in one.',
    });
    expect(refused(instant(), heal)).toMatchObject({ reason: 'not_partitioned' });
  });
});

describe('faults: crash', () => {
  it('a crashed node sends nothing: its node commands are refused with a clear error', () => {
    const r = step(play(instant(), newProposal('Cal', 'Heat')), crash('Cal'));
    expect(r.lines).toEqual(['~ Cal crashed']);
    const s = r.state;
    const error = {
      code: 'conflict',
      reason: 'crashed',
      message: 'Cal has crashed: a crashed node sends nothing until it recovers.',
    };
    expect(refused(s, newProposal('Cal', 'Up'))).toEqual(error);
    expect(refused(s, promise('Cal', 'Amy'))).toEqual(error);
    expect(refused(s, { type: 'acceptRequest', node: 'Cal', to: 'Amy' })).toEqual(error);
    expect(refused(s, propose('Cal', 'Up', ['Amy', 'Ben', 'Cal']))).toEqual(error);
    expect(refused(s, crash('Cal'))).toMatchObject({ message: 'Cal has already crashed.' });
    expect(refused(s, recover('Dan', 'kept'))).toMatchObject({ reason: 'not_crashed' });
  });

  it('a message to a crashed node is lost; it answers nothing', () => {
    const s = play(instant(), newProposal('Amy', 'Up'), crash('Cal'));
    const r = step(s, promise('Amy', 'Cal'));
    expect(r.events[1]).toEqual({ type: 'messageLost', messageId: 1, crashed: 'Cal' });
    expect(r.lines[1]).toBe('~ #1 PROMISE Request(p: 1) from Amy to Cal was lost: Cal has crashed');
    expect(r.state.acceptors.Cal!.promisedId).toBeNull();
    expect(r.state.proposers.Amy!.promisers).toEqual([]);
  });

  it('a message a node sent before it crashed is still delivered; the reply to it is lost', () => {
    const s = play(manual(), newProposal('Cal', 'Heat'), promise('Cal', 'Amy'), crash('Cal'));
    const r = step(s, deliver(1));
    expect(r.state.acceptors.Amy!.promisedId).toBe(1);
    expect(types(r)).toEqual(['requestDelivered', 'messageLost']);
    expect(r.lines[1]).toBe('~ #2 [ACC] Promise reply from Amy to Cal was lost: Cal has crashed');
    expect(r.state.inFlight).toEqual([]);
  });

  it("a crash stops the node's propose loop: the replies it waited for are lost, no retry", () => {
    let s = play(manual(), propose('Amy', 'Up', ['Amy', 'Ben', 'Cal']), crash('Amy'));
    expect(s.proposers.Amy!.propose).toBeNull();
    s = settle(settle(s));
    expect(s.acceptors.Ben!.promisedId).toBe(1);
    expect(s.proposers.Amy!.promisers).toEqual([]);
    expect(s.proposalCounter).toBe(1);
  });
});

describe('faults: recover', () => {
  it('with its disk the node keeps its promise and its accepted (id, value), as Paxos requires', () => {
    let s = play(openhimerChosen(), crash('Cal'));
    const r = step(s, recover('Cal', 'kept'));
    expect(r.lines).toEqual([
      '~ Cal recovered with its disk (promised 1, accepted (1, Openhimer))',
    ]);
    expect(r.state.acceptors.Cal).toEqual({
      promisedId: 1,
      accepted: { proposalId: 1, value: 'Openhimer' },
    });
    s = play(r.state, propose('Eva', 'Barbie', ['Cal', 'Dan', 'Eva']));
    expect(s.proposers.Eva!.highestAccepted).toEqual({ proposalId: 1, value: 'Openhimer' });
    expect(new Set(s.chosen.map((c) => c.value))).toEqual(new Set(['Openhimer']));
    expect(s.findings).toEqual([]);
  });

  it('with its disk a recovered node still rejects what its promise forbids', () => {
    let s = play(manual(), newProposal('Amy', 'Up'), newProposal('Eva', 'Heat'));
    s = settle(play(s, promise('Eva', 'Cal'))); // Cal promised 2
    s = play(s, crash('Cal'), recover('Cal', 'kept'), promise('Amy', 'Cal'), deliver(3));
    expect(s.inFlight).toMatchObject([{ granted: false, promisedId: 2 }]);
  });

  it('with amnesia the acceptor forgets its promise and its vote, and the proposer its proposal', () => {
    let s = play(openhimerChosen(), newProposal('Cal', 'Heat'), crash('Cal'));
    const r = step(s, recover('Cal', 'lost'));
    expect(r.lines).toEqual([
      '~ Cal recovered with amnesia: it forgot (promised 1, accepted (1, Openhimer))',
    ]);
    s = r.state;
    expect(s.acceptors.Cal).toEqual({ promisedId: null, accepted: null });
    expect(s.proposers.Cal!.proposalId).toBeNull();
    expect(s.proposers.Cal!.value).toBeNull();
    // Proposal ids stay unique: the round hands them out, not the node.
    s = play(s, newProposal('Cal', 'Up'));
    expect(s.proposers.Cal!.proposalId).toBe(3);
    expect(s.network!.forgotten).toEqual([
      { node: 'Cal', promisedId: 1, accepted: { proposalId: 1, value: 'Openhimer' } },
    ]);
  });

  it('the observer’s truth is forever: a value stays chosen after its acceptors forget it', () => {
    let s = play(openhimerChosen(), crash('Cal'), recover('Cal', 'lost'));
    s = play(s, crash('Ben'), recover('Ben', 'lost'));
    expect(s.chosen.map((c) => c.value)).toEqual(['Openhimer']);
  });

  it('amnesia with a majority quorum can choose two movies, and the observer says exactly why', () => {
    let s = play(openhimerChosen(), crash('Cal'), recover('Cal', 'lost'));
    s = play(s, propose('Eva', 'Barbie', ['Cal', 'Dan', 'Eva']));
    expect(s.chosen.map((c) => [c.proposalId, c.value])).toEqual([
      [1, 'Openhimer'],
      [2, 'Barbie'],
    ]);
    expect(s.findings.map((f) => f.kind)).toEqual(['forgot_accepted', 'two_values_chosen']);
    expect(s.findings[0]).toEqual({
      kind: 'forgot_accepted',
      explanation:
        'Cal forgot that it had accepted Openhimer in proposal 1 and promised Eva instead: it ' +
        'recovered with amnesia, so its promise for proposal 2 reported no accepted value. An ' +
        'acceptor must keep what it accepted on disk (persist before reply), or a later proposer ' +
        'cannot learn a movie that may already be chosen.',
      proposalIds: [1, 2],
      values: ['Openhimer'],
      nodes: ['Cal', 'Eva'],
    });
    expect(s.findings[1]!.explanation).toBe(
      'Two different movies were chosen: Openhimer (proposal 1, accepted by Amy, Ben and Cal) and ' +
        'Barbie (proposal 2, accepted by Cal, Dan and Eva). Paxos allows at most one. The two ' +
        'quorums share Cal, but what keeps them to one movie is what their acceptors remember, ' +
        'and Cal recovered with amnesia: it forgot that it had accepted Openhimer in proposal 1.',
    );
  });

  it('an amnesiac acceptor that grants below a promise it forgot is reported as forgot_promise', () => {
    let s = play(manual(), newProposal('Amy', 'Up'));
    s = settle(play(s, ...promises('Amy', 'Amy', 'Ben', 'Cal')));
    s = settle(play(s, newProposal('Eva', 'Heat'), promise('Eva', 'Cal'))); // Cal promised 2
    s = play(s, crash('Cal'), recover('Cal', 'lost'), ...accepts('Amy', 'Cal'));
    s = play(s, deliver(s.inFlight[0]!.id));
    expect(s.acceptors.Cal!.accepted).toEqual({ proposalId: 1, value: 'Up' });
    expect(s.findings).toEqual([
      {
        kind: 'forgot_promise',
        explanation:
          "Cal forgot that it had promised proposal 2 and accepted Amy's proposal 1 instead: it " +
          'recovered with amnesia. An acceptor must keep its promise on disk (persist before ' +
          'reply), or an older proposal can overwrite a newer one.',
        proposalIds: [2, 1],
        values: ['Up'],
        nodes: ['Cal', 'Amy'],
      },
    ]);
  });

  it('what an acceptor forgot twice is remembered as the most it ever knew', () => {
    let s = play(openhimerChosen(), crash('Cal'), recover('Cal', 'lost'));
    s = play(s, newProposal('Eva', 'Heat'), promise('Eva', 'Cal'), crash('Cal'));
    s = play(s, recover('Cal', 'lost'));
    expect(s.network!.forgotten).toEqual([
      { node: 'Cal', promisedId: 2, accepted: { proposalId: 1, value: 'Openhimer' } },
    ]);
  });
});
