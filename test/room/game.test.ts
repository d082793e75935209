// The rules of play, at engine level: turns, the action budget, the timer,
// skipping disconnected seats, scoring, fog of war and be-the-acceptor.
import { describe, expect, it } from 'vitest';
import type { NodeCommand } from '../../shared/room/index.ts';
import {
  lineVisibleTo,
  linesFor,
  publicLog,
  readableLines,
  roomTranscript,
  seatView,
  wrongAnswerReason,
} from '../../shared/room/index.ts';
import { HOST, SYSTEM, player, seated } from './harness.ts';

const node = (command: NodeCommand) => command;
const promise = (to: string) => node({ type: 'node:promiseRequest', to });
const accept = (to: string) => node({ type: 'node:acceptRequest', to });
const propose = (value: string) => node({ type: 'node:newProposal', value });

describe('turn-based rounds', () => {
  const turns = { mode: 'turns', actionsPerTurn: 2, turnSeconds: 45 } as const;

  it('seats take turns in friend order, starting with the first', () => {
    const room = seated(turns);
    room.must({ type: 'host:startRound' }, HOST);
    expect(room.round.turn).toMatchObject({ seat: 'Amy', number: 1, actionsLeft: 2 });
    expect(room.round.turn!.endsAt).toBe(room.now + 45_000);
  });

  it('only the seat whose turn it is can act', () => {
    const room = seated(turns);
    room.must({ type: 'host:startRound' }, HOST);
    expect(room.refused(propose('Dune'), player('ben'))).toBe('conflict');
    room.must(propose('Dune'), player('amy'));
  });

  it('each request sent is one action; a new proposal is free; the turn passes when they run out', () => {
    const room = seated(turns);
    room.must({ type: 'host:startRound' }, HOST);
    room.must(propose('Dune'), player('amy'));
    expect(room.round.turn!.actionsLeft).toBe(2);
    room.must(promise('Amy'), player('amy'));
    expect(room.round.turn!.actionsLeft).toBe(1);
    room.must(promise('Ben'), player('amy'));
    expect(room.round.turn).toMatchObject({ seat: 'Ben', number: 2, actionsLeft: 2 });
  });

  it('run-both-phases is refused in turns: it would spend many actions at once', () => {
    const room = seated(turns);
    room.must({ type: 'host:startRound' }, HOST);
    const d = room.run(
      node({ type: 'node:propose', value: 'Dune', to: ['Amy', 'Ben', 'Cal'] }),
      player('amy'),
    );
    expect(d.ok ? null : d.error.code).toBe('conflict');
  });

  it('the timer passes the turn: a tick before the deadline does nothing, one after passes', () => {
    const room = seated(turns);
    room.must({ type: 'host:startRound' }, HOST);
    const deadline = room.round.turn!.endsAt!;
    expect(room.must({ type: 'system:tick', now: deadline - 1 }, SYSTEM).events).toEqual([]);
    room.now = deadline;
    room.must({ type: 'system:tick', now: deadline }, SYSTEM);
    expect(room.round.turn!.seat).toBe('Ben');
    expect(room.log.some((e) => e.event.type === 'turnEnded' && e.event.reason === 'timeout')).toBe(
      true,
    );
  });

  it("a disconnected player's turn is skipped, and a disconnect during the turn passes it", () => {
    const room = seated(turns);
    room.must({ type: 'system:presence', playerId: 'ben', connected: false }, SYSTEM);
    room.must({ type: 'host:startRound' }, HOST);
    room.must({ type: 'node:endTurn' }, player('amy'));
    expect(room.round.turn!.seat).toBe('Cal');
    room.must({ type: 'system:presence', playerId: 'cal', connected: false }, SYSTEM);
    expect(room.round.turn!.seat).toBe('Dan');
  });

  it('pause stops the clock and refuses moves; resume gives the turn its remaining time', () => {
    const room = seated(turns);
    room.must({ type: 'host:startRound' }, HOST);
    room.now += 10_000;
    room.must({ type: 'host:pause' }, HOST);
    expect(room.round.turn).toMatchObject({ endsAt: null, leftMs: 35_000 });
    expect(room.refused(propose('Dune'), player('amy'))).toBe('conflict');
    room.now += 600_000;
    expect(room.must({ type: 'system:tick', now: room.now }, SYSTEM).events).toEqual([]);
    room.must({ type: 'host:resume' }, HOST);
    expect(room.round.turn).toMatchObject({ seat: 'Amy', endsAt: room.now + 35_000 });
  });

  it('with no person connected, the round waits instead of bots passing turns to each other', () => {
    const room = seated(turns);
    room.must({ type: 'host:startRound' }, HOST);
    for (const id of ['amy', 'ben', 'cal', 'dan', 'eva']) {
      room.must({ type: 'system:presence', playerId: id, connected: false }, SYSTEM);
    }
    expect(room.round.turn!.seat).toBe(null);
    room.must({ type: 'system:presence', playerId: 'cal', connected: true }, SYSTEM);
    expect(room.round.turn!.seat).toBe('Cal');
  });

  it('the host skips a turn', () => {
    const room = seated(turns);
    room.must({ type: 'host:startRound' }, HOST);
    room.must({ type: 'host:skipTurn' }, HOST);
    expect(room.round.turn!.seat).toBe('Ben');
    expect(room.refused({ type: 'host:skipTurn' }, player('ben'))).toBe('forbidden');
  });

  it('the round ends at the turn limit', () => {
    const room = seated({ ...turns, turnLimit: 2 });
    room.must({ type: 'host:startRound' }, HOST);
    room.must({ type: 'node:endTurn' }, player('amy'));
    room.must({ type: 'node:endTurn' }, player('ben'));
    expect(room.round.status).toBe('ended');
    expect(room.state.history[0]!.reason).toBe('turnLimit');
  });
});

