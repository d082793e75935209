import type { Envelope, RoomState, TranscriptLine } from '../shared/room/index.ts';
import { evolveRoom, roomEventLines } from '../shared/room/index.ts';
import { rest } from './fold.ts';
import { eventWithoutScript } from '../shared/room/demo.ts';
import type { SqliteStore } from './store/sqlite.ts';

/*
 * Transcripts from a cache that grows with the log. Printing a room's transcript
 * means folding its whole log (a line depends on the state before its event);
 * doing that per HTTP request let eight download loops stall every room. So
 * each room's transcript is folded once and extended with only the events
 * after the cached seq, a chunk at a time between other work; a request then
 * writes out bytes that are already there. The bodies are byte for byte what
 * `transcriptText(roomTranscript(publicLog(log)))` and
 * `JSON.stringify({ code, events: publicLog(log) })` give.
 */

/** Events read and folded at a time (~30 µs each on this machine). */
const CHUNK = 100;
/** Folding rests after this long, so no room waits on a big transcript. */
const SLICE_MS = 4;
/** Pieces of text joined into one sealed buffer of a body. */
const SEAL = 512;
/** A sealed buffer smaller than this is grown rather than followed by another. */
const SMALL = 64 * 1024;
/** What one cached line costs besides its text, roughly. */
const LINE_BYTES = 120;

/** An append-only response body: sealed buffers and a tail of pieces not yet joined. */
class Body {
  private readonly parts: Buffer[] = [];
  private tail: string[] = [];
  private tailChars = 0;
  bytes = 0;

  push(piece: string): void {
    this.tail.push(piece);
    this.tailChars += piece.length;
    if (this.tail.length >= SEAL) this.seal();
  }

  private seal(): void {
    if (this.tail.length === 0) return;
    const sealed = Buffer.from(this.tail.join(''));
    this.bytes += sealed.length - this.tailChars;
    this.tail = [];
    this.tailChars = 0;
    const last = this.parts[this.parts.length - 1];
    if (last && last.length < SMALL)
      this.parts[this.parts.length - 1] = Buffer.concat([last, sealed]);
    else this.parts.push(sealed);
  }

  /** Everything pushed so far, as buffers to write one after the other. */
  chunks(): readonly Buffer[] {
    this.seal();
    return this.parts;
  }

  /** Bytes held (the tail counted by its characters). */
  get size(): number {
    return this.bytes + this.tailChars;
  }
}

interface Entry {
  code: string;
  /** The last event folded. */
  seq: number;
  state: RoomState | null;
  /** Every line up to `seq`, fogged round included; kept only once a fog view asked for them. */
  lines: TranscriptLine[] | null;
  /** The public transcript's text. */
  text: Body;
  /** `{"code":…,"events":[` and the public envelopes, comma-separated. */
  json: Body;
  /** The last seq of the public bodies, and how many envelopes they hold. */
  publicSeq: number;
  publicEvents: number;
  /**
   * A fogged round being played, from its `roundStarted`: its envelopes and text
   * wait here, out of the public bodies, until it ends (docs/PROTOCOL.md, HTTP).
   */
  held: { json: string[]; text: string[]; seq: number } | null;
  bytes: number;
  /** The fold in progress, which every reader of the room waits for (one fold, not one each). */
  extending: Promise<void> | null;
}

export type TranscriptRead =
  | {
      kind: 'ok';
      /** Changes whenever the bodies do: the room's creation time and its last public seq. */
      etag: string;
      text: readonly Buffer[];
      /** Write `]}` after these. */
      json: readonly Buffer[];
    }
  | { kind: 'not_found' }
  | { kind: 'too_large'; events: number }
  /** The caller's budget refused the events this read would fold. */
  | { kind: 'refused'; events: number };

export class Transcripts {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  /** Events folded since the start (tests check that a read folds only what is new). */
  folded = 0;

  constructor(
    private readonly deps: {
      store: SqliteStore;
      /** A log longer than this is not printed (too_large). */
      maxEvents: number;
      /** Bytes the cache may hold over all rooms; the least recently read go first. */
      maxBytes: number;
      /** Rooms being deleted by retention. */
      expiring: (code: string) => boolean;
    },
  ) {}

  /**
   * The room's public transcript, brought up to date. `mayFold` is asked
   * before any event is folded, with their number (a budget per client); it
   * refuses by returning false.
   */
  async read(
    code: string,
    mayFold: (events: number) => boolean = () => true,
  ): Promise<TranscriptRead> {
    for (;;) {
      if (this.deps.expiring(code)) return { kind: 'not_found' };
      const found = this.entries.get(code);
      if (found?.extending) {
        await found.extending;
        continue;
      }
      const last = this.deps.store.lastSeq(code);
      if (last === 0) return { kind: 'not_found' };
      if (last > this.deps.maxEvents) return { kind: 'too_large', events: last };
      const cost = last - (found?.seq ?? 0);
      if (cost > 0 && !mayFold(cost)) return { kind: 'refused', events: cost };
      const entry = found ?? this.add(code, false);
      if (entry.seq < last) {
        entry.extending = this.extend(entry, last).finally(() => (entry.extending = null));
        await entry.extending;
        if (this.deps.expiring(code)) return { kind: 'not_found' };
      }
      this.touch(entry);
      return {
        kind: 'ok',
        etag: `"${code}-${entry.state?.createdAt ?? 0}-${entry.publicSeq}"`,
        text: entry.text.chunks(),
        json: entry.json.chunks(),
      };
    }
  }

