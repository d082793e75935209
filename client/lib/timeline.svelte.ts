/*
 * The timeline: the room as it was after any event of its round, read-only,
 * then back to live. The past is folded with the engine's own replay
 * (shared/room/replay.ts) from the envelopes this browser has (room.svelte.ts
 * keeps them); under fog of war a seat has no events, only its views, so its
 * timeline steps through the views it received: what its node knew then.
 *
 * A point is pinned by its seq, so events that arrive while someone looks
 * back add points at the end and move nothing.
 */
import type { Envelope, RoomState, TranscriptLine } from '../../shared/room/index.ts';
import { evolveRoom } from '../../shared/room/evolve.ts';
import type { RoomCheckpoints } from '../../shared/room/replay.ts';
import { extendRoomCheckpoints, roomCheckpoints, roomStateAt } from '../../shared/room/replay.ts';
import * as replay from '../../shared/replay.ts';
import type { History, Room } from './room.svelte.ts';
import type { ReplyRecord } from './views.ts';

/** One point of the timeline: the room after event `seq`, a fog view or the fold of `folded` envelopes. */
interface Point {
  seq: number;
  view?: RoomState;
  folded?: number;
}

/** Envelopes between two kept rooms: a look back folds at most this many. */
const EVERY = 64;

/** The points of the current round in `history`: its views, then its envelopes (presence aside). */
export function timelinePoints(history: History, current: RoomState | null): Point[] {
  const round = current?.round?.number;
  if (round === undefined) return [];
  const points: Point[] = history.views
    .filter((v) => v.round?.number === round)
    .map((v) => ({ seq: v.seq, view: v }));
  const { log, base } = history;
  let start = 0;
  for (let i = log.length - 1; i >= 0; i--) {
    if (log[i]!.event.type === 'roundStarted') {
      start = i;
      break;
    }
  }
  if (start === 0 && log[0]?.event.type !== 'roundStarted' && base?.round?.number !== round) {
    return points;
  }
  for (let i = start; i < log.length; i++) {
    if (log[i]!.event.type !== 'presenceChanged') points.push({ seq: log[i]!.seq, folded: i + 1 });
  }
  return points;
}

/** What the timeline reads of the room (room.svelte.ts's `Room`). */
export type TimelineSource = Pick<Room, 'history' | 'state' | 'lines' | 'replies'>;

export class Timeline {
  readonly #room: TimelineSource;
  /** The seq of the point looked at; null: live. */
  #seq = $state<number | null>(null);
  readonly #points = $derived.by(() => timelinePoints(this.#room.history, this.#room.state));
  readonly #index = $derived.by(() => {
    const seq = this.#seq;
    return seq === null ? -1 : this.#points.findIndex((p) => p.seq === seq);
  });
  readonly #state = $derived.by(() => {
    const point = this.#points[this.#index];
    return point ? this.#stateAt(point) : null;
  });
  /** A cache the look-ups fill, not state: the checkpoints of the log they were made from. */
  #cps: { log: readonly Envelope[]; base: RoomState | null; cps: RoomCheckpoints } | null = null;

  constructor(room: TimelineSource) {
    this.#room = room;
  }

  /** How many points the round has so far. */
  get total(): number {
    return this.#points.length;
  }

  /** The point looked at, from 1; the last one when live. */
  get index(): number {
    return this.#index < 0 ? this.#points.length : this.#index + 1;
  }

  /** Someone is looking back: the screens show `state`, read-only. */
  get viewing(): boolean {
    return this.#index >= 0;
  }

  /** The seq of the event looked at (null when live). */
  get seq(): number | null {
    return this.viewing ? this.#seq : null;
  }

  /** The room as it was at the point looked at; null when live. */
  get state(): RoomState | null {
    return this.#state;
  }

  /** The points are a fogged seat's views: what its node knew, not the room's every event. */
  get fogged(): boolean {
    return this.#points[0]?.view !== undefined;
  }

  /** The transcript up to the point looked at (null when live). */
  get lines(): TranscriptLine[] | null {
    const seq = this.seq;
    return seq === null ? null : this.#room.lines.filter((l) => l.seq <= seq);
  }

  /** The replies handled up to the point looked at (null when live). */
  get replies(): ReplyRecord[] | null {
    const seq = this.seq;
    return seq === null ? null : this.#room.replies.filter((r) => r.seq <= seq);
  }

  /** Shows point `index` (from 1); the last point is live. */
  go(index: number): void {
    const points = this.#points;
    const i = Math.max(0, Math.min(points.length, Math.round(index)) - 1);
    this.#seq = i >= points.length - 1 ? null : (points[i]?.seq ?? null);
  }

  /** One point back (from live: the point before the last). */
  back(): void {
    if (this.#points.length > 1) this.go(Math.max(1, this.index - 1));
  }

  /** One point forward; from the last but one, back to live. */
  forward(): void {
    if (this.viewing) this.go(this.index + 1);
  }

  live(): void {
    this.#seq = null;
  }

  /**
   * Which point of the round the event `seq` is (from 1), e.g. a fork's point
   * in its own room; null when this browser has no such point.
   */
  numberOf(seq: number): number | null {
    const points = this.#points;
    for (let i = points.length - 1; i >= 0; i--) if (points[i]!.seq <= seq) return i + 1;
    return null;
  }

  #stateAt(point: Point): RoomState {
    if (point.view) return point.view;
    const { log, base } = this.#room.history;
    const folded = point.folded!;
    let cached = this.#cps;
    if (!cached || cached.base !== base || cached.log[0] !== log[0]) {
      const cps =
        base === null
          ? roomCheckpoints(log, EVERY)
          : replay.checkpoints<RoomState | null, Envelope>(base, log, evolveRoom, EVERY);
      cached = { log, base, cps };
    } else if (cached.log !== log) {
      cached = { log, base, cps: extendRoomCheckpoints(cached.cps, log) };
    }
    this.#cps = cached;
    // From seq 1 the room replay answers; after a snapshot, the same replay from that room.
    return base === null
      ? roomStateAt(cached.cps, log, folded)
      : replay.stateAt(cached.cps, log, folded, evolveRoom)!;
  }
}
