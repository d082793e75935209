/*
 * One browser's view of one room. The class owns the socket; components only
 * read its state and call its methods. It folds the server's events with the
 * same `evolveRoom` the server uses, so nothing of the game is re-implemented
 * here: a gap in the sequence numbers, or a new connection, asks the server
 * for what was missed (`room:sync`).
 */
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import type {
  AckOf,
  ClientEventName,
  ClientPayload,
  ErrorBody,
  Identity,
  ServerToClientEvents,
  ClientToServerEvents,
  Snapshot,
  View,
} from '../../shared/protocol/index.ts';
import { PROTOCOL_VERSION } from '../../shared/protocol/index.ts';
import type {
  BotKind,
  Envelope,
  FRIENDS,
  NetworkAction,
  RoomSettings,
  RoomState,
  TranscriptLine,
} from '../../shared/room/index.ts';
import { evolveRoom } from '../../shared/room/index.ts';
import { Flights, Timers } from './flights.svelte.ts';
import { loadTokens, rememberName, saveTokens } from './storage.ts';
import type { FlightSpec, ReplyRecord } from './views.ts';
import { stepOf } from './views.ts';

type Friend = (typeof FRIENDS)[number];

export type Phase = 'connecting' | 'join' | 'in' | 'watching' | 'missing';
export type Link = 'connecting' | 'online' | 'lost' | 'back';

/** A wrong answer of mine as an acceptor, with the rule's explanation. */
export interface Mistake {
  messageId: number;
  explanation: string;
  /** Applied anyway (the instructor's demo) rather than refused. */
  applied: boolean;
}

export interface Notice {
  id: number;
  text: string;
  /** What the seed notebook prints for this refusal, when it prints something. */
  seedLine?: string;
}

const ACK_TIMEOUT_MS = 10_000;
const NO_ANSWER: ErrorBody = {
  code: 'internal',
  message: 'The server did not answer in time. Check the connection and try again.',
};

type Emitter = {
  emit(event: string, payload: unknown, ack: (err: Error | null, result: unknown) => void): void;
};

export class Game {
  code = $state<string | null>(null);
  phase = $state<Phase>('connecting');
  link = $state<Link>('connecting');
  state = $state.raw<RoomState | null>(null);
  identity = $state.raw<Identity | null>(null);
  lines = $state.raw<TranscriptLine[]>([]);
  /** Replies handled in the current round, oldest first. */
  replies = $state.raw<ReplyRecord[]>([]);
  /** The log does not start at the room's beginning (the server sent a snapshot). */
  partialHistory = $state(false);
  notices = $state.raw<Notice[]>([]);
  /** My wrong answers as an acceptor in the current round, oldest first. */
  mistakes = $state.raw<Mistake[]>([]);
  busy = $state(false);
  /** Estimated Date.now() minus the server's clock, from the events' stamps. */
  skew = $state.raw(0);

  isHost = $derived(this.identity?.host ?? false);
  me = $derived(this.state?.players.find((p) => p.id === this.identity?.playerId) ?? null);
  seat = $derived(this.me?.seat ?? null);

  #socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  #mode: 'play' | 'watch' = 'play';
  #entered = false;
  #wasConnected = false;
  #syncing = false;
  #queued: Envelope[] = [];
  #nextId = 1;
  #timers = new Timers();
  /** Recent (arrival time - server stamp) samples: the smallest is the least delayed. */
  #skews: number[] = [];

