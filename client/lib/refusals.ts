/*
 * "May I do this now?", answered by the engine itself: a dry run of
 * `decideRoom` (shared/room/decide.ts), the function the server's room queue
 * runs on the same state. Nothing is sent and nothing changes; the refusal's
 * words are the engine's, so no rule is restated in the client.
 *
 * Loaded on demand (game.svelte.ts imports it with `import()` once the room
 * page asks): the room's and Paxos's deciders are kilobytes that the player
 * view's first paint does not need. Until it arrives no reason is shown and
 * the server's refusal, if any, speaks as a notice.
 */
import { decideRoom } from '../../shared/room/decide.ts';
import type { RoomCommand, RoomError, RoomState } from '../../shared/room/index.ts';

/** A room command the server mints no id for: everything but joins, bots and giving a seat up. */
export type Move = Exclude<RoomCommand, { newId: string }>;

/** The engine's refusal of `move` sent by player `playerId` now, or null when it would go ahead. */
export function refusal(state: RoomState, move: Move, playerId: string): RoomError | null {
  const decision = decideRoom(state, move, { role: 'player', playerId });
  return decision.ok ? null : decision.error;
}
