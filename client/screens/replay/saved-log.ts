/*
 * A saved event log (transcript.json) read back in the browser: its shape is
 * checked, then it is folded with the engine (`evolveRoom`), so a file that is
 * not a room's log is refused with one line before anything is shown. Nothing
 * here is trusted by the server: forking sends the log, and the server forks
 * only a log it signed itself (server/exports.ts).
 */
import { z } from 'zod';
import type { Envelope, RoomState } from '../../../shared/room/types.ts';
import { roomTranscript } from '../../../shared/room/transcript.ts';
import type { TranscriptLine } from '../../../shared/room/transcript.ts';
import type { RoomCheckpoints } from '../../../shared/room/replay.ts';
import { roomCheckpoints, roomStateAt } from '../../../shared/room/replay.ts';

const envelope = z.object({
  seq: z.number().int().positive(),
  at: z.number(),
  event: z.looseObject({ type: z.string() }),
});

const savedLog = z.object({
  code: z.string().min(1).max(16),
  events: z.array(envelope).min(1),
  signature: z.string().optional(),
});

export interface SavedLog {
  code: string;
  events: Envelope[];
  /** This server's signature when it exported the log; absent for a log from elsewhere. */
  signature?: string;
  lines: TranscriptLine[];
  checkpoints: RoomCheckpoints;
}

export type Opened = { ok: true; log: SavedLog } | { ok: false; error: string };

/** Reads a saved log's text: its shape, its seqs, then a fold of every event. */
export function openSavedLog(text: string): Opened {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: 'This file is not JSON: open an event log saved from a room.' };
  }
  const parsed = savedLog.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? ` at "${issue.path.join('.')}"` : '';
    return {
      ok: false,
      error: `This is not an event log of a room${where}: ${issue.message}.`,
    };
  }
  const events = parsed.data.events as unknown as Envelope[];
  if (events[0]!.event.type !== 'roomCreated') {
    return { ok: false, error: 'This log does not begin with the room being created.' };
  }
  const gap = events.findIndex((e, i) => e.seq !== i + 1);
  if (gap >= 0) {
    return {
      ok: false,
      error: `This log skips events: event ${gap + 1} has seq ${events[gap]!.seq}.`,
    };
  }
  try {
    const checkpoints = roomCheckpoints(events, 64);
    const lines = roomTranscript(events);
    return {
      ok: true,
      log: { code: parsed.data.code, events, signature: parsed.data.signature, lines, checkpoints },
    };
  } catch (err) {
    return {
      ok: false,
      error: `This log cannot be replayed: ${(err as Error).message.slice(0, 200)}`,
    };
  }
}

/** The room after its first `index` events (1 ≤ index ≤ the log's length). */
export function stateAt(log: SavedLog, index: number): RoomState {
  return roomStateAt(log.checkpoints, log.events, index);
}
