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
import type { ClientEventName, ParsedPayload } from '../shared/protocol/schemas.ts';
import { isClientEventName, parseClientPayload } from '../shared/protocol/schemas.ts';
import type { Actor, Envelope, RoomCommand } from '../shared/room/index.ts';
import { freeSeat } from '../shared/room/index.ts';
import { FogBatch, fogRound, fogSeat, snapshotFor } from './fog.ts';
import type { Logger } from './log.ts';
import type { RateLimit } from './ratelimit.ts';
import { TokenBucket } from './ratelimit.ts';
import type { RoomHost, RunResult, Transport } from './rooms.ts';
import { newPlayerId } from './rooms.ts';

/** Who a socket is, as verified by the server: set only by create, join, resume and watch. */
export interface SocketData {
  code: string | null;
  host: boolean;
  playerId: string | null;
}

/**
 * Who gives a command: a socket's verified identity, or a bot's (a player
 * with no socket). Both go through the same handlers.
 */
export type Caller = SocketData;

/** The events that bind a socket to a room: they need the socket itself. */
type SessionEvent = 'room:create' | 'room:join' | 'room:resume' | 'room:watch';
/** Every other event is a command of a caller in its room. */
export type CommandEvent = Exclude<ClientEventName, SessionEvent>;

const SESSION_EVENTS = new Set<ClientEventName>([
  'room:create',
  'room:join',
  'room:resume',
  'room:watch',
]);
const isCommandEvent = (event: ClientEventName): event is CommandEvent =>
  !SESSION_EVENTS.has(event);

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

type SessionHandler<E extends SessionEvent> = (
  socket: AppSocket,
  payload: ParsedPayload<E>,
) => AckOf<E> | Promise<AckOf<E>>;

type CommandHandler<E extends CommandEvent> = (
  caller: Caller,
  payload: ParsedPayload<E>,
) => AckOf<E> | Promise<AckOf<E>>;

type CommandTable = { [E in CommandEvent]: CommandHandler<E> };

const INTERNAL_ERROR = (): { ok: false; error: ErrorBody } =>
  fail('internal', 'The server failed to handle that; nothing changed. Try again.');

/**
 * The command API: parses a payload with the event's schema and runs its
 * handler for the caller. A socket's commands and a bot's come through here
 * alike; nothing it is given can throw past it.
 */
export class Commands {
  private readonly table: CommandTable;

  constructor(
    rooms: RoomHost,
    private readonly logger: Logger,
  ) {
    this.table = commandHandlers(rooms);
  }

  async invoke<E extends CommandEvent>(
    caller: Caller,
    event: E,
    raw: unknown,
  ): Promise<AckOf<E> | { ok: false; error: ErrorBody }> {
    try {
      const parsed = parseClientPayload(event, raw);
      if (!parsed.ok) return fail('bad_request', parsed.message);
      return await (this.table[event] as CommandHandler<E>)(caller, parsed.data);
    } catch (err) {
      this.logger.error(`${event} failed`, err);
      return INTERNAL_ERROR();
    }
  }
}

/** What a caller sees of its room now: the whole room, or its seat's view under fog of war. */
function snapshot(rooms: RoomHost, code: string, caller: Caller): Snapshot {
  return snapshotFor(rooms.open(code)!, caller, () => rooms.log(code));
}

/** Handlers of the events that bind a socket to a room, checked by the compiler. */
function sessionHandlers(rooms: RoomHost): { [E in SessionEvent]: SessionHandler<E> } {
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
  };
}

