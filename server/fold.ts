import type { Envelope, RoomState } from '../shared/room/index.ts';
import { evolveRoom } from '../shared/room/index.ts';
import type { RoundStart } from './caps.ts';
import { roundStartAfter } from './caps.ts';

/*
 * Folding a big log without stalling the server: the room host loads a room
 * that is not in memory this way when a client asks for it (server/rooms.ts
 * `preload`). A 20,000-event log folds in ~70 ms at once; in slices, every
 * other room's commands are served in between.
 */

/** Events read and folded at a time. */
const CHUNK = 200;

/**
 * After a slice of work that took `since` ms ago, waits as long again (at most 10 ms): a
 * big fold takes at most half a core, and the other rooms' commands the rest.
 */
export function rest(since: number): Promise<void> {
  const worked = performance.now() - since;
  return new Promise((resolve) => setTimeout(resolve, Math.min(10, Math.max(0, worked))));
}

export interface Folded {
  state: RoomState;
  /** Where the round being played started (the round cap counts from there). */
  roundStart: RoundStart | null;
  /** The events read. */
  events: number;
}

/**
 * Reads a log `CHUNK` events at a time (`read(after, limit)`), folding each
 * chunk and resting between chunks (`rest`). After each yield `go()` says
 * whether to carry on; if not, resolves to `stopped`. Null for an empty log.
 */
export async function foldInSlices(
  read: (after: number, limit: number) => Envelope[],
  go: () => boolean,
): Promise<Folded | null | 'stopped'> {
  let state: RoomState | null = null;
  let roundStart: RoundStart | null = null;
  let seq = 0;
  for (;;) {
    const slice = performance.now();
    const chunk = read(seq, CHUNK);
    for (const envelope of chunk) state = evolveRoom(state, envelope);
    roundStart = roundStartAfter(roundStart, chunk);
    seq = chunk[chunk.length - 1]?.seq ?? seq;
    if (chunk.length < CHUNK) break;
    await rest(slice);
    if (!go()) return 'stopped';
  }
  return state === null ? null : { state, roundStart, events: seq };
}
