import type { Snapshot, View } from '../shared/protocol/index.ts';
import type { Envelope, RoomState, TranscriptLine } from '../shared/room/index.ts';
import {
  evolveRoom,
  fogged,
  linesFor,
  readableLines,
  roomEventLines,
  seatView,
} from '../shared/room/index.ts';
import { NO_SEAT } from '../shared/room/visibility.ts';
import { eventWithoutScript, withoutScript } from '../shared/room/demo.ts';

/*
 * Fog of war on the wire. The engine says what a seat may see (seatView,
 * readableLines); this file only decides, per audience, which of the room's
 * payloads to send. Hidden state never leaves the server for a fogged audience.
 */

/**
 * Who receives. The host sees everything, and so does a watcher that gave the room's screen
 * key (`screen`: the projector). A seated player is fogged as their seat; every other
 * audience (a watcher without the key, a spectator, a player gone) as `NO_SEAT`.
 */
export interface Audience {
  host: boolean;
  playerId: string | null;
  screen?: boolean;
}

/** Whether this audience sees through the fog whatever the round. */
const seesAll = (who: Audience): boolean => who.host || who.screen === true;

/** The seat this audience is fogged as while a fogged round is played (`NO_SEAT`: none). */
function seatOf(state: RoomState, who: Audience): string {
  if (who.playerId === null) return NO_SEAT;
  return state.players.find((p) => p.id === who.playerId)?.seat ?? NO_SEAT;
}

/**
 * The seat this audience must be fogged for in `state` (`NO_SEAT` for one without a seat),
 * or null when it may see everything.
 */
export function fogSeat(state: RoomState, who: Audience): string | null {
  if (seesAll(who)) return null;
  const seat = seatOf(state, who);
  return fogged(state, seat) ? seat : null;
}

/** True while some seat of the room is fogged (the rule does not depend on which seat). */
export function fogRound(state: RoomState): boolean {
  return fogged(state, '');
}

/**
 * Every printed line of a room's log up to a seq (server/transcripts.ts keeps
 * them, so a view does not fold the whole log again).
 */
export type LinesOf = (upTo: number) => readonly TranscriptLine[];

/**
 * A guided demo's script is the host's: every other audience (players, spectators, the
 * projector) gets the loaded demo without its steps, so no future step or answer leaks.
 */
export function scriptFor(who: Audience, state: RoomState): RoomState {
  return who.host ? state : withoutScript(state);
}

/** The events as a non-host audience receives them: the same array when no script is in them. */
export function eventsWithoutScript(envelopes: Envelope[]): Envelope[] {
  if (!envelopes.some((e) => e.event.type === 'demoLoaded' && e.event.steps !== undefined)) {
    return envelopes;
  }
  return envelopes.map((e) => ({ ...e, event: eventWithoutScript(e.event) }));
}

/** A snapshot as this audience may see it: for a fogged seat, its view and the lines it may read. */
export function snapshotFor(state: RoomState, who: Audience, lines: LinesOf): Snapshot {
  const seat = fogSeat(state, who);
  if (seat === null) return { state: scriptFor(who, state) };
  return {
    state: withoutScript(seatView(state, seat)),
    lines: readableLines(lines(state.seq), state, seat),
  };
}

/** What one socket receives for a committed batch. */
export type Delivery =
  | { event: 'room:events'; payload: { code: string; events: Envelope[] } }
  | { event: 'room:view'; payload: View };

/**
 * Works out each audience's payload for one committed batch of a room where a
 * fogged round is or was being played. Seat views and log lines are made once
 * per batch and shared by the sockets that need them.
 */
export class FogBatch {
  private lines: TranscriptLine[] | undefined;
  private transcript: TranscriptLine[] | undefined;
  private readonly views = new Map<string, RoomState>();

  constructor(
    private readonly code: string,
    private readonly envelopes: Envelope[],
    private readonly before: RoomState,
    private readonly after: RoomState,
    private readonly linesOf: LinesOf,
  ) {}

  for(who: Audience): Delivery {
    const { code, before, after } = this;
    // A player who left in this batch is fogged as they were until their sockets are revoked.
    const seat = seesAll(who)
      ? null
      : who.playerId === null
        ? NO_SEAT
        : (after.players.find((p) => p.id === who.playerId)?.seat ??
          before.players.find((p) => p.id === who.playerId)?.seat ??
          NO_SEAT);
    const wasFogged = fogged(before, seat);
    const isFogged = fogged(after, seat);
    if (!isFogged && !wasFogged) {
      const events = who.host ? this.envelopes : eventsWithoutScript(this.envelopes);
      return { event: 'room:events', payload: { code, events } };
    }
    if (!isFogged) {
      // The round ended: everything is revealed, then events follow again.
      return {
        event: 'room:view',
        payload: { code, state: scriptFor(who, after), lines: this.allLines(), replace: true },
      };
    }
    const seatState = this.views.get(seat!) ?? withoutScript(seatView(after, seat!));
    this.views.set(seat!, seatState);
    const sameRound = wasFogged && before.round!.number === after.round!.number;
    const lines = sameRound
      ? linesFor(this.newLines(), seat!)
      : readableLines(this.allLines(), after, seat);
    return {
      event: 'room:view',
      payload: { code, state: seatState, lines, replace: !sameRound },
    };
  }

  /** The lines this batch printed. */
  private newLines(): TranscriptLine[] {
    if (!this.lines) {
      this.lines = [];
      let state = this.before;
      for (const envelope of this.envelopes) {
        const next = evolveRoom(state, envelope);
        this.lines.push(...roomEventLines(state, envelope, next));
        state = next;
      }
    }
    return this.lines;
  }

  /** The room's whole transcript up to this batch (it is in the store before it is sent). */
  private allLines(): TranscriptLine[] {
    this.transcript ??= [...this.linesOf(this.after.seq)];
    return this.transcript;
  }
}
