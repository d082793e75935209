/*
 * One browser's view of one room, as the components see it: a thin facade
 * over the state classes, each the one owner of its part —
 *
 *   connection.svelte.ts  the socket, the link, typed `ask` and server events
 *   room.svelte.ts        the room as this browser folds it (events, fog views, sync, clock)
 *   session.svelte.ts     tokens, identity, seat, phase; create, join, resume, watch, fork
 *   timeline.svelte.ts    the room as it was after any event of the round (read-only)
 *
 * Components read the getters and send commands with `command(name, payload)`,
 * typed by the command catalogue (shared/room/commands.ts). They never see the
 * connection.
 */
import type { ClientPayload, Identity } from '../../shared/protocol/index.ts';
import type {
  BotKind,
  GenericName,
  Player,
  RoomError,
  RoomSettings,
  RoomState,
  TranscriptLine,
} from '../../shared/room/index.ts';
import { Connection, wireSettings } from './connection.svelte.ts';
import type { Link } from './connection.svelte.ts';
import type { Flights } from './flights.svelte.ts';
import { Timers } from './flights.svelte.ts';
import type { Notice } from './notices.svelte.ts';
import { Notices } from './notices.svelte.ts';
import type { Move, refusal } from './refusals.ts';
import type { History, Mistake } from './room.svelte.ts';
import { Room } from './room.svelte.ts';
import type { Phase } from './session.svelte.ts';
import { Session } from './session.svelte.ts';
import type { Timeline } from './timeline.svelte.ts';
import type { ReplyRecord } from './views.ts';

export type { Link, Mistake, Move, Notice, Phase };

/** Every move's reason while the connection is lost (the banner says the same). */
const RECONNECTING: RoomError = {
  code: 'conflict',
  message: 'Reconnecting… you can act again once the connection is back.',
};

export class Game {
  readonly #timers = new Timers();
  readonly #notices = new Notices();
  readonly #connection = new Connection(this.#timers);
  readonly #room: Room;
  readonly #session: Session;
  /** The engine's dry run (client/lib/refusals.ts), once loaded. */
  #refusal = $state.raw<typeof refusal | null>(null);
  #loading = false;
  /** The round's timeline (client/lib/timeline.svelte.ts), once loaded. */
  #timeline = $state.raw<Timeline | null>(null);
  #timing = false;

  constructor() {
    const me = () => this.#session.identity?.playerId ?? null;
    this.#room = new Room(this.#connection, this.#notices, this.#timers, me);
    this.#session = new Session(this.#connection, this.#room, this.#notices);
  }

  /* ---- what the components read ---- */

  get link(): Link {
    return this.#connection.link;
  }
  /** The connection is lost: commands fail at once, buttons wait ("Reconnecting…"). */
  get offline(): boolean {
    return this.#connection.offline;
  }
  get notices(): Notice[] {
    return this.#notices.list;
  }
  get code(): string | null {
    return this.#session.code;
  }
  get phase(): Phase {
    return this.#session.phase;
  }
  get busy(): boolean {
    return this.#session.busy;
  }
  get identity(): Identity | null {
    return this.#session.identity;
  }
  get isHost(): boolean {
    return this.#session.isHost;
  }
  /** The room's screen key, in the host's browser (the projector's link carries it). */
  get screenKey(): string | null {
    return this.#session.screenKey;
  }
  get me(): Player | null {
    return this.#session.me;
  }
  get seat(): string | null {
    return this.#session.seat;
  }
  get state(): RoomState | null {
    return this.#room.state;
  }
  get lines(): TranscriptLine[] {
    return this.#room.lines;
  }
  get replies(): ReplyRecord[] {
    return this.#room.replies;
  }
  get mistakes(): Mistake[] {
    return this.#room.mistakes;
  }
  get partialHistory(): boolean {
    return this.#room.partialHistory;
  }
  /** The envelopes and fog views this browser folded (the diagram draws the round from them). */
  get history(): History {
    return this.#room.history;
  }
  get flights(): Flights {
    return this.#room.flights;
  }

  /** The server's clock now, as well as this browser can tell. */
  serverNow(): number {
    return this.#room.serverNow();
  }

  /* ---- the session's flows ---- */

  open = (code: string) => this.#session.open(code);
  watch = (code: string) => this.#session.watch(code);
  create = (settings: RoomSettings, name: string | null) => this.#session.create(settings, name);
  join = (name: string, spectator: boolean, code?: string) =>
    this.#session.join(name, spectator, code);

  /**
   * The host's what-if room from event `at`: a new room with the log up to it, whose host
   * token this browser keeps. Returns its code, to open it (or null, refused: a notice says why).
   */
  fork = (at: number) => this.#session.fork(at);

  /** The host makes a new screen key: the projector link changes, the old one stops working. */
  newScreenKey = () => this.#session.newScreenKey();

  /** The host's settings for the next round (a majority or no turn limit is left out: see wireSettings). */
  changeSettings = (settings: RoomSettings) =>
    this.command('host:settings', { settings: wireSettings(settings) });

  /** Gives the seat up for good (to a bot of kind `bot`, if given): the token stops working. */
  async leave(bot?: BotKind): Promise<boolean> {
    const done = await this.command('room:leave', bot ? { bot } : {});
    if (done) this.#session.forgetSeat();
    return done;
  }

  /* ---- commands ---- */

  /**
   * Sends a command of the catalogue: `command('node:promiseRequest', { to: 'Ben' })`.
   * A refusal becomes a notice; once acknowledged, the room makes sure its events arrive.
   */
  async command<E extends GenericName>(name: E, payload: ClientPayload<E>): Promise<boolean> {
    const r = await this.#connection.ask(name, payload);
    if (!r.ok) {
      this.#notices.notify(r.error);
      return false;
    }
    this.#room.expect(r.data.seq);
    return true;
  }

  /**
   * Looking back through the round's events (loaded on first use, null until then): while
   * `timeline.state` is set, the screens show that past room, read-only.
   */
  get timeline(): Timeline | null {
    if (!this.#timing) {
      this.#timing = true;
      import('./timeline.svelte.ts').then(
        (m) => (this.#timeline = new m.Timeline(this.#room)),
        () => (this.#timing = false), // offline for a moment: the next look tries again
      );
    }
    return this.#timeline;
  }

  /**
   * Why the engine would refuse this move of mine now, in its own words (a dry
   * run of its decideRoom, loaded on first use); null when it would go ahead,
   * when I am no player, or until the dry run has loaded. While the connection
   * is lost nothing can be sent: every move says so (and its button is disabled).
   */
  refusal(move: Move): RoomError | null {
    const state = this.#room.state;
    const playerId = this.#session.identity?.playerId;
    if (!state || !playerId) return null;
    if (this.#connection.offline) return RECONNECTING;
    if (this.#refusal) return this.#refusal(state, move, playerId);
    if (!this.#loading) {
      this.#loading = true;
      import('./refusals.ts').then(
        (m) => (this.#refusal = m.refusal),
        () => (this.#loading = false), // offline for a moment: the next question tries again
      );
    }
    return null;
  }

  /* ---- notices and the end ---- */

  dismiss(id: number): void {
    this.#notices.dismiss(id);
  }

  /** Stops everything: the socket closes and the timers are cleared. */
  destroy(): void {
    this.#timers.clear();
    this.#connection.close();
  }
}
