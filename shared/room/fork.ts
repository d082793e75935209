import { execute } from './execute.ts';
import { foldRoom } from './evolve.ts';
import type { Envelope, RoomError, RoomState } from './types.ts';

/*
 * "Fork from here": a what-if room whose log is its parent's up to event `at`
 * (the same events, seqs and times, so its state at `at` and its transcript are
 * the parent's), then the fork's own first command, `system:fork`, decided by
 * the room's rules (decide.ts): `roomForked { parent, at }`, auto-play stopped,
 * the people of the prefix gone. Only the code differs: `roomCreated` names the
 * fork's own code, so every state of the fork has it.
 */

export type ForkedLog =
  { ok: true; envelopes: Envelope[]; state: RoomState } | { ok: false; error: RoomError };

/**
 * The log of a fork of room `parent` after its event `at`, given the parent's
 * first `at` envelopes (`prefix`), the fork's code and the server's clock for
 * the fork's own events. Refused when the room was closed by then.
 */
export function forkLog(
  prefix: readonly Envelope[],
  fork: { parent: string; at: number; code: string; now: number },
): ForkedLog {
  const { parent, at, code, now } = fork;
  const first = prefix[0];
  if (first?.event.type !== 'roomCreated' || prefix.length !== at || prefix[at - 1]!.seq !== at) {
    throw new Error(`forkLog: the prefix of ${parent} up to ${at} is not its first ${at} events`);
  }
  const created: Envelope = { ...first, event: { ...first.event, code } };
  const copied = [created, ...prefix.slice(1)];
  const state = foldRoom(copied);
  if (state.status === 'closed') {
    return {
      ok: false,
      error: {
        code: 'conflict',
        message: `The room was closed by event ${at}: fork from an earlier event.`,
      },
    };
  }
  const own = execute(state, { type: 'system:fork', parent, at }, { role: 'system' }, now);
  if (!own.ok) return own;
  return { ok: true, envelopes: [...copied, ...own.envelopes], state: own.state };
}
