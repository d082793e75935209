// Bots make progress in turn-based rounds: a deterministic room, driven the way the server
// drives it (a bot's batch of moves, one at a time; the turn timer's tick when only a person
// could act), with a person who never moves or moves slowly.
import { describe, expect, it } from 'vitest';
import type { BotKind } from '../../shared/bots.ts';
import { botCommands, botsOf, leadTurns, steadyLead } from '../../shared/bots.ts';
import type { RoomCommand, RoundRules } from '../../shared/room/index.ts';
import { seatView } from '../../shared/room/index.ts';
import { HOST, SYSTEM, TestRoom, player } from './harness.ts';

/** The server's bot pace (server/bots.ts). */
const PACE_MS = 1500;

/** What the person does on their own turn: nothing (the timer passes it), or these commands. */
type Person = (room: TestRoom) => RoomCommand[];
const passive: Person = () => [];

/**
 * A room with one person (Amy) and `bots` bots in the other seats; the round is played until
 * it ends or `maxTurns` turns have started. Returns the room.
 */
function play(
  kind: BotKind,
  options: { rules?: Partial<RoundRules>; seats?: number; person?: Person; maxTurns?: number },
): TestRoom {
  const seats = options.seats ?? 5;
  const room = new TestRoom({ mode: 'turns', ...options.rules }, { seats });
  room.must(
    { type: 'room:join', code: 'ABCDE', newId: 'amy', name: 'Amy', spectator: false },
    SYSTEM,
  );
  for (let i = 1; i < seats; i++) {
    room.must({ type: 'host:addBot', kind, seat: null, newId: `bot${i}` }, HOST);
  }
  room.must({ type: 'host:startRound' }, HOST);
  const person = options.person ?? passive;
  const maxTurns = options.maxTurns ?? 200;
  let personTurn = 0;
  while (room.round.status === 'playing' && room.round.turn!.number <= maxTurns) {
    // Every bot with something to do runs one batch (off its turn that is only answers).
    let acted = false;
    for (const bot of botsOf(room.state)) {
      const commands = botCommands(room.state, bot);
      if (commands.length === 0) continue;
      acted = true;
      room.now += PACE_MS;
      for (const command of commands) {
        if (!room.run(command, player(bot.id)).ok) break; // as server/bots.ts: it looks again
      }
      if (room.round.status !== 'playing') return room;
    }
    if (acted) continue;
    const turn = room.round.turn!;
    expect(turn.seat).toBe('Amy'); // a bot's turn never waits for the timer while Amy is here
    if (personTurn !== turn.number) {
      personTurn = turn.number;
      const moves = person(room);
      for (const command of moves) room.run(command, player('amy'));
      if (moves.length > 0) continue;
    }
    room.now = turn.endsAt!;
    room.must({ type: 'system:tick', now: room.now }, SYSTEM);
  }
  return room;
}

describe('bots in turn-based rounds', () => {
  it('four steady bots and a person who never moves choose a movie (the default rules)', () => {
    const room = play('steady', {});
    const history = room.state.history.at(-1)!;
    expect(history.reason).toBe('chosen');
    expect(history.chosen).toHaveLength(1);
    // Within the first lead: one steady bot runs both phases while the others let it.
    expect(room.round.turn!.number).toBeLessThanOrEqual(leadTurns(2, 3, 5));
    expect(room.round.stats.proposals).toHaveLength(1);
  });

  it.each<[string, { rules?: Partial<RoundRules>; seats?: number }]>([
    ['one action a turn', { rules: { actionsPerTurn: 1 } }],
    ['players answer as acceptors (the person never does)', { rules: { acceptors: 'players' } }],
    ['fog of war', { rules: { visibility: 'fog' } }],
    ['seven seats', { seats: 7, rules: { actionsPerTurn: 3 } }],
    ['a short turn timer and ten actions', { rules: { turnSeconds: 5, actionsPerTurn: 10 } }],
  ])('steady bots choose a movie in bounded turns: %s', (_, options) => {
    const room = play('steady', options);
    expect(room.state.history.at(-1)?.reason).toBe('chosen');
    const rules = room.round.rules;
    const nodes = room.round.paxos.config.nodes.length;
    const bound = 2 * leadTurns(rules.actionsPerTurn, room.round.paxos.config.quorum, nodes);
    expect(room.round.turn!.number).toBeLessThanOrEqual(bound);
  });

  it('a slow person who starts a proposal of their own on every turn does not stop them', () => {
    const slow: Person = (room) => [
      { type: 'node:newProposal', value: 'Heat' },
      { type: 'node:promiseRequest', to: room.round.turn!.order[room.round.turn!.number % 5]! },
      { type: 'node:endTurn' },
    ];
    const room = play('steady', { person: slow });
    expect(room.state.history.at(-1)?.reason).toBe('chosen');
    expect(room.round.turn!.number).toBeLessThanOrEqual(2 * leadTurns(2, 3, 5));
  });

  it('the lead passes between the steady bots, in turn order, and fog does not change it', () => {
    const room = new TestRoom({ mode: 'turns' });
    room.must(
      { type: 'room:join', code: 'ABCDE', newId: 'amy', name: 'Amy', spectator: false },
      SYSTEM,
    );
    room.must({ type: 'host:addBot', kind: 'quiet', seat: 'Ben', newId: 'ben' }, HOST);
    room.must({ type: 'host:addBot', kind: 'steady', seat: 'Cal', newId: 'cal' }, HOST);
    room.must({ type: 'host:addBot', kind: 'steady', seat: 'Eva', newId: 'eva' }, HOST);
    expect(steadyLead(room.state)).toBeNull(); // no round yet
    room.must({ type: 'host:startRound' }, HOST);
    const span = leadTurns(2, 3, 5);
    const leads: (string | null)[] = [];
    for (let n = 1; n <= 3 * span; n += span) {
      const turn = { ...room.round.turn!, number: n };
      const state = { ...room.state, round: { ...room.round, turn } };
      leads.push(steadyLead(state));
      expect(steadyLead(seatView(state, 'Cal'))).toBe(steadyLead(state));
    }
    expect(leads).toEqual(['Cal', 'Eva', 'Cal']);
  });

  it('duelling bots still duel in turns: that is their demo', () => {
    const room = play('duelling', { maxTurns: 120 });
    expect(room.round.status).toBe('playing');
    expect(room.round.paxos.chosen).toEqual([]);
    expect(room.round.stats.proposals.length).toBeGreaterThan(40);
  });
});
