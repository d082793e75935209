import { acceptorGrants, hasPromiseQuorum, inboxRequests } from './paxos/index.ts';
import type { PaxosState } from './paxos/index.ts';
import type { BotKind } from './room/game.ts';
import { roomNodes } from './room/rules.ts';
import type { Player, RoomCommand, RoomState } from './room/types.ts';
import { seatView } from './room/visibility.ts';

export { BOT_KINDS, BOT_DESCRIPTIONS } from './room/game.ts';
export type { BotKind } from './room/game.ts';

/*
 * Bots decide like a node would, from what their node knows (its acceptor,
 * its proposer and the requests waiting in its inbox), and act through the
 * same commands as people. Pure: the server runs them on timers.
 */

export type BotMove =
  | { type: 'answer'; messageId: number; answer: 'grant' | 'reject' }
  | { type: 'newProposal'; value: string }
  | { type: 'promiseRequest'; to: string }
  | { type: 'acceptRequest'; to: string };

/** The seats a proposer asks first: itself, then the next seats round the circle. */
export function askOrder(nodes: readonly string[], seat: string): string[] {
  const i = Math.max(0, nodes.indexOf(seat));
  return [...nodes.slice(i), ...nodes.slice(0, i)];
}

/**
 * The bot's next moves (run back to back), or none when it has nothing to do
 * now. A bot answers its inbox first, by the acceptor's rule (bots never make
 * mistakes). A steady proposer sends one request per move, at a human pace; a
 * duelling proposer sends a whole phase per move and, when pre-empted, starts
 * a higher proposal at once: two of them livelock, which is the lesson.
 */
export function botMoves(kind: BotKind, paxos: PaxosState, seat: string, movie: string): BotMove[] {
  const waiting = inboxRequests(paxos, seat)[0];
  if (waiting) {
    const grant = acceptorGrants(paxos.acceptors[seat]!, waiting.proposalId);
    return [{ type: 'answer', messageId: waiting.id, answer: grant ? 'grant' : 'reject' }];
  }
  if (kind === 'quiet') return [];

  const me = paxos.proposers[seat]!;
  const { quorum, nodes } = paxos.config;
  if (me.choice !== null) return []; // it has seen its accept quorum: done
  const order = askOrder(nodes, seat);
  const majority = order.slice(0, quorum);
  const restart: BotMove[] =
    kind === 'duelling'
      ? [
          { type: 'newProposal', value: movie },
          ...majority.map((to): BotMove => ({ type: 'promiseRequest', to })),
        ]
      : [{ type: 'newProposal', value: movie }];
  if (me.proposalId === null || me.rejectedBy.length > 0) return restart;

  const waitingForReplies = paxos.inFlight.some((m) => m.from === seat || m.to === seat);
  if (!hasPromiseQuorum(me, paxos.config)) {
    const unasked = order.filter((n) => !me.promiseAsked.includes(n));
    if (unasked.length > 0) {
      const count = kind === 'duelling' ? quorum - me.promisers.length : 1;
      return unasked.slice(0, count).map((to): BotMove => ({ type: 'promiseRequest', to }));
    }
    return waitingForReplies ? [] : restart;
  }
  if (me.acceptors.length < quorum) {
    const unasked = [...me.promisers, ...order].filter(
      (n, i, all) => !me.acceptAsked.includes(n) && all.indexOf(n) === i,
    );
    if (unasked.length > 0) {
      const count = kind === 'duelling' ? quorum - me.acceptors.length : 1;
      return unasked.slice(0, count).map((to): BotMove => ({ type: 'acceptRequest', to }));
    }
    return waitingForReplies ? [] : restart;
  }
  return [];
}

/** How long a bot waits before its next move: people need time to watch. */
export function botDelayMs(kind: BotKind, paxos: PaxosState, seat: string, paceMs: number): number {
  const me = paxos.proposers[seat];
  // The duelling proposer does not wait when pre-empted: that is what makes it duel.
  if (kind === 'duelling' && me && me.rejectedBy.length > 0) return Math.round(paceMs / 5);
  return paceMs;
}

/** A bot's move in a room: a node move, or ending its turn. */
export type BotAction = BotMove | { type: 'endTurn' };

/**
 * How many turns one steady bot leads in a turn-based round: enough of its own turns to run
 * both phases (a request to each of a quorum, twice, `actionsPerTurn` a turn), and one more
 * to start again if it was pre-empted, times the seats (every seat has a turn in between).
 */
