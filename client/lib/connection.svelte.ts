/*
 * The socket to the server, and the only file that imports socket.io-client
 * (.dependency-cruiser.cjs checks it). It owns the link state and
 * reconnection; everyone else sends a command with `ask` and hears the
 * server's events through `on`, both typed by the event maps that derive from
 * the command catalogue (shared/protocol/index.ts).
 */
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import type {
  AckOf,
  ClientEventName,
  ClientPayload,
  ClientToServerEvents,
  ErrorBody,
  ServerToClientEvents,
} from '../../shared/protocol/index.ts';
import { PROTOCOL_VERSION } from '../../shared/protocol/index.ts';
import type { SettingsInput } from '../../shared/protocol/schemas.ts';
import type { RoomSettings } from '../../shared/room/settings.ts';
import type { Timers } from './flights.svelte.ts';

export type Link = 'connecting' | 'online' | 'lost' | 'back';
export type ServerEventName = keyof ServerToClientEvents;

const ACK_TIMEOUT_MS = 10_000;
export const NO_ANSWER: ErrorBody = {
  code: 'internal',
  message: 'The server did not answer in time. Check the connection and try again.',
};
/**
 * How long a command waits for the page's first connection (a server that refuses new
 * connections for a while, its address's budget spent, lets the page in as it refills).
 */
const FIRST_CONNECT_MS = 60_000;
export const UNREACHABLE: ErrorBody = {
  code: 'internal',
  message: 'Cannot reach the server yet: nothing was sent. Check the connection and try again.',
};
/** What a command sent while the connection is lost answers at once: nothing was sent. */
export const OFFLINE: ErrorBody = {
  code: 'internal',
  message: 'You are offline (reconnecting…): nothing was sent. Try again once you are back.',
};

type ServerSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * Settings as the wire takes them. The room's state says "a majority" and "no turn limit"
 * with null; on the wire they are left out, since the server refuses a null there (JSON turns
 * NaN and Infinity into null, so a null cannot be trusted to mean anything).
 */
export function wireSettings(settings: RoomSettings): SettingsInput {
  const { quorum, rules, ...rest } = settings;
  const wire: SettingsInput = quorum === null ? rest : { ...rest, quorum };
  if (rules) {
    const { turnLimit, ...others } = rules;
    wire.rules = turnLimit === null ? others : { ...others, turnLimit };
  }
  return wire;
}

/*
 * socket.io types `emitWithAck` and `on` with conditional types that TypeScript
 * resolves for each event name, but not for a generic one (microsoft/TypeScript#30581).
 * So `ask` and `on` are written with the event maps' own signatures, and `Agrees`
 * proves, name by name, that socket.io's typing of the same call is exactly that
 * signature: payload in, that command's ack out. If one name disagrees, `Ask` and
 * `On` are `never` and this file does not compile.
 */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- only its type is read, name by name
declare const typing: ServerSocket;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type AskIn<E extends ClientEventName> = Parameters<typeof typing.emitWithAck<E>>;
type AskOut<E extends ClientEventName> = ReturnType<typeof typing.emitWithAck<E>>;
type OnIn<K extends ServerEventName> = Parameters<typeof typing.on<K>>;
type Agreements =
  | { [E in ClientEventName]: Same<AskIn<E>, [E, ClientPayload<E>]> }[ClientEventName]
  | { [E in ClientEventName]: Same<AskOut<E>, Promise<AckOf<E>>> }[ClientEventName]
  | { [K in ServerEventName]: Same<OnIn<K>, [K, ServerToClientEvents[K]]> }[ServerEventName];
type Agrees = false extends Agreements ? false : true;
type Ask = Agrees extends true
  ? <E extends ClientEventName>(name: E, payload: ClientPayload<E>) => Promise<AckOf<E>>
  : never;
type On = Agrees extends true
  ? <K extends ServerEventName>(name: K, listener: ServerToClientEvents[K]) => void
  : never;

