// The host's hand on the network (shared/paxos/network.ts): holds and release
// at any time in a round, delays in steps, and stepping one delivery at a time.
// One `it` per rule.
import { describe, expect, it } from 'vitest';
import { decide } from '../../shared/paxos/decide.ts';
import type { PaxosCommand } from '../../shared/paxos/events.ts';
import { foldPaxos } from '../../shared/paxos/evolve.ts';
import { inboxRequests } from '../../shared/paxos/network.ts';
import { checkInvariants } from '../../shared/paxos/observer.ts';
import type { PaxosState } from '../../shared/paxos/types.ts';
import {
  deliver,
  drop,
  duplicate,
  newProposal,
  play,
  promise,
  promises,
  propose,
  refused,
  roomOf,
  step,
} from './helpers.ts';
import {
  crash,
  delay,
  flight,
  hold,
  partition,
  recover,
  release,
  stepNet,
} from './fault-helpers.ts';

const instant = roomOf('instant');
const manual = roomOf('manual');
const types = (r: { events: { type: string }[] }) => r.events.map((e) => e.type);

describe('network: hold and release during a round', () => {
  it('hold everything mid-round: later messages stay in flight; release delivers nothing by itself', () => {
    let s = play(instant(), newProposal('Amy', 'Up'), promise('Amy', 'Amy')); // #1, #2 at once
    const held = step(s, hold());
    expect(held.lines).toEqual(['~ from now on the network holds every message']);
    s = play(held.state, promise('Amy', 'Ben'));
    expect(flight(s)).toEqual([[3, 'promiseRequest', 'Amy', 'Ben']]);
    const released = step(s, release);
    expect(types(released)).toEqual(['released']);
    expect(released.lines).toEqual([
      '~ the network releases its holds and delays: back to instant delivery',
    ]);
    s = play(released.state, promise('Amy', 'Cal')); // instant again
    expect(s.proposers.Amy!.promisers).toEqual(['Amy', 'Cal']);
    expect(flight(s)).toEqual([[3, 'promiseRequest', 'Amy', 'Ben']]);
    s = play(s, deliver(3)); // the held request is answered; its reply comes back at once
    expect(s.proposers.Amy!.promisers).toEqual(['Amy', 'Cal', 'Ben']);
    expect(s.inFlight).toEqual([]);
  });

  it('hold only messages to or from one node: the others are delivered at once', () => {
    let s = play(instant(), hold({ node: 'Cal' }), newProposal('Amy', 'Up'));
    expect(step(instant(), hold({ node: 'Cal' })).lines).toEqual([
      '~ from now on the network holds messages to or from Cal',
    ]);
    s = play(
      s,
      ...promises('Amy', 'Ben', 'Cal'),
      newProposal('Cal', 'Heat'),
      promise('Cal', 'Dan'),
    );
    expect(s.proposers.Amy!.promisers).toEqual(['Ben']);
    expect(flight(s)).toEqual([
      [3, 'promiseRequest', 'Amy', 'Cal'],
      [4, 'promiseRequest', 'Cal', 'Dan'],
    ]);
  });

  it('holds can name a sender, a receiver and a kind; every given field must match', () => {
    const r = step(instant(), hold({ from: 'Ben', to: 'Amy', kind: 'promiseReply' }));
    expect(r.lines).toEqual(['~ from now on the network holds promise replies from Ben to Amy']);
    const s = play(r.state, newProposal('Amy', 'Up'), ...promises('Amy', 'Ben', 'Cal'));
    expect(flight(s)).toEqual([[2, 'promiseReply', 'Ben', 'Amy']]);
    expect(s.acceptors.Ben!.promisedId).toBe(1);
    expect(refused(instant(), hold({ kind: 'letter' as never }))).toMatchObject({
      reason: 'bad_value',
    });
    expect(refused(instant(), hold({ to: 'Zed' }))).toMatchObject({ reason: 'unknown_node' });
  });

  it('a propose loop waits for its held messages; releasing does not move it, delivering does', () => {
    let s = play(instant(), hold(), propose('Amy', 'Up', ['Amy', 'Ben', 'Cal']));
    expect(s.proposers.Amy!.propose!.awaiting).toEqual([1, 2, 3]);
    s = play(s, release);
    expect(s.proposers.Amy!.propose!.awaiting).toEqual([1, 2, 3]);
    s = play(s, deliver(1), deliver(2), deliver(3));
    expect(s.chosen.map((c) => c.value)).toEqual(['Up']);
    expect(s.proposers.Amy!.propose).toBeNull();
  });

  it('held messages can be delivered in any order, dropped or duplicated', () => {
    let s = play(instant(), newProposal('Amy', 'Up'), hold(), ...promises('Amy', 'Amy', 'Ben'));
    s = play(s, duplicate(2), drop(1), deliver(3), deliver(2));
    expect(s.acceptors.Amy!.promisedId).toBeNull();
    expect(s.acceptors.Ben!.promisedId).toBe(1);
    expect(flight(s).map((m) => m[1])).toEqual(['promiseReply', 'promiseReply']);
  });

  it('manual delivery stays manual after release; a hold under it changes nothing', () => {
    let s = play(manual(), hold({ to: 'Cal' }), release, newProposal('Amy', 'Up'));
    s = play(s, promise('Amy', 'Ben'));
    expect(flight(s)).toEqual([[1, 'promiseRequest', 'Amy', 'Ben']]);
    expect(step(manual(), hold()).state.network!.holds).toEqual([{}]);
    expect(refused(manual(), release)).toMatchObject({ reason: 'nothing_held' });
  });

  it('a hold of one message takes a request out of its player’s inbox until release', () => {
    let s = play(instant({ inbox: ['Ben'] }), newProposal('Amy', 'Up'), promise('Amy', 'Ben'));
    expect(inboxRequests(s, 'Ben').map((m) => m.id)).toEqual([1]);
    const r = step(s, hold({ messageId: 1 }));
    expect(r.lines).toEqual(['~ the network holds #1']);
    expect(inboxRequests(r.state, 'Ben')).toEqual([]);
    s = play(r.state, release);
    expect(inboxRequests(s, 'Ben').map((m) => m.id)).toEqual([1]);
    expect(refused(s, hold({ messageId: 9 }))).toMatchObject({ reason: 'unknown_message' });
  });

  it('a request to a crashed inbox node leaves the inbox; a partition has precedence over holds', () => {
    let s = play(instant({ inbox: ['Ben'] }), newProposal('Amy', 'Up'), promise('Amy', 'Ben'));
    s = play(s, crash('Ben'));
    expect(inboxRequests(s, 'Ben')).toEqual([]);
    s = play(s, recover('Ben', 'kept'), hold(), partition(['Amy'], ['Ben', 'Cal']));
    const r = step(s, promise('Amy', 'Cal'));
    expect(types(r)).toEqual(['requestSent', 'messageLost']);
  });
});

