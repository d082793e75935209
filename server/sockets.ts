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
import type {
  Actor,
  EdgeName,
  GenericName,
  Payload,
  TranscriptLine,
  WireName,
} from '../shared/room/index.ts';
import { COMMANDS, isEdgeName, isWireName, roomCommand } from '../shared/room/index.ts';
import { isClassName } from '../shared/room/commands.ts';
import type { ClassCommandName } from '../shared/room/commands.ts';
import type { ClassIdentity, ClassSocket } from './class-sockets.ts';
import { classHandlers } from './class-sockets.ts';
import type { ClassHost } from './classes.ts';
import { ROOM_LOCKED } from '../shared/room/decide.ts';
import { FogBatch, eventsWithoutScript, fogRound, fogSeat, scriptFor, snapshotFor } from './fog.ts';
import { forkRoom } from './fork.ts';
import type { AddressBook, AddressRecord } from './limits.ts';
import { requestAddress } from './limits.ts';
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
  /** A watcher that gave the room's screen key: it sees through the fog (server/fog.ts). */
  screen: boolean;
  /** Who the socket is in a class (server/class-sockets.ts), apart from any room. */
  cls: ClassIdentity | null;
}

/**
 * Who gives a command: a socket's verified identity. (Drivers — bots, timers —
 * do not come through here: they submit room commands to the room directly.)
 */
export type Caller = Omit<SocketData, 'cls'>;

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

/** Every printed line of a room (server/transcripts.ts keeps them). */
export interface RoomLines {
  /** The lines up to a seq, now (only what is not cached yet is folded). */
  upTo(code: string, seq: number): readonly TranscriptLine[];
  /** Folds what is not cached yet in slices, between other work; resolves to the events folded. */
  warm(code: string): Promise<number>;
}

/** How long an address whose connection was closed for invalid frames may not connect. */
const INVALID_COOL_MS = 5000;

/** The refusals of the per-address limits (server/limits.ts, docs/PROTOCOL.md "Limits"). */
const REFUSED = {
  socket: 'Too many commands: slow down a little.',
  address: 'Too many commands from your address (all its connections together): slow down.',
  events: 'Your address wrote too many events in a short time: wait a few seconds.',
  reads: 'Your address read too many big rooms in a short time: wait a few seconds.',
  rooms: 'Too many rooms created from your address: wait a minute.',
  screenKey: 'That screen link is out of date or mistyped: ask the host for the one on their page.',
  lookups: 'Too many unknown room codes from your address: wait a minute and check the code.',
  invalid:
    'Too many invalid messages from your address: this connection closes, and new ones are refused for a while.',
} as const;

/**
 * socket.io rooms as the transport: one broadcast per command, encoded once
 * for all. While a fogged round is played (and at its reveal), each socket is
 * sent what its audience may see instead (`FogBatch`).
 */
