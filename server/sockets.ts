import type { Server, Socket } from 'socket.io';
import type {
  Ack,
  AckOf,
  ClientToServerEvents,
  Done,
  ErrorBody,
  Identity,
  ServerToClientEvents,
  Snapshot,
} from '../shared/protocol/index.ts';
import { parsePayload } from '../shared/protocol/schemas.ts';
import type { Actor, EdgeName, Envelope, GenericName, Payload } from '../shared/room/index.ts';
import { COMMANDS, isEdgeName, isWireName, roomCommand } from '../shared/room/index.ts';
import { FogBatch, fogRound, fogSeat, snapshotFor } from './fog.ts';
import type { Logger } from './log.ts';
import type { RateLimit } from './ratelimit.ts';
import { TokenBucket } from './ratelimit.ts';
import type { RoomHost, Transport } from './rooms.ts';
import { newPlayerId } from './rooms.ts';

/** Who a socket is, as verified by the server: set only by create, join, resume and watch. */
export interface SocketData {
  code: string | null;
  host: boolean;
  playerId: string | null;
}

/**
 * Who gives a command: a socket's verified identity. (Drivers — bots, timers —
 * do not come through here: they submit room commands to the room directly.)
 */
export type Caller = SocketData;

export type AppServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;
type AppSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

export const channel = (code: string): string => `room:${code}`;

const fail = (code: ErrorBody['code'], message: string): { ok: false; error: ErrorBody } => ({
  ok: false,
  error: { code, message },
});

/**
 * socket.io rooms as the transport: one broadcast per command, encoded once
 * for all. While a fogged round is played (and at its reveal), each socket is
 * sent what its audience may see instead (`FogBatch`).
 */
export function socketTransport(
  io: AppServer,
  log: (code: string) => readonly Envelope[],
): Transport {
  return {
    publish(code, envelopes, before, after) {
      if (!fogRound(before) && !fogRound(after)) {
        io.to(channel(code)).emit('room:events', { code, events: envelopes });
        return;
      }
      const batch = new FogBatch(code, envelopes, before, after, () => log(code));
      for (const id of io.of('/').adapter.rooms.get(channel(code)) ?? []) {
        const socket = io.of('/').sockets.get(id);
        if (!socket) continue;
        const out = batch.for(socket.data);
        if (out.event === 'room:view') socket.emit('room:view', out.payload);
        else socket.emit('room:events', out.payload);
      }
    },
    revoke(code, playerId, reason) {
      for (const id of io.of('/').adapter.rooms.get(channel(code)) ?? []) {
        const socket = io.of('/').sockets.get(id);
        if (socket?.data.playerId !== playerId) continue;
        socket.data.playerId = null;
        socket.emit('room:revoked', { code, reason });
      }
    },
  };
}

/** Leaves whatever room the socket was in: presence and memory follow. */
function drop(rooms: RoomHost, socket: AppSocket): void {
  const { code, playerId } = socket.data;
  if (code === null) return;
  socket.data = { code: null, host: false, playerId: null };
  void socket.leave(channel(code));
  if (playerId) rooms.unbindPlayer(code, playerId);
  rooms.unsubscribe(code);
}

type EdgeHandler<E extends EdgeName> = (
  socket: AppSocket,
  payload: Payload<E>,
) => AckOf<E> | Promise<AckOf<E>>;

/**
 * The generic path of every wire command that is not the edge's own: the
 * caller's verified role for it (its catalogue entry says whose it is; the
 * engine checks again and decides), then the room.
 */
async function command<E extends GenericName>(
  rooms: RoomHost,
  caller: Caller,
  name: E,
  payload: Payload<E>,
): Promise<Ack<Done>> {
  const { code, host, playerId } = caller;
  if (code === null) return fail('forbidden', 'Join, resume or watch a room first.');
  const player: Actor | null = playerId ? { role: 'player', playerId } : null;
  const hostActor: Actor | null = host ? { role: 'host' } : null;
  const actor = COMMANDS[name].who === 'host' ? (hostActor ?? player) : (player ?? hostActor);
  if (!actor) return fail('forbidden', 'Watchers only watch: join or resume to act.');
  const r = await rooms.run(code, roomCommand(name, payload, newPlayerId), actor);
  return r.ok ? { ok: true, data: { seq: r.seq } } : r;
}

/** What a caller sees of its room now: the whole room, or its seat's view under fog of war. */
function snapshot(rooms: RoomHost, code: string, caller: Caller): Snapshot {
  return snapshotFor(rooms.open(code)!, caller, () => rooms.log(code));
}