describe('round end and scores', () => {
  it('a round ends when a value is chosen and a proposer has seen its accept quorum', () => {
    const room = seated();
    room.must({ type: 'host:startRound' }, HOST);
    room.must(
      node({ type: 'node:propose', value: 'Dune', to: ['Amy', 'Ben', 'Cal'] }),
      player('amy'),
    );
    expect(room.round.status).toBe('ended');
    expect(room.state.history[0]).toMatchObject({
      reason: 'chosen',
      chosenBy: { node: 'Amy', name: 'amy' },
      originalOwner: { node: 'Amy', name: 'amy' },
      messages: 12,
      rejections: 0,
      wastedProposals: 0,
    });
  });

  it('scores: chosen +10, few messages +5, and the scoreboard adds rounds up', () => {
    const room = seated();
    for (let i = 0; i < 2; i++) {
      room.must({ type: 'host:startRound' }, HOST);
      room.must(
        node({ type: 'node:propose', value: 'Dune', to: ['Amy', 'Ben', 'Cal'] }),
        player('amy'),
      );
    }
    expect(room.state.history[0]!.scores).toEqual([
      {
        playerId: 'amy',
        name: 'amy',
        points: 15,
        reasons: ['+10 got Dune chosen', '+5 few messages (6 requests)'],
      },
    ]);
    expect(room.state.scoreboard).toEqual([{ playerId: 'amy', name: 'amy', points: 30 }]);
  });

  it("scores: carrying another's accepted value forward earns +5 and the movie's owner +3", () => {
    // The seed's case 2: Amy's Openhimer is accepted by Cal; Eva must carry it forward.
    const room = seated();
    room.must({ type: 'host:startRound' }, HOST);
    room.must(propose('Openhimer'), player('amy'));
    for (const to of ['Amy', 'Ben', 'Cal']) room.must(promise(to), player('amy'));
    room.must(accept('Cal'), player('amy'));
    room.must(propose('Barbie'), player('eva'));
    for (const to of ['Cal', 'Dan', 'Eva']) room.must(promise(to), player('eva'));
    for (const to of ['Cal', 'Dan', 'Eva']) room.must(accept(to), player('eva'));
    const summary = room.state.history[0]!;
    expect(summary.chosenBy).toEqual({ node: 'Eva', name: 'eva' });
    expect(summary.originalOwner).toEqual({ node: 'Amy', name: 'amy' });
    expect(summary.wastedProposals).toBe(1);
    const byId = Object.fromEntries(summary.scores.map((s) => [s.playerId, s.points]));
    expect(byId).toEqual({ eva: 10 + 5 + 5, amy: 3 });
  });

  it('scores: a split between two chosen values (minority quorum) scores nobody', () => {
    const room = seated({}, { quorum: 2 });
    room.must({ type: 'host:startRound' }, HOST);
    room.must(node({ type: 'node:propose', value: 'Dune', to: ['Amy', 'Ben'] }), player('amy'));
    expect(room.round.status).toBe('ended');
    // With endWhenChosen off, the split can happen and is not rewarded.
    const lesson = seated({ endWhenChosen: false }, { quorum: 2 });
    lesson.must({ type: 'host:startRound' }, HOST);
    lesson.must(node({ type: 'node:propose', value: 'Dune', to: ['Amy', 'Ben'] }), player('amy'));
    lesson.must(node({ type: 'node:propose', value: 'Heat', to: ['Dan', 'Eva'] }), player('eva'));
    expect(lesson.round.paxos.chosen.map((c) => c.value)).toEqual(['Dune', 'Heat']);
    lesson.must({ type: 'host:endRound' }, HOST);
    expect(lesson.state.history[0]!.scores).toEqual([]);
  });
});