describe('network: stepping and delays', () => {
  /** Amy's proposal 1 with promise requests #1 (Amy), #2 (Ben), #3 (Cal) held (manual). */
  const threeHeld = () =>
    play(manual(), newProposal('Amy', 'Up'), ...promises('Amy', 'Amy', 'Ben', 'Cal'));

  it('a step delivers the oldest message in flight and advances the step count', () => {
    let s = threeHeld();
    const first = step(s, stepNet());
    expect(first.events[0]).toEqual({ type: 'stepped', step: 1, messageId: 1 });
    expect(first.lines).toEqual([
      '~ step 1',
      '~ #1 delivered to Amy; #4 [ACC] Promise reply from Amy to Amy is in flight',
    ]);
    s = play(first.state, stepNet(), stepNet()); // #2, #3; their replies #5, #6
    expect(flight(s).map((m) => m[0])).toEqual([4, 5, 6]);
    const fourth = step(s, stepNet());
    expect(fourth.lines.slice(1)).toEqual([
      'PROMISE Request from Amy(p: 1) to Amy(acc_p: None)',
      '    > [ACC] Promise(1, last_acepted()), Amy(promisers: 1, quorum_size: 3, promiser_acc_max: None)',
    ]);
    expect(fourth.state.network!.step).toBe(4);
  });

  it('a step can deliver the message the host picks', () => {
    const r = step(threeHeld(), stepNet(3));
    expect(r.events[0]).toEqual({ type: 'stepped', step: 1, messageId: 3 });
    expect(r.state.acceptors.Cal!.promisedId).toBe(1);
    expect(flight(r.state).map((m) => m[0])).toEqual([1, 2, 4]);
  });

  it('a delayed message waits its steps; messages due earlier are stepped first', () => {
    const r = step(manual(), delay(2, { to: 'Ben' }));
    expect(r.lines).toEqual(['~ from now on the network delays messages to Ben by 2 steps']);
    let s = play(r.state, newProposal('Amy', 'Up'));
    const sent = step(s, promise('Amy', 'Ben'));
    expect(sent.lines).toEqual([
      '~ #1 PROMISE Request(p: 1) from Amy to Ben is in flight',
      '~ #1 is delayed until step 3',
    ]);
    s = play(sent.state, promise('Amy', 'Cal')); // #2, due at once
    const order: (number | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const next = step(s, stepNet());
      const stepped = next.events[0] as { messageId: number | null };
      order.push(stepped.messageId);
      s = next.state;
    }
    expect(order).toEqual([2, 3, 1]); // Cal's request, Cal's reply, then Ben's request at step 3
  });

  it('a step with nothing due yet advances the clock and delivers nothing', () => {
    let s = play(instant(), delay(1, { to: 'Ben' }), newProposal('Amy', 'Up'));
    s = play(s, promise('Amy', 'Ben'));
    const idle = step(s, stepNet());
    expect(idle.events).toEqual([{ type: 'stepped', step: 1, messageId: null }]);
    expect(idle.lines).toEqual(['~ step 1: nothing is due yet']);
    s = play(idle.state, stepNet()); // step 2: the request; under instant delivery its reply is back at once
    expect(s.proposers.Amy!.promisers).toEqual(['Ben']);
  });

  it('the host may step a message before it is due', () => {
    const s = play(manual(), delay(5), newProposal('Amy', 'Up'), promise('Amy', 'Ben'));
    expect(step(s, stepNet(1)).state.acceptors.Ben!.promisedId).toBe(1);
  });

  it('a step never answers for a player: requests in inboxes are skipped, and refused when picked', () => {
    let s = play(manual({ inbox: ['Ben'] }), newProposal('Amy', 'Up'));
    s = play(s, ...promises('Amy', 'Ben', 'Cal')); // #1 in Ben's inbox, #2 held
    expect(inboxRequests(s, 'Ben').map((m) => m.id)).toEqual([1]);
    expect(refused(s, stepNet(1))).toMatchObject({
      reason: 'in_inbox',
      message: "Message 1 waits in Ben's inbox for its player's answer.",
    });
    expect(step(s, stepNet()).events[0]).toEqual({ type: 'stepped', step: 1, messageId: 2 });
  });

  it('a step is refused when nothing is in flight', () => {
    expect(refused(manual(), stepNet())).toEqual({
      code: 'conflict',
      reason: 'nothing_in_flight',
      message: "Nothing to step: no message is in flight outside the players' inboxes.",
    });
  });

  it('a stepped message to a crashed node is lost', () => {
    const s = play(threeHeld(), crash('Amy'));
    expect(types(step(s, stepNet()))).toEqual(['stepped', 'messageLost']);
  });

  it('a delay of 0 ends a delay; release ends them all; a delay must be a whole number', () => {
    let s = play(manual(), delay(2, { from: 'Amy' }), delay(3, { to: 'Cal' }));
    const r = step(s, delay(0, { from: 'Amy' }));
    expect(r.lines).toEqual(['~ the network no longer delays messages from Amy']);
    expect(r.state.network!.delays).toEqual([{ to: 'Cal', steps: 3 }]);
    s = play(r.state, release);
    expect(s.network!.delays).toEqual([]);
    expect(refused(s, delay(0, { from: 'Amy' }))).toMatchObject({ reason: 'nothing_held' });
    expect(refused(s, delay(-1))).toMatchObject({ reason: 'bad_value' });
    expect(refused(s, delay(1.5))).toMatchObject({ reason: 'bad_value' });
    expect(step(manual(), delay(1)).lines).toEqual([
      '~ from now on the network delays every message by 1 step',
    ]);
  });

  it('a server timer can auto-play a round by issuing step commands until none is accepted', () => {
    let s: PaxosState = play(manual(), propose('Amy', 'Up', ['Amy', 'Ben', 'Cal']));
    let steps = 0;
    for (let d = decide(s, stepNet()); d.ok; d = decide(s, stepNet())) {
      s = foldPaxos(s, d.events);
      steps++;
    }
    expect(s.chosen.map((c) => c.value)).toEqual(['Up']);
    expect(steps).toBe(12); // 3 promise requests, 3 replies, 3 accept requests, 3 replies
  });
});