/** The edge's own commands: they bind a socket to a room, or read. Checked by the compiler. */
function edgeHandlers(rooms: RoomHost): { [E in EdgeName]: EdgeHandler<E> } {
  const identity = (socket: AppSocket): Identity => {
    const { code, host, playerId } = socket.data;
    const state = code ? rooms.open(code) : null;
    const seat = state?.players.find((p) => p.id === playerId)?.seat ?? null;
    return { code: code ?? '', host, playerId, seat };
  };

  /**
   * Gives the socket its identity in `code`. It joins the broadcast after its
   * own command's events went out, so the snapshot in its ack and the events
   * that follow meet without a gap or an overlap.
   */
  const adopt = async (
    socket: AppSocket,
    code: string,
    host: boolean,
    playerId: string | null,
  ): Promise<{ identity: Identity; snapshot: Snapshot }> => {
    if (socket.data.code !== code) {
      drop(rooms, socket);
      rooms.subscribe(code);
      socket.data = { code, host: false, playerId: null };
    }
    const before = socket.data.playerId;
    socket.data.host = host;
    socket.data.playerId = playerId;
    if (before !== playerId) {
      if (before) rooms.unbindPlayer(code, before);
      if (playerId) await rooms.bindPlayer(code, playerId);
    }
    // Gone while we waited: let go at once, so presence and memory stay right.
    if (!socket.connected) drop(rooms, socket);
    else void socket.join(channel(code));
    return { identity: identity(socket), snapshot: snapshot(rooms, code, socket.data) };
  };

  const noRoom = () => fail('not_found', 'There is no room with that code.');

  return {
    'room:create': async (socket, { settings }) => {
      const { code, hostToken } = rooms.create(settings);
      return { ok: true, data: { ...(await adopt(socket, code, true, null)), hostToken } };
    },
    'room:join': async (socket, { code, name, spectator }) => {
      if (!rooms.open(code)) return noRoom();
      const same = socket.data.code === code;
      if (same && socket.data.playerId) {
        return fail('conflict', 'This connection already plays in this room; leave first.');
      }
      const joined = await rooms.join(code, name, spectator);
      if (!joined.ok) {
        if (!same) rooms.release(code);
        return joined;
      }
      const { playerId, token } = joined;
      return {
        ok: true,
        data: { ...(await adopt(socket, code, same && socket.data.host, playerId)), token },
      };
    },
    'room:resume': async (socket, { code, token }) => {
      if (!rooms.open(code)) return noRoom();
      const credential = rooms.authenticate(code, token);
      const same = socket.data.code === code;
      if (!credential) {
        if (!same) rooms.release(code);
        return fail('forbidden', 'That token does not open this room (kicked, left or mistyped).');
      }
      const data =
        credential.role === 'host'
          ? await adopt(socket, code, true, same ? socket.data.playerId : null)
          : await adopt(socket, code, same && socket.data.host, credential.playerId);
      return { ok: true, data };
    },
    'room:watch': async (socket, { code }) => {
      if (!rooms.open(code)) return noRoom();
      return { ok: true, data: await adopt(socket, code, false, null) };
    },
    'room:sync': (socket, { since }) => {
      const { code } = socket.data;
      if (code === null) return fail('forbidden', 'Join, resume or watch a room first.');
      // A fogged seat cannot have events: it gets its view again.
      if (fogSeat(rooms.open(code)!, socket.data) !== null) {
        return { ok: true, data: { snapshot: snapshot(rooms, code, socket.data) } };
      }
      return { ok: true, data: rooms.sync(code, since) };
    },
  };
}

/**
 * The socket edge: every event is rate-limited, parsed by its schema, mapped
 * to the socket's verified role and handed to the room host. Nothing a client
 * sends can throw past this function; the answer is always an Ack.
 */
export function attachSockets(
  io: AppServer,
  rooms: RoomHost,
  options: { rateLimit: RateLimit; logger: Logger },
): void {
  const edgeOwn = edgeHandlers(rooms);
  io.on('connection', (socket) => {
    socket.data = { code: null, host: false, playerId: null };
    const bucket = new TokenBucket(options.rateLimit);

    // One command of a socket at a time, answered in the order they were sent.
    let chain: Promise<void> = Promise.resolve();

    socket.onAny((event: unknown, ...args: unknown[]) => {
      const ack = args[args.length - 1];
      // Without an acknowledgement there is no one to answer: the command is ignored.
      if (typeof ack !== 'function') return;
      const answer = edge(event, args);
      chain = chain.then(async () => {
        let result: Ack<unknown>;
        try {
          result = typeof answer === 'function' ? await answer() : answer;
        } catch (err) {
          options.logger.error(`${String(event)} failed`, err);
          result = fail(
            'internal',
            'The server failed to handle that; nothing changed. Try again.',
          );
        }
        try {
          (ack as (r: Ack<unknown>) => void)(result);
        } catch (err) {
          options.logger.error('answering a client failed', err);
        }
      });
    });

    /** The refusal at the edge, or the work to do once the socket's earlier commands are done. */
    const edge = (
      event: unknown,
      args: unknown[],
    ): Ack<unknown> | (() => Promise<Ack<unknown>>) => {
      // The bucket counts commands as they arrive, not as they are served.
      if (!bucket.take()) return fail('rate_limited', 'Too many commands: slow down a little.');
      if (!isWireName(event)) {
        return fail('bad_request', `Unknown event ${JSON.stringify(String(event).slice(0, 40))}.`);
      }
      if (args.length !== 2) {
        return fail('bad_request', `Send ${event} one payload object and an acknowledgement.`);
      }
      const parsed = parsePayload(event, COMMANDS[event].payload, args[0]);
      if (!parsed.ok) return fail('bad_request', parsed.message);
      const payload = parsed.data as Payload<typeof event>;
      // A command reads the socket's identity when its turn comes, not when it arrived.
      if (isEdgeName(event)) {
        const handler = edgeOwn[event] as EdgeHandler<typeof event>;
        return async () => handler(socket, payload as Payload<typeof event>);
      }
      return () => command(rooms, socket.data, event, payload as Payload<typeof event>);
    };

    socket.on('disconnect', () => {
      try {
        drop(rooms, socket);
      } catch (err) {
        options.logger.error('cleaning up a socket failed', err);
      }
    });
  });
}