export function leadTurns(actionsPerTurn: number, quorum: number, seats: number): number {
  return (Math.ceil((2 * quorum) / Math.max(1, actionsPerTurn)) + 1) * Math.max(1, seats);
}

/**
 * Which steady bot leads now in a turn-based round, or null (no turns, or no steady bot).
 *
 * Steady proposers that each start a proposal on their turn pre-empt one another for ever: a
 * proposer needs several of its turns to run both phases, and every other proposer's turn in
 * between raises the promises it gathered (four steady bots and one person played 49 turns and
 * chose nothing). So in turns they take the lead one at a time, like Multi-Paxos's distinguished
 * proposer: the lead passes round the steady bots' seats, in turn order, every `leadTurns`
 * turns, and a steady bot that does not lead only answers its inbox and passes its turns.
 * Decided from what every seat sees (the turn's number and order, which seats hold steady
 * bots), so fog of war changes nothing. A round chooses within two leads (the first may be
 * spent undoing what people did); people may still propose whenever it is their turn.
 * Duelling bots never wait for the lead: their livelock is the demo.
 */
export function steadyLead(view: RoomState): string | null {
  const round = view.round;
  const turn = round?.turn;
  if (!round || !turn || turn.number < 1) return null;
  const steady = turn.order.filter((seat) =>
    view.players.some((p) => p.seat === seat && p.bot === 'steady'),
  );
  if (steady.length === 0) return null;
  const { actionsPerTurn } = round.rules;
  const span = leadTurns(actionsPerTurn, round.paxos.config.quorum, turn.order.length);
  return steady[Math.floor((turn.number - 1) / span) % steady.length]!;
}

/**
 * What a bot does in a room now, from its seat's view (`seatView`): nothing
 * while no round is played or the game is paused. In a turn-based round it
 * answers its inbox at any time and makes its other moves on its turn only (a
 * steady bot only while it leads: `steadyLead`); on its turn with nothing to
 * do it ends the turn if a person is seated and connected, so people do not
 * wait for it (among bots alone the timer passes it).
 */
export function botActions(
  kind: BotKind,
  view: RoomState,
  seat: string,
  movie: string,
): BotAction[] {
  const round = view.round;
  // A guided demo plays the round itself until the host hands it over (shared/room/demo.ts).
  if (round?.status !== 'playing' || view.paused || round.demo) return [];
  const moves = botMoves(kind, round.paxos, seat, movie);
  const turn = round.turn;
  if (!turn) return moves;
  const mine = turn.seat === seat;
  const lead = kind === 'steady' ? steadyLead(view) : null;
  const leads = lead === null || lead === seat;
  const allowed = mine && leads ? moves : moves.filter((m) => m.type === 'answer');
  if (allowed.length > 0 || !mine) return allowed;
  const waiting = view.players.some((p) => !p.bot && p.connected && p.seat !== null);
  return waiting ? [{ type: 'endTurn' }] : [];
}

/** A bot's action as the room command it submits (the same command a person's click becomes). */
export function botCommand(action: BotAction): RoomCommand {
  switch (action.type) {
    case 'answer':
      return { type: 'node:answer', messageId: action.messageId, answer: action.answer };
    case 'newProposal':
      return { type: 'node:newProposal', value: action.value };
    case 'promiseRequest':
      return { type: 'node:promiseRequest', to: action.to };
    case 'acceptRequest':
      return { type: 'node:acceptRequest', to: action.to };
    case 'endTurn':
      return { type: 'node:endTurn' };
  }
}

/** The movie a bot wishes for: the room's list, one per seat in seat order. */
export function botMovie(state: RoomState, seat: string): string {
  const { movies } = state.settings;
  return movies[Math.max(0, roomNodes(state).indexOf(seat)) % movies.length]!;
}

/** A seated bot of the room. */
export type SeatedBot = Player & { bot: BotKind; seat: string };

export const botsOf = (state: RoomState): SeatedBot[] =>
  state.players.filter((p): p is SeatedBot => p.bot !== undefined && p.seat !== null);

/** What a seated bot submits now, from what its seat sees: room commands, run one after the other. */
export function botCommands(state: RoomState, bot: SeatedBot): RoomCommand[] {
  return botActions(bot.bot, seatView(state, bot.seat), bot.seat, botMovie(state, bot.seat)).map(
    botCommand,
  );
}
