import { steppable } from '../paxos/network.ts';
import type { RoomState } from './types.ts';

/*
 * Auto-play: the host sets a speed (`host:autoplay`), the room's state records
 * it (`Round.autoplay`, from the `autoplayChanged` event), and the server's
 * driver (server/autoplay.ts) sends one `system:step` every `1000 / speed` ms
 * while it is on. Time stays out of shared/: this file only says whether it is.
 */

export { AUTOPLAY_MAX_SPEED, AUTOPLAY_MIN_SPEED } from './autoplay-speed.ts';

/**
 * The speed the server's driver steps the room at now, in steps per second:
 * 0 unless the room is open, its round is played, not paused, and auto-play is on.
 */
export function autoplaySpeed(state: RoomState): number {
  const round = state.round;
  if (state.status !== 'open' || round?.status !== 'playing' || state.paused) return 0;
  return round.autoplay ?? 0;
}

/** Whether anything is left for a step to deliver (a message in flight outside the players' inboxes). */
export function somethingToStep(state: RoomState): boolean {
  const round = state.round;
  return round?.status === 'playing' && steppable(round.paxos).length > 0;
}