describe('fog of war', () => {
  function fogRoom() {
    const room = seated({ visibility: 'fog', endWhenChosen: false });
    room.must({ type: 'host:startRound' }, HOST);
    room.must(propose('Dune'), player('amy'));
    room.must(promise('Ben'), player('amy'));
    room.must(propose('Heat'), player('eva'));
    room.must(promise('Dan'), player('eva'));
    return room;
  }

  it("a seat's view holds its own node and none of another node's hidden state", () => {
    const room = fogRoom();
    const view = seatView(room.state, 'Cal');
    const json = JSON.stringify(view.round!.paxos);
    expect(view.hiddenFrom).toBe('Cal');
    expect(json).not.toContain('Dune');
    expect(json).not.toContain('Heat');
    expect(view.round!.paxos.acceptors.Ben).toEqual({ promisedId: null, accepted: null });
    const amy = seatView(room.state, 'Amy');
    expect(amy.round!.paxos.proposers.Amy!.value).toBe('Dune');
    expect(JSON.stringify(amy.round!.paxos)).not.toContain('Heat');
  });

  it("a seat's view counts only its own proposals and requests", () => {
    const room = fogRoom();
    const stats = seatView(room.state, 'Cal').round!.stats;
    expect(JSON.stringify(stats)).not.toMatch(/Dune|Heat/);
    expect(stats).toMatchObject({ proposals: [], requestsBy: {}, learned: null });
    const amy = seatView(room.state, 'Amy').round!.stats;
    expect(amy.proposals.map((p) => p.value)).toEqual(['Dune']);
    expect(amy.requestsBy).toEqual({ Amy: 1 });
  });

  it('a seat reads only the log lines that involve its node', () => {
    const room = fogRoom();
    const lines = roomTranscript(room.log).filter((l) => lineVisibleTo(l, 'Ben'));
    expect(lines.map((l) => l.text).join('\n')).toContain('PROMISE Request from Amy(p: 1) to Ben');
    expect(lines.map((l) => l.text).join('\n')).not.toContain('Eva');
  });

  it("another proposer's private counts are masked in the lines a seat reads", () => {
    const room = fogRoom();
    const ben = linesFor(roomTranscript(room.log), 'Ben').map((l) => l.text);
    expect(ben).toContain('    > [ACC] Promise(1, last_acepted()), Amy(…)');
    const amy = linesFor(roomTranscript(room.log), 'Amy').map((l) => l.text);
    expect(amy).toContain(
      '    > [ACC] Promise(1, last_acepted()), Amy(promisers: 1, quorum_size: 3, promiser_acc_max: None)',
    );
  });
});

