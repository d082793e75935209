import type { ErrorBody } from '../shared/protocol/index.ts';
import type { Envelope, RoomState } from '../shared/room/index.ts';

/*
 * The caps on a room's size (server/limits.ts explains the defaults). They are
 * the server's, not the game's: the engine would go on forever, the disk would not.
 */

export interface Caps {
  /** Events in one round; past it only a command that ends the round is accepted. */
  maxRoundEvents: number;
  /** Events in a room's log; past it every command is refused. */
  maxRoomEvents: number;
}

/** Where the round being played started: its number and the seq of its `roundStarted`. */
export interface RoundStart {
  number: number;
  seq: number;
}

/** The round start after `envelopes`, given the one before them. */
export function roundStartAfter(
  before: RoundStart | null,
  envelopes: readonly Envelope[],
): RoundStart | null {
  let start = before;
  for (const { seq, event } of envelopes) {
    if (event.type === 'roundStarted') start = { number: event.number, seq };
  }
  return start;
}

/**
 * Why a decided command would take its room past a cap, or null when it fits.
 * `roundStart` is the seq of the `roundStarted` of the round `state` plays.
 */
export function overCap(
  caps: Caps,
  state: RoomState,
  roundStart: number | null,
  envelopes: readonly Envelope[],
): ErrorBody | null {
  const n = envelopes.length;
  if (n === 0) return null;
  const last = state.seq + n;
  if (last > caps.maxRoomEvents) {
    return {
      code: 'conflict',
      message: `This room's log is full (${caps.maxRoomEvents} events): create a new room to play on.`,
    };
  }
  const playing = state.round?.status === 'playing';
  const ends = envelopes.some((e) => e.event.type === 'roundEnded');
  if (playing && !ends && roundStart !== null && last - roundStart + 1 > caps.maxRoundEvents) {
    return {
      code: 'conflict',
      message: `This round has reached ${caps.maxRoundEvents} events: the host ends it and starts another.`,
    };
  }
  return null;
}
