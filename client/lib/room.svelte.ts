/*
 * The room as this browser folds it. The server's events are folded with the
 * same `evolveRoom` the server uses, so nothing of the game is re-implemented
 * here: a gap in the sequence numbers, a new connection or a command whose
 * events have not arrived asks the server for what was missed (`room:sync`).
 * Under fog of war the server sends this seat's views instead of events.
 */
import type { Snapshot, View } from '../../shared/protocol/index.ts';
import type { Envelope, RoomState, TranscriptLine } from '../../shared/room/index.ts';
import { evolveRoom } from '../../shared/room/evolve.ts';
import type { Connection } from './connection.svelte.ts';
import type { Timers } from './flights.svelte.ts';
import { Flights } from './flights.svelte.ts';
import type { Notices } from './notices.svelte.ts';
import type { FlightSpec, ReplyRecord } from './views.ts';
import { stepOf } from './views.ts';

/** A wrong answer of mine as an acceptor, with the rule's explanation. */
export interface Mistake {
  messageId: number;
  explanation: string;
  /** Applied anyway (the instructor's demo) rather than refused. */
  applied: boolean;
}

/**
 * What this browser has of the room's past, for the timeline (timeline.svelte.ts): the
 * envelopes folded since `base` (the room before them; null when they start at seq 1), and
 * under fog of war the seat's views of the current round as they came, oldest first.
 */
export interface History {
  base: RoomState | null;
  log: Envelope[];
  views: RoomState[];
}

/** How long a command's events may take to arrive before the room asks for them. */
const CATCH_UP_MS = 1500;

export class Room {
  #state = $state.raw<RoomState | null>(null);
  #lines = $state.raw<TranscriptLine[]>([]);
  #replies = $state.raw<ReplyRecord[]>([]);
  #mistakes = $state.raw<Mistake[]>([]);
  #history = $state.raw<History>({ base: null, log: [], views: [] });
  #partialHistory = $state(false);
  #skew = $state.raw(0);
  /** Recent (arrival time - server stamp) samples: the smallest is the least delayed. */
  #skews: number[] = [];
  #syncing = false;
  #queued: Envelope[] = [];

  readonly flights: Flights;
  readonly #connection: Connection;
  readonly #notices: Notices;
  readonly #timers: Timers;
  /** My player id, for my mistakes among the events (the session knows it). */
  readonly #me: () => string | null;

