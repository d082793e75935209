// Bot policies are pure: they read their node's state and return commands.
import { describe, expect, it } from 'vitest';
import type { BotKind } from '../../shared/bots.ts';
import { botActions, botDelayMs, botMoves } from '../../shared/bots.ts';
import type { PaxosState } from '../../shared/paxos/index.ts';
import { decide, foldPaxos, initialPaxosState } from '../../shared/paxos/index.ts';
import { seatView } from '../../shared/room/index.ts';
import { FIVE, HOST, SYSTEM, player, seated } from './harness.ts';

interface Bot {
  seat: string;
  kind: BotKind;
  movie: string;
  next: number;
}

/** Runs bots on a simulated clock, each acting when its delay has passed, until `until` ms. */
function simulate(bots: Bot[], state: PaxosState, until: number): PaxosState {
  let s = state;
  for (;;) {
    const bot = bots.reduce((a, b) => (b.next < a.next ? b : a));
    if (bot.next > until || s.chosen.length > 0) return s;
    for (const move of botMoves(bot.kind, s, bot.seat, bot.movie)) {
      const d = decide(
        s,
        move.type === 'answer'
          ? { type: 'deliver', messageId: move.messageId, answer: move.answer }
          : { ...move, node: bot.seat },
      );
      if (!d.ok) throw new Error(d.error.message);
      s = foldPaxos(s, d.events);
    }
    bot.next += botDelayMs(bot.kind, s, bot.seat, 1000);
  }
}

const fresh = (inbox: string[] = []) =>
  initialPaxosState({
    nodes: ['Amy', 'Ben', 'Cal', 'Dan', 'Eva'],
    quorum: 3,
    delivery: 'instant',
    valueRule: 'seed',
    inbox,
  });

describe('bots', () => {
  it('two duelling proposers livelock: many proposals, nothing chosen', () => {
    const s = simulate(
      [
        { seat: 'Amy', kind: 'duelling', movie: 'Dune', next: 0 },
        { seat: 'Ben', kind: 'duelling', movie: 'Heat', next: 500 },
      ],
      fresh(),
      60_000,
    );
    expect(s.chosen).toEqual([]);
    expect(s.proposalCounter).toBeGreaterThan(50);
  });

  it('a steady proposer with quiet acceptors answering their inboxes gets its movie chosen', () => {
    const quiet = ['Ben', 'Cal', 'Dan', 'Eva'].map((seat, i): Bot => ({
      seat,
      kind: 'quiet',
      movie: '',
      next: 100 + i,
    }));
    const s = simulate(
      [{ seat: 'Amy', kind: 'steady', movie: 'Dune', next: 0 }, ...quiet],
      fresh(['Ben', 'Cal', 'Dan', 'Eva']),
      60_000,
    );
    expect(s.chosen.map((c) => c.value)).toEqual(['Dune']);
    expect(s.proposers.Amy!.choice).toBe('Dune');
  });

  it('a quiet bot answers a request below its promise with a rejection', () => {
    let s = fresh(['Ben']);
    for (const c of [
      { type: 'newProposal', node: 'Amy', value: 'Dune' },
      { type: 'newProposal', node: 'Cal', value: 'Heat' },
      { type: 'promiseRequest', node: 'Cal', to: 'Ben' },
    ] as const) {
      const d = decide(s, c);
      if (!d.ok) throw new Error(d.error.message);
      s = foldPaxos(s, d.events);
    }
    const cal = s.inFlight[0]!.id;
    expect(botMoves('quiet', s, 'Ben', '')).toEqual([
      { type: 'answer', messageId: cal, answer: 'grant' },
    ]);
    const d = decide(s, { type: 'deliver', messageId: cal, answer: 'grant' });
    if (!d.ok) throw new Error(d.error.message);
    s = foldPaxos(s, d.events);
    const d2 = decide(s, { type: 'promiseRequest', node: 'Amy', to: 'Ben' });
    if (!d2.ok) throw new Error(d2.error.message);
    s = foldPaxos(s, d2.events);
    expect(botMoves('quiet', s, 'Ben', '')).toEqual([
      { type: 'answer', messageId: s.inFlight[0]!.id, answer: 'reject' },
    ]);
  });

  it('a proposer that has seen its accept quorum stops', () => {
    const s = simulate([{ seat: 'Amy', kind: 'steady', movie: 'Dune', next: 0 }], fresh(), 60_000);
    expect(s.proposers.Amy!.choice).toBe('Dune');
    expect(botMoves('steady', s, 'Amy', 'Dune')).toEqual([]);
  });
});

describe('bots in a room', () => {
  const kinds = (actions: { type: string }[]) => actions.map((a) => a.type);

  it('in turns, a bot moves on its turn only, and passes an empty turn only if a person waits', () => {
    const room = seated({ mode: 'turns', acceptors: 'players' });
    room.must({ type: 'host:startRound' }, HOST);
    const view = (seat: string) => seatView(room.state, seat);
    expect(botActions('steady', view('Ben'), 'Ben', 'Heat')).toEqual([]);
    expect(kinds(botActions('steady', view('Amy'), 'Amy', 'Dune'))).toEqual(['newProposal']);
    expect(kinds(botActions('quiet', view('Amy'), 'Amy', 'Dune'))).toEqual(['endTurn']);
    // Off its turn a bot still answers its inbox.
    room.must({ type: 'node:newProposal', value: 'Dune' }, player('amy'));
    room.must({ type: 'node:promiseRequest', to: 'Ben' }, player('amy'));
    expect(kinds(botActions('quiet', view('Ben'), 'Ben', 'Heat'))).toEqual(['answer']);
    // Amy leaves her seat (and her turn) to a bot; it passes while people wait, not once they are gone.
    room.must({ type: 'room:leave', newId: 'bot', bot: 'quiet' }, player('amy'));
    expect(kinds(botActions('quiet', view('Amy'), 'Amy', 'Dune'))).toEqual(['endTurn']);
    for (const id of FIVE.slice(1)) {
      room.must({ type: 'system:presence', playerId: id, connected: false }, SYSTEM);
    }
    expect(botActions('quiet', view('Amy'), 'Amy', 'Dune')).toEqual([]);
  });

  it('a bot does nothing while the game is paused or no round is played', () => {
    const room = seated();
    expect(botActions('steady', seatView(room.state, 'Amy'), 'Amy', 'Dune')).toEqual([]);
    room.must({ type: 'host:startRound' }, HOST);
    room.must({ type: 'host:pause' }, HOST);
    expect(botActions('steady', seatView(room.state, 'Amy'), 'Amy', 'Dune')).toEqual([]);
  });
});