  /**
   * Folds the entry up to `last` in slices of a few milliseconds, resting between them
   * as long as each took (server/fold.ts `rest`): at most half a core.
   */
  private async extend(entry: Entry, last: number): Promise<void> {
    let slice = performance.now();
    while (entry.seq < last && this.step(entry, last) > 0) {
      if (performance.now() - slice < SLICE_MS) continue;
      await rest(slice);
      if (this.deps.expiring(entry.code)) return;
      slice = performance.now();
    }
  }

  /**
   * Every printed line of the room's log up to `upTo` (default: all that is
   * stored), fogged round included: what a fogged seat's view is cut from.
   * Synchronous; only the events not yet folded are read.
   */
  linesNow(code: string, upTo = Infinity): readonly TranscriptLine[] {
    let entry = this.entries.get(code);
    // An entry made for HTTP alone kept no lines: fold again, keeping them.
    if (!entry || entry.lines === null) {
      if (entry) this.forget(code);
      entry = this.add(code, true);
    }
    while (this.step(entry, Infinity) === CHUNK);
    this.touch(entry);
    const lines = entry.lines!;
    let end = lines.length;
    while (end > 0 && lines[end - 1]!.seq > upTo) end--;
    return lines.slice(0, end);
  }

  /**
   * Makes `linesNow` cheap for this room: its lines are folded now, in slices
   * between other work (the first fog view of a big room would otherwise fold
   * its whole log at once). Resolves to the number of events folded.
   */
  async warm(code: string): Promise<number> {
    let entry = this.entries.get(code);
    while (entry?.extending) {
      await entry.extending;
      entry = this.entries.get(code);
    }
    if (!entry || entry.lines === null) {
      if (entry) this.forget(code);
      entry = this.add(code, true);
    }
    const last = this.deps.store.lastSeq(code);
    const from = entry.seq;
    if (from < last) {
      const target = entry;
      target.extending = this.extend(target, last).finally(() => (target.extending = null));
      await target.extending;
    }
    this.touch(entry);
    return entry.seq - from;
  }

  /** Drops a room's cache (retention deleted the room). */
  forget(code: string): void {
    const entry = this.entries.get(code);
    if (!entry) return;
    this.entries.delete(code);
    this.bytes -= entry.bytes;
  }

  /** Bytes the cache holds now. */
  get size(): number {
    return this.bytes;
  }

  private add(code: string, keepLines: boolean): Entry {
    const entry: Entry = {
      code,
      seq: 0,
      state: null,
      lines: keepLines ? [] : null,
      text: new Body(),
      json: new Body(),
      publicSeq: 0,
      publicEvents: 0,
      held: null,
      bytes: 0,
      extending: null,
    };
    entry.json.push(`{"code":${JSON.stringify(code)},"events":[`);
    this.entries.set(code, entry);
    return entry;
  }

  /** Folds the next chunk of events (up to `last`); returns how many it read. */
  private step(entry: Entry, last: number): number {
    const limit = Math.min(CHUNK, last - entry.seq);
    if (limit <= 0) return 0;
    const chunk = this.deps.store.eventsAfter(entry.code, entry.seq, limit);
    const before = entry.text.size + entry.json.size;
    let lineBytes = 0;
    for (const envelope of chunk) lineBytes += this.fold(entry, envelope);
    this.folded += chunk.length;
    const delta = entry.text.size + entry.json.size - before + lineBytes;
    entry.bytes += delta;
    // An entry dropped while a read was folding it no longer counts.
    if (this.entries.get(entry.code) === entry) this.bytes += delta;
    return chunk.length;
  }

  /** One event into the entry; returns the bytes its kept lines cost. */
  private fold(entry: Entry, envelope: Envelope): number {
    const next = evolveRoom(entry.state, envelope);
    const lines = roomEventLines(entry.state, envelope, next);
    entry.state = next;
    entry.seq = envelope.seq;
    let cost = 0;
    if (entry.lines) {
      for (const l of lines) cost += LINE_BYTES + 2 * l.text.length;
      entry.lines.push(...lines);
    }
    // As `publicLog`: a guided demo's script is the host's alone.
    const json = JSON.stringify(
      envelope.event.type === 'demoLoaded'
        ? { ...envelope, event: eventWithoutScript(envelope.event) }
        : envelope,
    );
    const text = lines.map((l) => `${l.text}\n`);
    const { event } = envelope;
    // As `publicLog`: the last roundStarted or roundEnded decides what is public.
    if (event.type === 'roundStarted' || event.type === 'roundEnded') this.release(entry);
    if (event.type === 'roundStarted' && event.rules?.visibility === 'fog') {
      entry.held = { json: [], text: [], seq: envelope.seq };
    }
    if (entry.held) {
      entry.held.json.push(json);
      entry.held.text.push(...text);
    } else {
      this.publish(entry, envelope.seq, json, text);
    }
    return cost;
  }

  /** The fogged round ended: what it held becomes public. */
  private release(entry: Entry): void {
    const held = entry.held;
    if (!held) return;
    entry.held = null;
    let seq = held.seq;
    for (const json of held.json) this.publish(entry, seq++, json, []);
    for (const t of held.text) entry.text.push(t);
  }

  private publish(entry: Entry, seq: number, json: string, text: readonly string[]): void {
    entry.json.push(entry.publicEvents === 0 ? json : `,${json}`);
    entry.publicEvents++;
    entry.publicSeq = seq;
    for (const t of text) entry.text.push(t);
  }

  /** Marks the entry most recently used and evicts the least recently used past the budget. */
  private touch(entry: Entry): void {
    if (this.entries.get(entry.code) !== entry) return;
    this.entries.delete(entry.code);
    this.entries.set(entry.code, entry);
    for (const [code, other] of this.entries) {
      if (this.bytes <= this.deps.maxBytes || other === entry) break;
      this.forget(code);
    }
  }
}