/** Handlers of every command, for any caller (a socket's identity or a bot's). */
function commandHandlers(rooms: RoomHost): CommandTable {
  /** The caller's verified role for this command; the engine decides what the role may do. */
  const act = async (
    caller: Caller,
    prefer: 'host' | 'player',
    command: RoomCommand,
  ): Promise<Ack<Done>> => {
    const { code, host, playerId } = caller;
    if (code === null) return fail('forbidden', 'Join, resume or watch a room first.');
    const player: Actor | null = playerId ? { role: 'player', playerId } : null;
    const hostActor: Actor | null = host ? { role: 'host' } : null;
    const actor = prefer === 'host' ? (hostActor ?? player) : (player ?? hostActor);
    if (!actor) return fail('forbidden', 'Watchers only watch: join or resume to act.');
    return done(await rooms.run(code, command, actor));
  };

  const done = (r: RunResult): Ack<Done> => (r.ok ? { ok: true, data: { seq: r.seq } } : r);
  const node = (caller: Caller, command: Extract<RoomCommand, { type: 'node' }>['command']) =>
    act(caller, 'player', { type: 'node', command });
  const host = (caller: Caller, command: RoomCommand) => act(caller, 'host', command);

  return {
    'room:sync': (caller, { since }) => {
      const { code } = caller;
      if (code === null) return fail('forbidden', 'Join, resume or watch a room first.');
      // A fogged seat cannot have events: it gets its view again.
      if (fogSeat(rooms.open(code)!, caller) !== null) {
        return { ok: true, data: { snapshot: snapshot(rooms, code, caller) } };
      }
      return { ok: true, data: rooms.sync(code, since) };
    },
    'room:leave': (caller, { bot }) => {
      const { playerId, code } = caller;
      if (!bot) return act(caller, 'player', { type: 'leave', playerId: playerId ?? '' });
      const seat = (code && rooms.open(code)?.players.find((p) => p.id === playerId)?.seat) ?? '';
      return act(caller, 'player', {
        type: 'leaveToBot',
        playerId: newPlayerId(),
        name: botName(seat),
        kind: bot,
      });
    },
    'node:newProposal': (caller, { value }) => node(caller, { type: 'newProposal', value }),
    'node:promiseRequest': (caller, { to }) => node(caller, { type: 'promiseRequest', to }),
    'node:acceptRequest': (caller, { to }) => node(caller, { type: 'acceptRequest', to }),
    'node:propose': (caller, { value, to }) => node(caller, { type: 'propose', value, to }),
    'host:settings': (caller, { settings }) => host(caller, { type: 'updateSettings', settings }),
    'host:startRound': (caller) => host(caller, { type: 'startRound' }),
    'host:endRound': (caller) => host(caller, { type: 'endRound' }),
    'host:kick': (caller, { playerId }) => host(caller, { type: 'kick', playerId }),
    'host:say': (caller, { text }) => host(caller, { type: 'say', text }),
    'host:close': (caller) => host(caller, { type: 'close' }),
    'host:network': (caller, { action, messageId, answer }) =>
      host(caller, { type: 'network', action, messageId, answer }),
    'node:answer': (caller, { messageId, answer }) =>
      act(caller, 'player', { type: 'answer', messageId, answer }),
    'node:endTurn': (caller) => act(caller, 'player', { type: 'endTurn' }),
    'host:pause': (caller) => host(caller, { type: 'pause' }),
    'host:resume': (caller) => host(caller, { type: 'resume' }),
    'host:skipTurn': (caller) => host(caller, { type: 'skipTurn' }),
    'host:addBot': (caller, { kind, seat }) => {
      const state = caller.code ? rooms.open(caller.code) : undefined;
      const where = seat ?? (state ? freeSeat(state) : null) ?? '';
      return host(caller, {
        type: 'addBot',
        playerId: newPlayerId(),
        name: botName(where),
        kind,
        seat: where || null,
      });
    },
  };
}

/** A bot is named after its seat, so players can tell who is who. */
const botName = (seat: string): string => `${seat || 'A'} (bot)`;

/**
 * The socket edge: every event is rate-limited, parsed by its schema, mapped
 * to the socket's verified role and handed to the room host. Nothing a client
 * sends can throw past this function; the answer is always an Ack.
 */
export function attachSockets(
  io: AppServer,
  rooms: RoomHost,
  commands: Commands,
  options: { rateLimit: RateLimit; logger: Logger },
): void {
  const sessions = sessionHandlers(rooms);
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
      if (!isClientEventName(event)) {
        return fail('bad_request', `Unknown event ${JSON.stringify(String(event).slice(0, 40))}.`);
      }
      if (args.length !== 2) {
        return fail('bad_request', `Send ${event} one payload object and an acknowledgement.`);
      }
      // A command reads the socket's identity when its turn comes, not when it arrived.
      if (isCommandEvent(event)) return () => commands.invoke(socket.data, event, args[0]);
      const parsed = parseClientPayload(event, args[0]);
      if (!parsed.ok) return fail('bad_request', parsed.message);
      return async () => (sessions[event] as SessionHandler<typeof event>)(socket, parsed.data);
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