  readonly flights = new Flights(this.#timers);

  constructor() {
    // Long-polling first, then WebSocket; never WebTransport (see vite.config.ts).
    this.#socket = io({
      auth: { protocol: PROTOCOL_VERSION },
      transports: ['polling', 'websocket'],
    });
    this.#socket.on('connect', () => {
      const again = this.#wasConnected;
      this.#wasConnected = true;
      this.link = again ? 'back' : 'online';
      if (again) {
        this.#timers.later(() => {
          if (this.link === 'back') this.link = 'online';
        }, 4000);
        if (this.#entered) void this.#reenter();
      }
    });
    this.#socket.on('disconnect', (reason) => {
      this.link = 'lost';
      // socket.io reconnects by itself unless the server hung up on purpose; come back anyway.
      if (reason === 'io server disconnect') this.#timers.later(() => this.#socket.connect(), 2000);
    });
    this.#socket.on('connect_error', () => {
      this.link = this.#wasConnected ? 'lost' : 'connecting';
    });
    this.#socket.on('room:events', ({ code, events }) => {
      if (code !== this.code || !this.state) return;
      if (this.#syncing) this.#queued.push(...events);
      else this.#apply(events, true);
    });
    this.#socket.on('room:view', (view) => this.#view(view));
    this.#socket.on('room:revoked', ({ code }) => {
      if (code !== this.code) return;
      saveTokens(code, { player: null });
      this.identity = this.identity ? { ...this.identity, playerId: null, seat: null } : null;
      this.notify({ text: 'The host removed you from this room. You can join again with a name.' });
      if (!this.isHost) this.phase = 'join';
    });
  }

  /** Opens `code` to play: resumes the stored seat, else asks for a name. */
  async open(code: string): Promise<void> {
    this.code = code;
    this.#mode = 'play';
    const tokens = loadTokens(code);
    if (!tokens.host && !tokens.player) {
      this.phase = 'join';
      return;
    }
    this.phase = 'connecting';
    await this.#resume(code, true);
  }

  /** Opens `code` as the projector screen: watches, no seat, no controls. */
  async watch(code: string): Promise<void> {
    this.code = code;
    this.#mode = 'watch';
    this.phase = 'connecting';
    const r = await this.#ask('room:watch', { code });
    if (!r.ok) {
      this.phase = 'missing';
      this.notify(r.error);
      return;
    }
    this.#entered = true;
    this.identity = r.data.identity;
    await this.#adopt(r.data.snapshot);
    this.phase = 'watching';
  }

  /** Creates a room; with a name the creator also takes a seat. Returns the code. */
  async create(settings: RoomSettings, name: string | null): Promise<string | null> {
    this.busy = true;
    try {
      const r = await this.#ask('room:create', { settings });
      if (!r.ok) {
        this.notify(r.error);
        return null;
      }
      const { identity, hostToken, snapshot } = r.data;
      this.code = identity.code;
      saveTokens(identity.code, { host: hostToken });
      this.identity = identity;
      this.#entered = true;
      await this.#adopt(snapshot);
      this.phase = 'in';
      if (name !== null) await this.join(name, false);
      return identity.code;
    } finally {
      this.busy = false;
    }
  }

  /** Takes a seat (or a spectator's place) in the open room. */
  async join(name: string, spectator: boolean): Promise<boolean> {
    const code = this.code;
    if (code === null) return false;
    this.busy = true;
    try {
      const r = await this.#ask('room:join', { code, name, spectator });
      if (!r.ok) {
        this.notify(r.error);
        return false;
      }
      saveTokens(code, { player: r.data.token });
      rememberName(name.trim());
      this.identity = r.data.identity;
      this.#entered = true;
      await this.#adopt(r.data.snapshot);
      this.phase = 'in';
      return true;
    } finally {
      this.busy = false;
    }
  }

  /** Gives the seat up for good (to a bot of kind `bot`, if given): the token stops working. */
  async leave(bot?: BotKind): Promise<boolean> {
    const done = await this.#command('room:leave', bot ? { bot } : {});
    if (done && this.code) {
      saveTokens(this.code, { player: null });
      this.identity = this.identity ? { ...this.identity, playerId: null, seat: null } : null;
      if (!this.isHost) this.phase = 'join';
    }
    return done;
  }

  newProposal = (value: string) => this.#command('node:newProposal', { value });
  promiseRequest = (to: string) => this.#command('node:promiseRequest', { to: to as Friend });
  acceptRequest = (to: string) => this.#command('node:acceptRequest', { to: to as Friend });
  propose = (value: string, to: string[]) =>
    this.#command('node:propose', { value, to: to as Friend[] });
  updateSettings = (settings: RoomSettings) => this.#command('host:settings', { settings });
  startRound = () => this.#command('host:startRound', {});
  endRound = () => this.#command('host:endRound', {});
  say = (text: string) => this.#command('host:say', { text });
  kick = (playerId: string) => this.#command('host:kick', { playerId });
  closeRoom = () => this.#command('host:close', {});
  network = (action: NetworkAction, messageId: number, answer?: 'grant' | 'reject') =>
    this.#command('host:network', answer ? { action, messageId, answer } : { action, messageId });
  endTurn = () => this.#command('node:endTurn', {});
  pause = () => this.#command('host:pause', {});
  resume = () => this.#command('host:resume', {});
  skipTurn = () => this.#command('host:skipTurn', {});
  addBot = (kind: BotKind, seat: string | null) =>
    this.#command('host:addBot', { kind, seat: seat as Friend | null });

  /** Be the acceptor: answers a request waiting in my inbox (the engine checks the rule). */
  answer = (messageId: number, answer: 'grant' | 'reject') =>
    this.#command('node:answer', { messageId, answer });

  /** The server's clock now, as well as this browser can tell. */
  serverNow(): number {
    return Date.now() - this.skew;
  }

  notify(error: { message?: string; text?: string; seedLine?: string }): void {
    const text = error.text ?? error.message ?? 'Something went wrong.';
    const notice: Notice = { id: this.#nextId++, text };
    if (error.seedLine) notice.seedLine = error.seedLine;
    this.notices = [...this.notices.slice(-3), notice];
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
  }

  /** Stops everything: the socket closes and the timers are cleared. */
  destroy(): void {
    this.#timers.clear();
    this.#socket.disconnect();
  }

  /* ---- internals ---- */

  async #command<E extends ClientEventName>(event: E, payload: ClientPayload<E>) {
    const r = (await this.#ask(event, payload)) as AckOf<'host:startRound'>;
    if (!r.ok) {
      this.notify(r.error);
      return false;
    }
    // The events travel to every socket in the room; if they got lost, catch up.
    const seq = r.data.seq;
    this.#timers.later(() => {
      if (this.state && this.state.seq < seq) void this.#sync();
    }, 1500);
    return true;
  }

  #ask<E extends ClientEventName>(event: E, payload: ClientPayload<E>): Promise<AckOf<E>> {
    return new Promise((resolve) => {
      const socket = this.#socket.timeout(ACK_TIMEOUT_MS) as unknown as Emitter;
      socket.emit(event, payload, (err, result) => {
        resolve(err ? { ok: false, error: NO_ANSWER } : (result as AckOf<E>));
      });
    });
  }

  /** Presents the stored tokens: host first, then the player, on the same socket. */
  async #resume(code: string, first: boolean): Promise<boolean> {
    const tokens = loadTokens(code);
    let identity: Identity | null = null;
    let snapshot: Snapshot | null = null;
    const errors: ErrorBody[] = [];
    for (const role of ['host', 'player'] as const) {
      const token = tokens[role];
      if (!token) continue;
      const r = await this.#ask('room:resume', { code, token });
      if (r.ok) {
        identity = r.data.identity;
        snapshot = r.data.snapshot;
      } else {
        errors.push(r.error);
        // A token that no longer opens the room is forgotten; a lost connection is not.
        if (r.error.code === 'forbidden' || r.error.code === 'not_found') {
          saveTokens(code, { [role]: null });
        }
      }
    }
    if (!identity || !snapshot) {
      const error = errors[0] ?? NO_ANSWER;
      this.notify({
        text:
          error.code === 'not_found'
            ? `There is no room ${code} any more. Check the code, or create a new room.`
            : error.code === 'forbidden'
              ? `Your seat in room ${code} is gone (${error.message}) Join again with a name.`
              : error.message,
      });
      if (first) this.phase = 'join';
      return false;
    }
    this.identity = identity;
    this.#entered = true;
    if (first) {
      await this.#adopt(snapshot);
    } else if (!this.state || snapshot.state.seq > this.state.seq) {
      // Back after a lost connection: fetch only what was missed, keeping the log whole.
      await this.#sync();
    }
    this.phase = 'in';
    return true;
  }

  async #reenter(): Promise<void> {
    if (!this.code) return;
    if (this.#mode === 'watch') {
      const r = await this.#ask('room:watch', { code: this.code });
      if (!r.ok) return this.notify(r.error);
      await this.#sync();
      return;
    }
    await this.#resume(this.code, false);
  }

  /** A snapshot to start from; then the room's whole log, so the transcript starts at line one. */
  async #adopt(snapshot: Snapshot): Promise<void> {
    if (snapshot.state.hiddenFrom !== undefined) {
      // Fog of war: a seat's view comes with the lines it may read; the events stay hidden.
      this.#fogged(snapshot.state, snapshot.lines ?? []);
      return;
    }
    if (!this.state || snapshot.state.code !== this.state.code) {
      this.state = snapshot.state;
      this.lines = [];
      this.replies = [];
      this.mistakes = [];
      this.partialHistory = snapshot.state.seq > 1;
    }
    if (!this.partialHistory) return;
    this.#syncing = true;
    const r = await this.#ask('room:sync', { since: 0 });
    this.#syncing = false;
    if (r.ok && 'events' in r.data && r.data.events[0]?.seq === 1) {
      this.state = null;
      this.#apply(r.data.events, false);
      this.partialHistory = false;
    } else if (!r.ok) {
      this.notify(r.error);
    }
    this.#drain();
  }

  async #sync(): Promise<void> {
    if (this.#syncing || !this.state) return;
    this.#syncing = true;
    const r = await this.#ask('room:sync', { since: this.state.seq });
    this.#syncing = false;
    if (!r.ok) {
      this.notify(r.error);
    } else if ('events' in r.data) {
      this.#apply(r.data.events, false);
    } else if (r.data.snapshot.state.hiddenFrom !== undefined) {
      this.#fogged(r.data.snapshot.state, r.data.snapshot.lines ?? []);
    } else {
      // Too far behind: start again from the snapshot; earlier lines stay as they were.
      this.state = r.data.snapshot.state;
      this.replies = [];
      this.partialHistory = true;
    }
    this.#drain();
  }

  #drain(): void {
    const queued = this.#queued;
    this.#queued = [];
    if (queued.length > 0) this.#apply(queued, true);
  }

  /** Fog of war: the server sends this seat's view instead of the events. */
  #view(view: View): void {
    if (view.code !== this.code || !this.state) return;
    const before = this.state;
    if (!view.replace && view.state.seq < before.seq) return;
    const lines = view.replace ? view.lines : [...this.lines, ...view.lines];
    const after = view.state;
    if (after.round?.number !== before.round?.number) {
      this.replies = [];
      this.mistakes = [];
    }
    // A new turn started with this view: its deadline tells when, on the server's clock.
    const turn = after.round?.turn;
    if (turn?.endsAt && turn.number !== before.round?.turn?.number) {
      this.#clock(turn.endsAt - after.round!.rules.turnSeconds * 1000);
    }
    if (after.hiddenFrom === undefined && view.replace) this.partialHistory = false;
    this.state = after;
    this.lines = lines;
  }

  #fogged(state: RoomState, lines: TranscriptLine[]): void {
    if (this.state?.round?.number !== state.round?.number) this.mistakes = [];
    this.state = state;
    this.lines = lines;
    this.replies = [];
    this.partialHistory = false;
  }

  /** One sample of the server's clock: an event's stamp, seen as it arrives. */
  #clock(at: number): void {
    this.#skews = [...this.#skews.slice(-19), Date.now() - at];
    this.skew = Math.min(...this.#skews);
  }

  /** Folds events in order; a gap stops the fold and asks for what is missing. */
  #apply(events: readonly Envelope[], live: boolean): void {
    let state = this.state;
    let lines = this.lines;
    let replies = this.replies;
    let mistakes = this.mistakes;
    const me = this.identity?.playerId;
    const flights: FlightSpec[] = [];
    let gap = false;
    for (const envelope of events) {
      if (state && envelope.seq <= state.seq) continue;
      if (state ? envelope.seq !== state.seq + 1 : envelope.event.type !== 'roomCreated') {
        gap = true;
        break;
      }
      const after = evolveRoom(state, envelope);
      const step = stepOf(state, envelope, after);
      if (step.lines.length) lines = [...lines, ...step.lines];
      if (step.newRound) replies = mistakes = [];
      if (step.reply) replies = [...replies, step.reply];
      const { event } = envelope;
      if (event.type === 'mistake' && event.playerId === me) {
        const { messageId, explanation, applied } = event;
        mistakes = [...mistakes, { messageId, explanation, applied }];
      }
      flights.push(...step.flights);
      state = after;
    }
    this.state = state;
    this.lines = lines;
    this.replies = replies;
    this.mistakes = mistakes;
    if (live) {
      this.flights.fly(flights);
      const last = events[events.length - 1];
      if (last) this.#clock(last.at);
    }
    if (gap) void this.#sync();
  }
}