  constructor(connection: Connection, notices: Notices, timers: Timers, me: () => string | null) {
    this.#connection = connection;
    this.#notices = notices;
    this.#timers = timers;
    this.#me = me;
    this.flights = new Flights(timers);
    connection.on('room:events', ({ code, events }) => {
      if (code !== this.#state?.code) return;
      if (this.#syncing) this.#queued.push(...events);
      else this.#apply(events, true);
    });
    connection.on('room:view', (view) => this.#view(view));
  }

  /** The room after the last event this browser folded (a seat's view under fog of war). */
  get state(): RoomState | null {
    return this.#state;
  }

  /** The transcript so far, one line a `print`. */
  get lines(): TranscriptLine[] {
    return this.#lines;
  }

  /** Replies handled in the current round, oldest first. */
  get replies(): ReplyRecord[] {
    return this.#replies;
  }

  /** My wrong answers as an acceptor in the current round, oldest first. */
  get mistakes(): Mistake[] {
    return this.#mistakes;
  }

  /** The envelopes and fog views this browser folded, for the timeline. */
  get history(): History {
    return this.#history;
  }

  /** The log does not start at the room's beginning (the server sent a snapshot). */
  get partialHistory(): boolean {
    return this.#partialHistory;
  }

  /** The server's clock now, as well as this browser can tell from the events' stamps. */
  serverNow(): number {
    return Date.now() - this.#skew;
  }

  /** A snapshot to start from; then the room's whole log, so the transcript starts at line one. */
  async adopt(snapshot: Snapshot): Promise<void> {
    if (snapshot.state.hiddenFrom !== undefined) {
      // Fog of war: a seat's view comes with the lines it may read; the events stay hidden.
      this.#fogged(snapshot.state, snapshot.lines ?? []);
      return;
    }
    if (!this.#state || snapshot.state.code !== this.#state.code) {
      this.#start(snapshot.state);
      this.#lines = [];
      this.#replies = [];
      this.#mistakes = [];
      this.#partialHistory = snapshot.state.seq > 1;
    }
    if (!this.#partialHistory) return;
    this.#syncing = true;
    const r = await this.#connection.ask('room:sync', { since: 0 });
    this.#syncing = false;
    if (r.ok && 'events' in r.data && r.data.events[0]?.seq === 1) {
      this.#state = null;
      this.#apply(r.data.events, false);
      this.#partialHistory = false;
    } else if (!r.ok) {
      this.#notices.notify(r.error);
    }
    this.#drain();
  }

  /** Asks for the events after the last one folded. */
  async sync(): Promise<void> {
    if (this.#syncing || !this.#state) return;
    this.#syncing = true;
    const r = await this.#connection.ask('room:sync', { since: this.#state.seq });
    this.#syncing = false;
    if (!r.ok) {
      this.#notices.notify(r.error);
    } else if ('events' in r.data) {
      this.#apply(r.data.events, false);
    } else if (r.data.snapshot.state.hiddenFrom !== undefined) {
      this.#fogged(r.data.snapshot.state, r.data.snapshot.lines ?? []);
    } else {
      // Too far behind: start again from the snapshot; earlier lines stay as they were.
      this.#start(r.data.snapshot.state);
      this.#replies = [];
      this.#partialHistory = true;
    }
    this.#drain();
  }

  /** A command was acknowledged at `seq`: its events travel to every socket; if they got lost, catch up. */
  expect(seq: number): void {
    this.#timers.later(() => {
      if (this.#state && this.#state.seq < seq) void this.sync();
    }, CATCH_UP_MS);
  }

  #drain(): void {
    const queued = this.#queued;
    this.#queued = [];
    if (queued.length > 0) this.#apply(queued, true);
  }

  /** Fog of war: the server sends this seat's view instead of the events. */
  #view(view: View): void {
    const before = this.#state;
    if (!before || view.code !== before.code) return;
    if (!view.replace && view.state.seq < before.seq) return;
    const lines = view.replace ? view.lines : [...this.#lines, ...view.lines];
    const after = view.state;
    if (after.round?.number !== before.round?.number) {
      this.#replies = [];
      this.#mistakes = [];
    }
    // A new turn started with this view: its deadline tells when, on the server's clock.
    const turn = after.round?.turn;
    if (turn?.endsAt && turn.number !== before.round?.turn?.number) {
      this.#clock(turn.endsAt - after.round!.rules.turnSeconds * 1000);
    }
    if (after.hiddenFrom === undefined && view.replace) this.#partialHistory = false;
    this.#start(after, true);
    this.#lines = lines;
  }

  #fogged(state: RoomState, lines: TranscriptLine[]): void {
    if (this.#state?.round?.number !== state.round?.number) this.#mistakes = [];
    this.#start(state, true);
    this.#lines = lines;
    this.#replies = [];
    this.#partialHistory = false;
  }

  /**
   * The room is now `state`, not folded from events: the events that follow fold from it. A
   * fog view is kept for the timeline, with the others of its round.
   */
  #start(state: RoomState, view = false): void {
    const { views } = this.#history;
    const round = state.round?.number;
    const kept = view && views[0]?.round?.number === round ? views : [];
    this.#history = { base: state, log: [], views: view && round ? [...kept, state] : kept };
    this.#state = state;
  }

  /** One sample of the server's clock: an event's stamp, seen as it arrives. */
  #clock(at: number): void {
    this.#skews = [...this.#skews.slice(-19), Date.now() - at];
    this.#skew = Math.min(...this.#skews);
  }

  /** Folds events in order; a gap stops the fold and asks for what is missing. */
  #apply(events: readonly Envelope[], live: boolean): void {
    let state = this.#state;
    let lines = this.#lines;
    let replies = this.#replies;
    let mistakes = this.#mistakes;
    // Folded from nothing (the whole log, from seq 1): the history starts again with it.
    let history: History = state ? this.#history : { base: null, log: [], views: [] };
    const folded: Envelope[] = [];
    const me = this.#me();
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
      if (step.newRound) {
        replies = mistakes = [];
        if (history.views.length) history = { ...history, views: [] };
      }
      if (step.reply) replies = [...replies, step.reply];
      const { event } = envelope;
      if (event.type === 'mistake' && event.playerId === me) {
        const { messageId, explanation, applied } = event;
        mistakes = [...mistakes, { messageId, explanation, applied }];
      }
      flights.push(...step.flights);
      folded.push(envelope);
      state = after;
    }
    if (folded.length) history = { ...history, log: [...history.log, ...folded] };
    this.#history = history;
    this.#state = state;
    this.#lines = lines;
    this.#replies = replies;
    this.#mistakes = mistakes;
    if (live) {
      this.flights.fly(flights);
      const last = events[events.length - 1];
      if (last) this.#clock(last.at);
    }
    if (gap) void this.sync();
  }
}
