import type { TurnEndReason } from './game.ts';
import { DEFAULT_RULES } from './game.ts';
import type { RoundRules } from './game.ts';
import type { RoomEvent, RoomSettings, RoomState } from './types.ts';

/*
 * Turn-based rounds: seats take turns in a fixed order; a turn has a number
 * of actions (each request sent is one) and a timer. The server owns the
 * timer and tells the engine the time with a `tick`; a seat whose player is
 * not connected is skipped.
 */

export function rulesOf(settings: RoomSettings): RoundRules {
  return { ...DEFAULT_RULES, ...settings.rules };
}

/**
 * Seats whose player (a person or a bot) is connected, in turn order. With no
 * person connected at all, nobody is ready: bots alone would pass turns to
 * each other for ever, so the round waits for someone to come back.
 */
function ready(state: RoomState, order: readonly string[]): string[] {
  if (!state.players.some((p) => p.connected && !p.bot)) return [];
  return order.filter((seat) => state.players.some((p) => p.seat === seat && p.connected));
}

/** The first ready seat after `seat` in turn order (wrapping round), or null. */
export function nextSeat(state: RoomState, after: string | null): string | null {
  const turn = state.round?.turn;
  if (!turn) return null;
  const i = after === null ? -1 : turn.order.indexOf(after);
  const order = [...turn.order.slice(i + 1), ...turn.order.slice(0, i + 1)];
  return ready(state, order)[0] ?? null;
}

/** Events that start the next turn (or end the round at its turn limit). */
export function startNextTurn(state: RoomState, after: string | null): RoomEvent[] {
  const round = state.round;
  if (!round?.turn) return [];
  const { turnLimit } = round.rules;
  if (turnLimit !== null && round.turn.number >= turnLimit) {
    return [{ type: 'roundEnded', reason: 'turnLimit' }];
  }
  const seat = nextSeat(state, after);
  return seat ? [{ type: 'turnStarted', seat, number: round.turn.number + 1 }] : [];
}

/**
 * Ends the current turn and starts the next. `state` is the room as it will
 * be once the turn ends (so a player who just left is no longer a candidate).
 */
export function passTurn(state: RoomState, reason: TurnEndReason): RoomEvent[] {
  const seat = state.round?.turn?.seat;
  if (!seat) return [];
  return [{ type: 'turnEnded', seat, reason }, ...startNextTurn(state, seat)];
}

/** True when it is a turn-based round that is waiting for a ready seat. */
export function waitingForTurn(state: RoomState): boolean {
  const round = state.round;
  return round?.status === 'playing' && round.turn !== null && round.turn.seat === null;
}