describe('faults: decide stays pure, the observer explains losses', () => {
  it('decide never mutates its input state across every fault command (deep-frozen)', () => {
    const freeze = <T>(v: T): T => {
      if (v && typeof v === 'object' && !Object.isFrozen(v)) {
        Object.freeze(v);
        for (const x of Object.values(v)) freeze(x);
      }
      return v;
    };
    const commands: PaxosCommand[] = [
      newProposal('Amy', 'Up'),
      hold({ node: 'Cal' }),
      delay(1, { to: 'Ben' }),
      ...promises('Amy', 'Amy', 'Ben', 'Cal', 'Dan'),
      partition(['Amy', 'Ben']),
      stepNet(), // Cal's request, due at once, is lost to the partition
      stepNet(), // Ben's, due at step 2
      crash('Dan'),
      promise('Amy', 'Dan'),
      recover('Dan', 'lost'),
      { type: 'heal' },
      release,
      hold(),
      promise('Amy', 'Cal'),
      stepNet(),
      release,
    ];
    let s = freeze(instant());
    for (const command of commands) {
      const d = decide(s, command);
      if (!d.ok) throw new Error(`${command.type}: ${d.error.message}`);
      s = freeze(foldPaxos(s, d.events));
    }
    expect(s.network!.step).toBe(3);
    expect(s.proposers.Amy!.promisers).toEqual(['Amy', 'Dan', 'Ben']);
    expect(flight(s)).toEqual([[10, 'promiseReply', 'Cal', 'Amy']]); // held when it entered flight
  });

  it('a lost message that leaves a proposal short of its quorum is a lost_quorum finding', () => {
    let s = play(manual(), newProposal('Amy', 'Up'), ...promises('Amy', 'Amy', 'Ben', 'Cal'));
    s = play(s, crash('Cal'), deliver(3));
    expect(s.findings).toEqual([
      {
        kind: 'lost_quorum',
        explanation:
          "Amy's proposal 1 can no longer gather a quorum of 3 promises: its promise request to " +
          'Cal was lost (Cal has crashed), leaving 2 of the 3 it needs (Amy and Ben). Lost ' +
          'messages never make Paxos unsafe, only stuck: Amy has to try again with a new proposal.',
        proposalIds: [1],
        values: [],
        nodes: ['Amy', 'Cal'],
      },
    ]);
  });

  it('a loss that leaves enough messages for a quorum, or concerns an old proposal, is no finding', () => {
    let s = play(
      manual(),
      newProposal('Amy', 'Up'),
      ...promises('Amy', 'Amy', 'Ben', 'Cal', 'Dan'),
    );
    s = play(s, partition(['Amy', 'Ben', 'Cal']), deliver(4));
    expect(s.findings).toEqual([]);
    s = play(s, newProposal('Amy', 'Heat'), crash('Cal'), deliver(3));
    expect(s.findings).toEqual([]);
  });

  it('a lost accept request is explained from the proposer’s side', () => {
    let s = play(instant(), newProposal('Amy', 'Up'), ...promises('Amy', 'Amy', 'Ben', 'Cal'));
    s = play(
      s,
      partition(['Amy', 'Ben'], ['Cal']),
      ...['Amy', 'Ben'].map((t) => ({ type: 'acceptRequest', node: 'Amy', to: t }) as PaxosCommand),
    );
    s = play(s, { type: 'acceptRequest', node: 'Amy', to: 'Cal' });
    expect(s.findings.map((f) => f.explanation)).toEqual([
      'Amy can no longer hear a quorum of 3 accepts for proposal 1: its accept request to Cal was ' +
        'lost (Amy and Cal are on different sides of the partition), leaving 2 of the 3 it needs ' +
        '(Amy and Ben). Lost messages never make Paxos unsafe, only stuck: Amy has to try again ' +
        'with a new proposal.',
    ]);
  });

  it('a quorum above the number of nodes is reported: nothing can ever be chosen', () => {
    const s = instant({ quorum: 6 });
    expect(checkInvariants(s)).toEqual([
      {
        kind: 'quorum_above_nodes',
        explanation:
          'The quorum is 6 but the round has only 5 nodes: no value can ever be chosen, whatever ' +
          'the nodes do. Paxos stays safe by never deciding; it needs a quorum the nodes can reach ' +
          'to make progress.',
        proposalIds: [],
        values: [],
        nodes: [],
      },
    ]);
    expect(checkInvariants(instant())).toEqual([]);
  });
});