export class Connection {
  #link = $state<Link>('connecting');
  readonly #socket: ServerSocket;
  readonly #timers: Timers;
  #wasConnected = false;
  /** Handshakes refused in a row (rate_limited): the wait before the next one doubles. */
  #refusals = 0;
  #reconnected: (() => void)[] = [];
  /** Settles true at the first connect. */
  readonly #firstConnect: Promise<boolean>;

  constructor(timers: Timers) {
    this.#timers = timers;
    // Long-polling first, then WebSocket; never WebTransport (see vite.config.ts).
    // `ackTimeout`: every acknowledgement is awaited this long, then `ask` answers NO_ANSWER.
    this.#socket = io({
      auth: { protocol: PROTOCOL_VERSION },
      transports: ['polling', 'websocket'],
      ackTimeout: ACK_TIMEOUT_MS,
    });
    this.#firstConnect = new Promise((resolve) =>
      this.#socket.once('connect', () => resolve(true)),
    );
    this.#socket.on('connect', () => {
      const again = this.#wasConnected;
      this.#wasConnected = true;
      this.#refusals = 0;
      this.#link = again ? 'back' : 'online';
      if (!again) return;
      this.#timers.later(() => {
        if (this.#link === 'back') this.#link = 'online';
      }, 4000);
      for (const listener of this.#reconnected) listener();
    });
    this.#socket.on('disconnect', (reason) => {
      this.#link = 'lost';
      // socket.io reconnects by itself unless the server hung up on purpose; come back anyway.
      if (reason === 'io server disconnect') this.#timers.later(() => this.#socket.connect(), 2000);
    });
    this.#socket.on('connect_error', (err) => {
      this.#link = this.#wasConnected ? 'lost' : 'connecting';
      // The server's handshake refused us for its per-address budgets (a class behind one
      // school address, all connecting in the same seconds): socket.io does not retry a
      // refusal by itself, so try again, later each time and spread out, until it lets us in.
      const code = (err as { data?: { code?: unknown } }).data?.code;
      if (code === 'rate_limited' && !this.#socket.active) {
        const wait = Math.min(8000, 1000 * 2 ** this.#refusals++) * (1 + Math.random());
        this.#timers.later(() => this.#socket.connect(), wait);
      }
    });
  }

  /** Whether the server can hear us: first connecting, then online, lost, or back again. */
  get link(): Link {
    return this.#link;
  }

  /** The connection was made and is lost now: commands cannot be sent (`ask` says OFFLINE). */
  get offline(): boolean {
    return this.#link === 'lost';
  }

  /**
   * Sends a command and waits for its acknowledgement; silence answers NO_ANSWER. Once the
   * connection is lost a command fails at once (OFFLINE) rather than waiting for a timeout,
   * or, buffered by socket.io, running later without anyone knowing; a command waiting for
   * its answer when the link drops fails then. While the first connection is being made,
   * commands wait for it (the page's first resume or watch), and only then are sent: their
   * answer's wait starts once the server can hear them.
   */
  async ask<E extends ClientEventName>(name: E, payload: ClientPayload<E>): Promise<AckOf<E>> {
    if (this.#link === 'connecting') {
      const given = new Promise<boolean>((resolve) =>
        this.#timers.later(() => resolve(false), FIRST_CONNECT_MS),
      );
      if (!(await Promise.race([this.#firstConnect, given]))) {
        return { ok: false, error: UNREACHABLE };
      }
    }
    if (this.#link === 'lost') return { ok: false, error: OFFLINE };
    const emitWithAck = this.#socket.emitWithAck.bind(this.#socket) as Ask;
    try {
      return await emitWithAck(name, payload);
    } catch {
      return { ok: false, error: NO_ANSWER };
    }
  }

  /** Hears one of the server's events, for as long as this connection lives. */
  on<K extends ServerEventName>(name: K, listener: ServerToClientEvents[K]): void {
    const on = this.#socket.on.bind(this.#socket) as On;
    on(name, listener);
  }

  /** Runs `listener` each time the socket connects again after it was lost. */
  onReconnect(listener: () => void): void {
    this.#reconnected.push(listener);
  }

  close(): void {
    this.#socket.disconnect();
  }
}