describe('be the acceptor', () => {
  function inboxRoom(wrongAnswers: 'refuse' | 'apply' = 'refuse') {
    const room = seated({ acceptors: 'players', wrongAnswers, endWhenChosen: false });
    room.must({ type: 'host:startRound' }, HOST);
    return room;
  }
  const waiting = (room: ReturnType<typeof inboxRoom>) => room.round.paxos.inFlight[0]!.id;

  it('a request to a seated player waits in their inbox', () => {
    const room = inboxRoom();
    room.must(propose('Dune'), player('amy'));
    room.must(promise('Ben'), player('amy'));
    expect(room.round.paxos.inFlight.map((m) => [m.kind, m.to])).toEqual([
      ['promiseRequest', 'Ben'],
    ]);
    expect(
      room.refused(
        { type: 'node:answer', messageId: waiting(room), answer: 'grant' },
        player('cal'),
      ),
    ).toBe('not_found');
  });

  it.each([
    ['nothing promised', 'grant', true],
    ['nothing promised', 'reject', false],
  ] as const)('%s: answering %s is right=%s', (_, answer, right) => {
    const room = inboxRoom();
    room.must(propose('Dune'), player('amy'));
    room.must(promise('Ben'), player('amy'));
    room.must({ type: 'node:answer', messageId: waiting(room), answer }, player('ben'));
    const mistakes = room.log.filter((e) => e.event.type === 'mistake');
    expect(mistakes).toHaveLength(right ? 0 : 1);
    expect(room.round.paxos.inFlight).toHaveLength(right ? 0 : 1);
  });

  it.each([
    ['a lower id', 1, 'grant', false],
    ['a lower id', 1, 'reject', true],
    ['the promised id', 2, 'grant', true],
    ['the promised id', 2, 'reject', false],
  ] as const)('after promising 2, %s (%i): answering %s is right=%s', (_, id, answer, right) => {
    const room = inboxRoom();
    room.must(propose('Dune'), player('amy')); // proposal 1
    room.must(propose('Heat'), player('cal')); // proposal 2
    room.must(promise('Ben'), player('cal'));
    room.must({ type: 'node:answer', messageId: waiting(room), answer: 'grant' }, player('ben'));
    room.must(promise('Ben'), player(id === 1 ? 'amy' : 'cal'));
    room.must({ type: 'node:answer', messageId: waiting(room), answer }, player('ben'));
    const mistake = room.log.find((e) => e.event.type === 'mistake')?.event;
    if (right) {
      expect(mistake).toBeUndefined();
    } else {
      expect(mistake).toMatchObject({ playerId: 'ben', answer, applied: false });
      expect(mistake && 'explanation' in mistake ? mistake.explanation : '').toBe(
        id === 1
          ? 'You promised 2; a promise request with id 1 must be rejected.'
          : 'You promised 2; 2 is not lower, so the promise request must be granted.',
      );
    }
  });

  it('a mistake prints a line in the log, for the seat that made it', () => {
    const room = inboxRoom();
    room.must(propose('Dune'), player('amy'));
    room.must(promise('Ben'), player('amy'));
    room.must({ type: 'node:answer', messageId: waiting(room), answer: 'reject' }, player('ben'));
    const line = roomTranscript(room.log).at(-1)!;
    expect(line.text).toBe(
      '~ Ben answered reject to #1 against the rule (refused): You have promised nothing yet, so a promise request with id 1 must be granted.',
    );
    expect(line.nodes).toEqual(['Ben']);
  });

  it('a mistake counts against the score', () => {
    const room = inboxRoom();
    room.must(propose('Dune'), player('amy'));
    room.must(promise('Ben'), player('amy'));
    room.must({ type: 'node:answer', messageId: waiting(room), answer: 'reject' }, player('ben'));
    room.must({ type: 'host:endRound' }, HOST);
    expect(room.state.history[0]!.scores).toEqual([
      { playerId: 'ben', name: 'ben', points: -2, reasons: ['-2 1 wrong acceptor answer'] },
    ]);
  });

  it('with wrong answers applied, a grant below the promise goes through and the observer flags it', () => {
    const room = inboxRoom('apply');
    room.must(propose('Dune'), player('amy'));
    room.must(propose('Heat'), player('cal'));
    room.must(promise('Ben'), player('cal'));
    room.must({ type: 'node:answer', messageId: waiting(room), answer: 'grant' }, player('ben'));
    room.must(promise('Ben'), player('amy'));
    room.must({ type: 'node:answer', messageId: waiting(room), answer: 'grant' }, player('ben'));
    expect(room.round.paxos.findings.map((f) => f.kind)).toEqual(['grant_below_promise']);
    expect(room.log.find((e) => e.event.type === 'mistake')?.event).toMatchObject({
      applied: true,
    });
  });

  it('the explanation names the rule in words', () => {
    const request = {
      kind: 'promiseRequest',
      id: 1,
      from: 'Amy',
      to: 'Ben',
      proposalId: 3,
    } as const;
    expect(wrongAnswerReason(4, request)).toBe(
      'You promised 4; a promise request with id 3 must be rejected.',
    );
    expect(
      wrongAnswerReason(4, {
        ...request,
        kind: 'acceptRequest',
        value: 'Dune',
        ownValue: 'Dune',
        promiserAccMax: null,
      }),
    ).toBe('You promised 4; an accept request with id 3 must be rejected.');
  });
});

describe('fog of war: what the server sends', () => {
  function fogRound() {
    const room = seated({ visibility: 'fog', endWhenChosen: false });
    room.must({ type: 'host:say', text: 'before' }, HOST);
    room.must({ type: 'host:startRound' }, HOST);
    room.must(propose('Dune'), player('amy'));
    room.must(promise('Ben'), player('amy'));
    room.must(propose('Heat'), player('eva'));
    return room;
  }

  it('a seat reads earlier lines in full and the fogged round as linesFor gives them', () => {
    const room = fogRound();
    const text = readableLines(roomTranscript(room.log), room.state, 'Cal').map((l) => l.text);
    expect(text).toEqual(['before']);
    expect(readableLines(roomTranscript(room.log), room.state, null)).toEqual(
      roomTranscript(room.log),
    );
    room.must({ type: 'host:endRound' }, HOST);
    expect(readableLines(roomTranscript(room.log), room.state, 'Cal')).toEqual(
      roomTranscript(room.log),
    );
  });

  it('the public log leaves out a fogged round while it is played, and only then', () => {
    const room = fogRound();
    const start = room.log.findIndex((e) => e.event.type === 'roundStarted');
    expect(publicLog(room.log)).toEqual(room.log.slice(0, start));
    room.must({ type: 'host:endRound' }, HOST);
    expect(publicLog(room.log)).toEqual(room.log);
    const open = seated();
    open.must({ type: 'host:startRound' }, HOST);
    expect(publicLog(open.log)).toEqual(open.log);
  });
});
