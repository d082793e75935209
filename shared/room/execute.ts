import { decideRoom } from './decide.ts';
import { stamp } from './evolve.ts';
import type { Actor, Envelope, RoomCommand, RoomError, RoomState } from './types.ts';

export type Executed =
  { ok: true; envelopes: Envelope[]; state: RoomState } | { ok: false; error: RoomError };

/**
 * One command, all the way: decided on `state`, its events stamped at `at`
 * and folded. The server's room queue runs every command through this; so do
 * the tests' rooms and the benchmark. A refusal changes nothing.
 */
export function execute(
  state: RoomState,
  command: RoomCommand,
  actor: Actor,
  at: number,
): Executed {
  const decision = decideRoom(state, command, actor);
  if (!decision.ok) return decision;
  return { ok: true, ...stamp(state, decision.events, at) };
}
