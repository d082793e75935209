/*
 * `GET /api/rooms/CODE/diagram.svg[?round=N]`: a round's space-time diagram
 * (shared/diagram.ts, drawn by shared/diagram-svg.ts) from the room's public log, the
 * transcript cache's (server/transcripts.ts), so a fogged round being played is never
 * drawn: the latest public round is, or an empty diagram that says why.
 */
import { diagramOfRound, emptyDiagram, lastRows, roundSteps, roundsOf } from '../shared/diagram.ts';
import { diagramSvg } from '../shared/diagram-svg.ts';
import { currentStory, highlightOf, quorumStories, storyText } from '../shared/quorums.ts';
import type { Envelope } from '../shared/room/types.ts';
import type { AddressRecord } from './limits.ts';
import type { Transcripts } from './transcripts.ts';

export interface DiagramDeps {
  transcripts: Transcripts;
  /** The room's last stored seq, public or not (to tell that a fogged round is being played). */
  lastSeq?: (code: string) => number;
}

/** What the endpoint answers (server/http.ts sends it). */
export type DiagramAnswer =
  | { kind: 'svg'; svg: string; filename: string }
  | { kind: 'error'; status: 400 | 404 | 413; code: string; message: string }
  /** No such room: the caller counts the failed lookup. */
  | { kind: 'unknown' }
  /** The address's reads budget refused the fold. */
  | { kind: 'tooMany'; message: string };

const ROUND = /^[1-9][0-9]{0,8}$/;
const JSON_END = Buffer.from(']}');
const CACHE = 64;
/** Rows drawn at most. */
const MAX_ROWS = 2000;

/** The SVG of round `round` (default: the latest) of a public log. */
export function roomDiagramSvg(
  code: string,
  log: readonly Envelope[],
  round: number | undefined,
  foggedRound: boolean,
): { svg: string; round: number | null } | null {
  const rounds = roundsOf(log);
  const number = round ?? rounds[rounds.length - 1];
  const nodes =
    (log.find((e) => e.event.type === 'roundStarted')?.event as { config?: { nodes: string[] } })
      ?.config?.nodes ?? [];
  const fogNote = 'A round played under fog of war is shown here when it ends.';
  if (number === undefined) {
    if (round !== undefined) return null;
    const note = foggedRound
      ? `Round 1 is being played under fog of war: its diagram is shown when it ends.`
      : 'No round has been played yet.';
    return { svg: diagramSvg(emptyDiagram(nodes, note), { title: `Room ${code}` }), round: null };
  }
  const found = roundSteps(log, number);
  const whole = found && diagramOfRound(log, number);
  // A long round (up to MAX_ROUND_EVENTS): its newest rows, so the SVG stays a few MB at most.
  const diagram = whole && lastRows(whole, MAX_ROWS);
  if (!found || !diagram) return null;
  if (round === undefined && foggedRound) {
    const fog = `Round ${number + 1} is being played under fog of war: this is round ${number}. ${fogNote}`;
    diagram.note = diagram.note ? `${fog} ${diagram.note}` : fog;
  }
  const story = currentStory(quorumStories(found.config, found.steps));
  const svg = diagramSvg(diagram, {
    title: `Room ${code} · round ${number}`,
    ...(story ? { caption: storyText(story, null), highlight: highlightOf(story) } : {}),
  });
  return { svg, round: number };
}

/** The diagram endpoint's answers, with a small cache of SVGs by the log's ETag. */
export class Diagrams {
  private readonly cache = new Map<string, { svg: string; round: number | null }>();

  constructor(private readonly deps: DiagramDeps) {}

  /** The answer for room `code` and the request's `round` query; reads charged to `from`. */
  async answer(code: string, query: unknown, from: AddressRecord): Promise<DiagramAnswer> {
    if (query !== undefined && (typeof query !== 'string' || !ROUND.test(query))) {
      return {
        kind: 'error',
        status: 400,
        code: 'bad_request',
        message: 'round is a whole number from 1.',
      };
    }
    const round = query === undefined ? undefined : Number(query);
    const read = await this.deps.transcripts.read(code, (events) => {
      if (from.reads.empty()) return false;
      from.reads.charge(events);
      return true;
    });
    if (read.kind === 'not_found') return { kind: 'unknown' };
    if (read.kind === 'too_large') {
      return {
        kind: 'error',
        status: 413,
        code: 'too_large',
        message: `This room's log has ${read.events} events, more than this server draws (MAX_ROOM_EVENTS).`,
      };
    }
    if (read.kind === 'refused') {
      return {
        kind: 'tooMany',
        message: 'Your address read too many big rooms: wait a few seconds.',
      };
    }
    const body = JSON.parse(Buffer.concat([...read.json, JSON_END]).toString('utf8')) as {
      events: Envelope[];
    };
    const publicSeq = body.events[body.events.length - 1]?.seq ?? 0;
    // The public log stops short of the stored one only while a fogged round is played.
    const fogged = this.deps.lastSeq ? this.deps.lastSeq(code) > publicSeq : false;
    const key = `${read.etag}|${round ?? ''}|${fogged}`;
    let drawn = this.cache.get(key);
    if (!drawn) {
      const made = roomDiagramSvg(code, body.events, round, fogged);
      if (!made) {
        return {
          kind: 'error',
          status: 404,
          code: 'not_found',
          message: `Round ${round} is not in this room's public log: it has not been played, or it is being played under fog of war.`,
        };
      }
      drawn = made;
      if (this.cache.size >= CACHE) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, drawn);
    }
    const filename = `diagram-${code}${drawn.round === null ? '' : `-round-${drawn.round}`}.svg`;
    return { kind: 'svg', svg: drawn.svg, filename };
  }
}
