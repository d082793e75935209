import type { Ack, Forked } from '../shared/protocol/index.ts';
import { forkLog } from '../shared/room/index.ts';
import type { RoomHost } from './rooms.ts';

/*
 * `host:fork`: a what-if room from any point of a room's log. The log of the
 * fork is made in shared/ (`forkLog`: the parent's prefix, then the fork's own
 * `system:fork` events); here the prefix is read from the store and the new room
 * is committed with a host token for the caller (`RoomHost.createFrom`). The
 * edge (server/sockets.ts) checks the caller is the parent's host and charges
 * the address's budgets.
 */

export interface ForkResult {
  ack: Ack<Forked>;
  /** Events read from the store to make it (the address's reads). */
  read: number;
  /** Events the new room's log holds (the address's events). */
  written: number;
}

/** Forks room `parent` after its committed event `at` (1 ≤ at ≤ its seq). */
export async function forkRoom(rooms: RoomHost, parent: string, at: number): Promise<ForkResult> {
  const refused = (code: 'bad_request' | 'not_found', message: string): ForkResult => ({
    ack: { ok: false, error: { code, message } },
    read: 0,
    written: 0,
  });
  const state = rooms.open(parent);
  if (!state) return refused('not_found', 'No such room.');
  if (at < 1) return refused('bad_request', 'A fork starts after an event: `at` is 1 or more.');
  if (at > state.seq) {
    return refused(
      'bad_request',
      `This room has ${state.seq} events so far, so it cannot be forked after event ${at}.`,
    );
  }
  const prefix = rooms.logUpTo(parent, at);
  const made = await rooms.createFrom((code, now) => forkLog(prefix, { parent, at, code, now }));
  if (!made.ok) return { ack: made, read: prefix.length, written: 0 };
  return {
    ack: { ok: true, data: { code: made.code, hostToken: made.hostToken } },
    read: prefix.length,
    written: made.state.seq,
  };
}