export function socketTransport(io: AppServer, lines: RoomLines): Transport {
  return {
    publish(code, envelopes, before, after) {
      if (!fogRound(before) && !fogRound(after)) {
        // A guided demo's script goes to the host alone (server/fog.ts).
        const open = eventsWithoutScript(envelopes);
        if (open === envelopes) {
          io.to(channel(code)).emit('room:events', { code, events: envelopes });
          return;
        }
        for (const id of io.of('/').adapter.rooms.get(channel(code)) ?? []) {
          const socket = io.of('/').sockets.get(id);
          const events = socket?.data.host ? envelopes : open;
          socket?.emit('room:events', { code, events });
        }
        return;
      }
      const batch = new FogBatch(code, envelopes, before, after, (seq) => lines.upTo(code, seq));
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

/**
 * Leaves whatever room the socket was in: presence and memory follow. With
 * `restart`, the server is stopping: the player keeps a turn of theirs.
 */
function drop(rooms: RoomHost, socket: AppSocket, restart = false): void {
  const { code, playerId } = socket.data;
  if (code === null) return;
  Object.assign(socket.data, { code: null, host: false, playerId: null, screen: false });
  void socket.leave(channel(code));
  if (playerId) rooms.unbindPlayer(code, playerId, restart);
  rooms.unsubscribe(code);
}

type EdgeHandler<E extends EdgeName> = (
  socket: AppSocket,
  payload: Payload<E>,
  from: AddressRecord,
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
  meter?: (events: number) => void,
): Promise<Ack<Done>> {
  const { code, host, playerId } = caller;
  if (code === null) return fail('forbidden', 'Join, resume or watch a room first.');
  const player: Actor | null = playerId ? { role: 'player', playerId } : null;
  const hostActor: Actor | null = host ? { role: 'host' } : null;
  const actor = COMMANDS[name].who === 'host' ? (hostActor ?? player) : (player ?? hostActor);
  if (!actor) return fail('forbidden', 'Watchers only watch: join or resume to act.');
  const r = await rooms.run(code, roomCommand(name, payload, newPlayerId), actor, undefined, meter);
  return r.ok ? { ok: true, data: { seq: r.seq } } : r;
}

/** The edge's own commands: they bind a socket to a room, or read. Checked by the compiler. */
function edgeHandlers(rooms: RoomHost, lines: RoomLines): { [E in EdgeName]: EdgeHandler<E> } {
  /** What a caller sees of its room now: the whole room, or its seat's view under fog of war. */
  const snapshot = (code: string, caller: Caller): Snapshot =>
    snapshotFor(rooms.open(code)!, caller, (seq) => lines.upTo(code, seq));

  const identity = (socket: AppSocket): Identity => {
    const { code, host, playerId, screen } = socket.data;
    const state = code ? rooms.open(code) : null;
    const seat = state?.players.find((p) => p.id === playerId)?.seat ?? null;
    return { code: code ?? '', host, playerId, seat, ...(screen ? { screen: true as const } : {}) };
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
    screen = false,
  ): Promise<{ identity: Identity; snapshot: Snapshot }> => {
    if (socket.data.code !== code) {
      drop(rooms, socket);
      rooms.subscribe(code);
      Object.assign(socket.data, { code, host: false, playerId: null, screen: false });
    }
    const before = socket.data.playerId;
    socket.data.host = host;
    socket.data.screen = screen;
    socket.data.playerId = playerId;
    if (before !== playerId) {
      if (before) rooms.unbindPlayer(code, before);
      if (playerId) await rooms.bindPlayer(code, playerId);
    }
    // Gone while we waited: let go at once, so presence and memory stay right.
    if (!socket.connected) drop(rooms, socket);
    else void socket.join(channel(code));
    return { identity: identity(socket), snapshot: snapshot(code, socket.data) };
  };

  const noRoom = () => fail('not_found', 'There is no room with that code.');

  /**
   * Looks a room code up for an address, loading the room if it is not in
   * memory (without stalling the server: `preload`). Unknown codes are counted
   * against the address; past its budget every lookup is refused, since a
   * success would tell a live code from a dead one, except a resume with a
   * token of that very room (it proves the code already). Folding a room that
   * was not in memory is charged to the address's reads.
   */
  const find = async (
    from: AddressRecord,
    code: string,
    token?: string,
  ): Promise<{ ok: false; error: ErrorBody } | null> => {
    if (from.lookups.empty() && (token === undefined || rooms.tokenRoom(token) !== code)) {
      return fail('rate_limited', REFUSED.lookups);
    }
    if (!rooms.loaded(code) && from.reads.empty()) return fail('rate_limited', REFUSED.reads);
    const read = await rooms.preload(code);
    if (read === null) {
      from.lookups.take();
      return noRoom();
    }
    from.reads.charge(read);
    // A fogged seat's snapshot cuts its view from the room's lines: have them ready.
    const state = rooms.open(code);
    if (state && fogRound(state)) from.reads.charge(await lines.warm(code));
    return null;
  };

  return {
    'room:create': async (socket, { settings }, from) => {
      if (!from.roomsCreated.take()) return fail('rate_limited', REFUSED.rooms);
      const { code, hostToken, screenKey } = await rooms.create(settings);
      return {
        ok: true,
        data: { ...(await adopt(socket, code, true, null)), hostToken, screenKey },
      };
    },
    'room:join': async (socket, { code, name, spectator, browser }, from) => {
      const missing = await find(from, code);
      if (missing) return missing;
      const same = socket.data.code === code;
      if (same && socket.data.playerId) {
        return fail('conflict', 'This connection already plays in this room; leave first.');
      }
      const joined = await rooms.join(code, name, spectator, browser);
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
    'room:resume': async (socket, { code, token, browser }, from) => {
      const missing = await find(from, code, token);
      if (missing) return missing;
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
      // Every browser that held a seat is remembered with it: a kick bars them all.
      if (credential.playerId !== null && browser !== undefined) {
        await rooms.noteBrowser(code, credential.playerId, browser);
      }
      return { ok: true, data };
    },
    'room:watch': async (socket, { code, key }, from) => {
      const missing = await find(from, code);
      if (missing) return missing;
      const same = socket.data.code === code;
      const refuse = (message: string) => {
        if (!same) rooms.release(code);
        return fail('forbidden', message);
      };
      if (key !== undefined && !rooms.screenKeyOpens(code, key)) return refuse(REFUSED.screenKey);
      // A locked room lets in its screens (with the key), not new watchers.
      if (key === undefined && !same && rooms.open(code)?.locked) return refuse(ROOM_LOCKED);
      return { ok: true, data: await adopt(socket, code, false, null, key !== undefined) };
    },
    // A new screen key: stored (hashed) before it is answered. The screens that watch with
    // the old one see the room as any watcher does from now on (fogged while a fogged round
    // is played: they get a replacing view at once).
    'host:screenKey': async (socket) => {
      const { code, host } = socket.data;
      if (code === null) return fail('forbidden', 'Join, resume or watch a room first.');
      if (!host) return fail('forbidden', 'Only the host can do that.');
      const screenKey = await rooms.newScreenKey(code);
      const screens = [...(socket.nsp.adapter.rooms.get(channel(code)) ?? [])]
        .map((id) => socket.nsp.sockets.get(id))
        .filter((s): s is AppSocket => s?.data.code === code && s.data.screen);
      if (screens.length > 0 && fogRound(rooms.open(code)!)) await lines.warm(code);
      for (const screen of screens) {
        if (screen.data.code !== code || !screen.data.screen) continue;
        screen.data.screen = false;
        if (fogSeat(rooms.open(code)!, screen.data) === null) continue;
        const { state, lines: readable = [] } = snapshot(code, screen.data);
        screen.emit('room:view', { code, state, lines: readable, replace: true });
      }
      return { ok: true, data: { screenKey } };
    },
    'room:sync': (socket, { since }, from) => {
      const { code } = socket.data;
      if (code === null) return fail('forbidden', 'Join, resume or watch a room first.');
      if (from.reads.empty()) return fail('rate_limited', REFUSED.reads);
      // A fogged seat cannot have events: it gets its view again.
      if (fogSeat(rooms.open(code)!, socket.data) !== null) {
        return { ok: true, data: { snapshot: snapshot(code, socket.data) } };
      }
      const synced = rooms.sync(code, since);
      // Events read from the store count as reads of the address (a snapshot is in memory).
      if ('events' in synced) from.reads.charge(synced.events.length);
      if (socket.data.host) return { ok: true, data: synced };
      const data =
        'events' in synced
          ? { events: eventsWithoutScript(synced.events) }
          : {
              snapshot: {
                ...synced.snapshot,
                state: scriptFor(socket.data, synced.snapshot.state),
              },
            };
      return { ok: true, data };
    },
    // A what-if room (server/fork.ts). The socket stays in its room; the caller opens the
    // fork with its host token. A fork is a room created: the address's room budget pays.
    'host:fork': async (socket, { at }, from) => {
      const { code, host } = socket.data;
      if (code === null) return fail('forbidden', 'Join, resume or watch a room first.');
      if (!host) return fail('forbidden', 'Only the host can do that.');
      if (from.roomsCreated.empty()) return fail('rate_limited', REFUSED.rooms);
      if (from.events.empty()) return fail('rate_limited', REFUSED.events);
      if (from.reads.empty()) return fail('rate_limited', REFUSED.reads);
      const { ack, read, written } = await forkRoom(rooms, code, at);
      from.reads.charge(read);
      if (ack.ok) {
        from.roomsCreated.take();
        from.events.charge(written);
      }
      return ack;
    },
  };
}

/**
 * One log line per command that binds a socket or that the host gave (the room's story, not
 * every move of play): the room, the event and who, never a token, key or browser id.
 */
function logged(logger: Logger, event: WireName, caller: Caller): void {
  if (event === 'room:sync' || (!isEdgeName(event) && COMMANDS[event].who !== 'host')) return;
  logger.info(event, {
    room: caller.code,
    event,
    ...(caller.playerId ? { player: caller.playerId } : {}),
    ...(caller.host ? { host: true } : {}),
    ...(caller.screen ? { screen: true } : {}),
  });
}

/**
 * The socket edge: every event is rate-limited (per socket and per address),
 * parsed by its schema, mapped to the socket's verified role and handed to the
 * room host. Nothing a client sends can throw past this function; the answer
 * is always an Ack. Frames that cannot be served (invalid, or past a rate limit)
 * are counted against the address; past its budget the connection is closed.
 */
export function attachSockets(
  io: AppServer,
  rooms: RoomHost,
  options: {
    rateLimit: RateLimit;
    logger: Logger;
    book: AddressBook;
    lines: RoomLines;
    classes: ClassHost;
  },
): void {
  const edgeOwn = edgeHandlers(rooms, options.lines);
  const classOwn = classHandlers(options.classes);
  const touched = (caller: Caller) => {
    if (caller.code !== null && caller.playerId !== null) {
      options.classes.touched(caller.code, caller.playerId);
    }
  };
  const { book } = options;
  io.on('connection', (socket) => {
    socket.data = { code: null, host: false, playerId: null, screen: false, cls: null };
    const bucket = new TokenBucket(options.rateLimit);
    // The connection is counted under this address until it closes (server/app.ts).
    const from = book.of(requestAddress(socket.request, book.limits.trustProxy));
    /** A command's events, once committed, are charged to its address (one closure a socket). */
    const meter = (events: number) => from.events.charge(events);

    // One command of a socket at a time, answered in the order they were sent.
    let chain: Promise<void> = Promise.resolve();
    let closing = false;

    /**
     * A frame the server cannot serve. Past the address's budget this connection
     * is closed, once the answers already due (this frame's too) have gone out;
     * frames that come meanwhile are not even looked at.
     */
    const invalid = (): void => {
      if (closing || from.invalid.take()) return;
      closing = true;
      // Its new connections are cut for a while (5 s, or until a token is due again).
      book.cool(from, Math.max(INVALID_COOL_MS, from.invalid.waitMs()));
    };

    socket.onAny((event: unknown, ...args: unknown[]) => {
      if (closing) return;
      const ack = args[args.length - 1];
      // Without an acknowledgement there is no one to answer: the command is ignored.
      if (typeof ack === 'function') {
        const served = edge(event, args);
        // The frame that spent the address's budget is told what follows.
        const answer = closing ? fail('rate_limited', REFUSED.invalid) : served;
        chain = chain.then(async () => {
          let result: Ack<unknown>;
          try {
            result = typeof answer === 'function' ? await answer() : answer;
          } catch (err) {
            options.logger.error(`${String(event)} failed`, err, {
              room: socket.data.code,
              event: String(event).slice(0, 40),
            });
            result = fail(
              'internal',
              'The server failed to handle that; nothing changed. Try again.',
            );
          }
          if (result.ok && isWireName(event)) logged(options.logger, event, socket.data);
          try {
            (ack as (r: Ack<unknown>) => void)(result);
          } catch (err) {
            options.logger.error('answering a client failed', err);
          }
        });
      } else {
        invalid();
      }
      if (closing) chain = chain.then(() => void socket.disconnect(true));
    });

    /** The refusal at the edge, or the work to do once the socket's earlier commands are done. */
    const edge = (
      event: unknown,
      args: unknown[],
    ): Ack<unknown> | (() => Promise<Ack<unknown>>) => {
      // The buckets count commands as they arrive, not as they are served.
      const refused = !bucket.take()
        ? REFUSED.socket
        : !from.commands.take()
          ? REFUSED.address
          : null;
      if (refused) {
        invalid();
        return fail('rate_limited', refused);
      }
      if (!isWireName(event)) {
        invalid();
        return fail('bad_request', `Unknown event ${JSON.stringify(String(event).slice(0, 40))}.`);
      }
      if (args.length !== 2) {
        invalid();
        return fail('bad_request', `Send ${event} one payload object and an acknowledgement.`);
      }
      const parsed = parsePayload(event, COMMANDS[event].payload, args[0]);
      if (!parsed.ok) {
        invalid();
        return fail('bad_request', parsed.message);
      }
      const payload = parsed.data as Payload<typeof event>;
      // A command reads the socket's identity when its turn comes, not when it arrived.
      if (isClassName(event)) {
        const handler = classOwn[event] as (
          socket: ClassSocket,
          payload: Payload<ClassCommandName>,
          from: AddressRecord,
        ) => Ack<unknown> | Promise<Ack<unknown>>;
        // A class command that writes pays for its events as a room command does.
        if (COMMANDS[event].who === 'host' && from.events.empty()) {
          return fail('rate_limited', REFUSED.events);
        }
        return async () =>
          handler(socket as unknown as ClassSocket, payload as Payload<ClassCommandName>, from);
      }
      if (isEdgeName(event)) {
        const handler = edgeOwn[event] as EdgeHandler<typeof event>;
        return async () => handler(socket, payload as Payload<typeof event>, from);
      }
      // A command writes events: the address pays for them once they are committed.
      if (from.events.empty()) return fail('rate_limited', REFUSED.events);
      return async () => {
        const r = await command(rooms, socket.data, event, payload as Payload<typeof event>, meter);
        // A seat of a class's table that acts is not idle (the dashboard's summary).
        if (r.ok) touched(socket.data);
        return r;
      };
    };

    // A frame socket.io could not decode closes the connection; it counts as invalid too.
    socket.on('error', () => invalid());
    socket.on('disconnect', (reason) => {
      if (reason === 'parse error') invalid();
      try {
        // io.close(): the server stops (or restarts), the player does not go.
        drop(rooms, socket, reason === 'server shutting down');
      } catch (err) {
        options.logger.error('cleaning up a socket failed', err);
      }
    });
  });
}
