import type { PaxosCommand, Request } from '../paxos/index.ts';
import {
  acceptorGrants,
  acceptorRuleWords,
  decide as decidePaxos,
  waitingInInbox,
} from '../paxos/index.ts';
import { stamp } from './evolve.ts';
import { proposeAllowed } from './game.ts';
import { passTurn } from './turns.ts';
import type {
  NodeCommand,
  Player,
  RoomDecision,
  RoomError,
  RoomEvent,
  RoomState,
} from './types.ts';

/*
 * A seated player's moves in a round: Paxos commands as their own node, and
 * answers as their own acceptor. Turn budget, the pause, round end on chosen.
 */

export const fail = (
  code: RoomError['code'],
  message: string,
  seedLine?: string,
): RoomDecision => ({
  ok: false,
  error: seedLine === undefined ? { code, message } : { code, message, seedLine },
});
export const ok = (...events: RoomEvent[]): RoomDecision => ({ ok: true, events });

/**
 * The room after `events`, to look ahead at what they lead to. Stamped at 0:
 * no decision depends on when its events happen, only the clock's own
 * commands (`system:tick`) do, and they compare against the committed state.
 */
export function preview(state: RoomState, events: readonly RoomEvent[]): RoomState {
  return stamp(state, events, 0).state;
}

export function paxosEvents(
  state: RoomState,
  command: PaxosCommand,
  by: string | null,
): RoomDecision {
  const decision = decidePaxos(state.round!.paxos, command);
  if (!decision.ok)
    return fail(decision.error.code, decision.error.message, decision.error.seedLine);
  return ok(...decision.events.map((event): RoomEvent => ({ type: 'paxos', event, by })));
}

/** What follows a move: the round ends once a value is chosen and a proposer saw it; a spent turn passes. */
export function consequences(state: RoomState, events: RoomEvent[]): RoomEvent[] {
  const after = preview(state, events);
  const round = after.round!;
  if (round.rules.endWhenChosen && round.stats.learned && round.paxos.chosen.length > 0) {
    return [...events, { type: 'roundEnded', reason: 'chosen' }];
  }
  if (round.turn?.seat && round.turn.actionsLeft <= 0) {
    return [...events, ...passTurn(after, 'done')];
  }
  return events;
}

/** Refuses a move when the game does not allow it now; null when it may go ahead. */
function gate(state: RoomState, player: Player, costsAction: boolean): RoomDecision | null {
  const round = state.round;
  if (round?.status !== 'playing')
    return fail(
      'conflict',
      round
        ? 'This round is over: wait for the host to start the next one.'
        : 'The round has not started yet: wait for the host.',
    );
  if (state.paused) return fail('conflict', 'The host paused the game.');
  if (costsAction && round.turn && round.turn.seat !== player.seat) {
    const { seat } = round.turn;
    const who = state.players.find((p) => p.seat !== null && p.seat === seat)?.name;
    return fail(
      'conflict',
      seat
        ? `It is ${seat}'s turn${who ? ` (${who})` : ''}.`
        : 'Waiting for a player to take the turn.',
    );
  }
  return null;
}

/** A player's node command as the Paxos engine's command of their own node. */
function paxosCommandOf(command: NodeCommand, node: string): PaxosCommand {
  switch (command.type) {
    case 'node:newProposal':
      return { type: 'newProposal', node, value: command.value };
    case 'node:promiseRequest':
      return { type: 'promiseRequest', node, to: command.to };
    case 'node:acceptRequest':
      return { type: 'acceptRequest', node, to: command.to };
    case 'node:propose':
      return { type: 'propose', node, value: command.value, to: command.to };
  }
}

export function nodeMove(state: RoomState, player: Player, command: NodeCommand): RoomDecision {
  const seat = player.seat!;
  // Every move needs the turn; only requests spend its actions (counted as they are sent).
  const refused = gate(state, player, true);
  if (refused) return refused;
  if (command.type === 'node:propose' && state.round!.turn) {
    return fail(
      'conflict',
      'Running both phases at once is for real-time rounds; in turns, each request is one action.',
    );
  }
  if (command.type === 'node:propose' && !proposeAllowed(state.round!.rules)) {
    return fail(
      'conflict',
      'The host turned off "Run both phases" for this round: send the requests one at a time.',
    );
  }
  const moved = paxosEvents(state, paxosCommandOf(command, seat), player.id);
  if (!moved.ok) return moved;
  return ok(...consequences(state, moved.events));
}

/** Why an answer breaks the acceptor's rule, said to the player who gave it. */
export function wrongAnswerReason(promised: number | null, request: Request): string {
  return acceptorRuleWords(promised, request, { you: true });
}

/** Be the acceptor: the answer is checked against the acceptor's rule before it is applied. */
export function answerMove(
  state: RoomState,
  player: Player,
  messageId: number,
  answer: 'grant' | 'reject',
): RoomDecision {
  const refused = gate(state, player, false);
  if (refused) return refused;
  const seat = player.seat!;
  const request = state.round ? waitingInInbox(state.round.paxos, seat, messageId) : null;
  if (!request)
    return fail('not_found', `There is no request ${messageId} waiting in ${seat}'s inbox.`);
  const round = state.round!;
  const acceptor = round.paxos.acceptors[seat]!;
  const right = acceptorGrants(acceptor, request.proposalId) === (answer === 'grant');
  const deliver: PaxosCommand = { type: 'deliver', messageId, answer };
  if (right) {
    const moved = paxosEvents(state, deliver, player.id);
    return moved.ok ? ok(...consequences(state, moved.events)) : moved;
  }
  const applied = round.rules.wrongAnswers === 'apply';
  const mistake: RoomEvent = {
    type: 'mistake',
    playerId: player.id,
    seat,
    messageId,
    answer,
    explanation: wrongAnswerReason(acceptor.promisedId, request),
    applied,
  };
  if (!applied) return ok(mistake);
  const moved = paxosEvents(state, deliver, player.id);
  return moved.ok ? ok(...consequences(state, [mistake, ...moved.events])) : moved;
}
