/*
 * The space-time diagram of one round: one lane per node, logical time downwards
 * (one row per event that matters), each message an arrow from the row it was sent
 * to the row it was delivered, dropped or lost (or still in flight). Pure: made
 * from the round's Paxos events alone (folded with the engine's own `evolve` to know
 * what was chosen), so the server's SVG and the browser draw the same thing.
 * shared/diagram-svg.ts draws it.
 */
import type {
  Accepted,
  Chosen,
  Memory,
  Message,
  MessageKind,
  PaxosConfig,
  PaxosEvent,
  PaxosState,
} from './paxos/index.ts';
import { evolve, initialPaxosState, isRequest } from './paxos/index.ts';
import type { Envelope } from './room/types.ts';

/** One Paxos event of a round, with the seq of its room envelope when it came from one. */
export interface DiagramStep {
  event: PaxosEvent;
  seq?: number;
}

/** One row of the diagram: the event that happened there, in words. */
export interface DiagramRow {
  row: number;
  /** The envelope's seq (the timeline's point), null for a bare Paxos log. */
  seq: number | null;
  text: string;
}

/**
 * What became of a message: delivered, dropped by the host, lost (to a partition or a crashed
 * receiver), still in flight, or (in a fogged seat's diagram) gone without this seat knowing how.
 */
export type ArrowFate = 'delivered' | 'dropped' | 'lost' | 'flying' | 'gone';

export interface DiagramArrow {
  /** The message id. */
  id: number;
  kind: MessageKind;
  from: string;
  to: string;
  /** The row it was sent at (-1: already in flight when the diagram starts). */
  sent: number;
  /** The row it left flight at; null while in flight. */
  end: number | null;
  fate: ArrowFate;
  /** A lost message: lost to the partition, or to the crashed node named. */
  lostTo?: { partition: true } | { crashed: string };
  /** "promise request 1", "accept request 1: Openhimer", "promised 1", "rejected 1 (promised 2)". */
  label: string;
  /** Replies: granted (true) or rejected (false). */
  granted?: boolean;
  /** A copy the network made of message `duplicateOf`. */
  duplicateOf?: number;
  proposalId: number;
  /** The movie an accept request (or its reply) carries. */
  value?: string;
}

/** A span on a lane: the node was down, or cut off in a partition group. */
export interface DiagramSpan {
  kind: 'crash' | 'partition';
  node: string;
  from: number;
  /** The row it ended (recovery, heal, another partition); null: still on. */
  to: number | null;
  /** "down", "group 1 of 2". */
  label: string;
}

/** Something that happened at one point of a lane (or, for `chosen`, of the whole room). */
export type DiagramMark =
  | { kind: 'proposal'; node: string; row: number; proposalId: number; value: string }
  | { kind: 'crashed'; node: string; row: number }
  | { kind: 'recovered'; node: string; row: number; memory: Memory }
  /** The observer saw a quorum accept (proposalId, value): a movie was chosen. */
  | { kind: 'chosen'; row: number; chosen: Chosen }
  /** A proposer saw its accept quorum: it learned the movie. */
  | { kind: 'learned'; node: string; row: number; value: string };

export interface Diagram {
  nodes: string[];
  quorum: number;
  /** The round's number, when the diagram is of a room's round. */
  round: number | null;
  rows: DiagramRow[];
  arrows: DiagramArrow[];
  spans: DiagramSpan[];
  marks: DiagramMark[];
  /** Every value chosen, in order (two of them: safety broken). */
  chosen: Chosen[];
  /** Why the diagram is empty or partial (a fogged round, a seat's own view), if it is. */
  note?: string;
}

function had(accepted: Accepted | null): string {
  return accepted ? `, had ${accepted.proposalId}: ${accepted.value}` : '';
}

/** A message in words, as its arrow is labelled. */
export function messageLabel(m: Message): string {
  switch (m.kind) {
    case 'promiseRequest':
      return `promise request ${m.proposalId}`;
    case 'acceptRequest':
      return `accept request ${m.proposalId}: ${m.value}`;
    case 'promiseReply':
      return m.granted
        ? `promised ${m.request.proposalId}${had(m.accepted)}`
        : `rejected ${m.request.proposalId} (promised ${m.promisedId ?? '?'})`;
    case 'acceptReply':
      return m.granted
        ? `accepted ${m.request.proposalId}: ${m.request.value}`
        : `rejected ${m.request.proposalId} (promised ${m.promisedBefore ?? '?'})`;
  }
}

function arrowOf(m: Message, sent: number, duplicateOf?: number): DiagramArrow {
  const request = isRequest(m) ? m : m.request;
  const arrow: DiagramArrow = {
    id: m.id,
    kind: m.kind,
    from: m.from,
    to: m.to,
    sent,
    end: null,
    fate: 'flying',
    label: messageLabel(m),
    proposalId: request.proposalId,
  };
  if (!isRequest(m)) arrow.granted = m.granted;
  if (request.kind === 'acceptRequest') arrow.value = request.value;
  if (duplicateOf !== undefined) arrow.duplicateOf = duplicateOf;
  return arrow;
}

/** "Amy → Ben: promise request 1" */
function words(m: Message): string {
  return `${m.from} → ${m.to}: ${messageLabel(m)}`;
}

function list(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/**
 * Builds the diagram from a round's events. `start` is the state the events fold from
 * (default: a fresh instance of `config`); messages already in flight in it start at row -1.
 */
export function buildDiagram(
  config: PaxosConfig,
  steps: readonly DiagramStep[],
  options: { start?: PaxosState; round?: number | null } = {},
): Diagram {
  let state = options.start ?? initialPaxosState(config);
  const diagram: Diagram = {
    nodes: [...config.nodes],
    quorum: config.quorum,
    round: options.round ?? null,
    rows: [],
    arrows: [],
    spans: [],
    marks: [],
    chosen: [],
  };
  const open = new Map<number, DiagramArrow>();
  for (const m of state.inFlight) {
    const arrow = arrowOf(m, -1);
    diagram.arrows.push(arrow);
    open.set(m.id, arrow);
  }
  const openSpans: DiagramSpan[] = [];
  const closeSpans = (kind: DiagramSpan['kind'], row: number, node?: string) => {
    for (let i = openSpans.length - 1; i >= 0; i--) {
      const span = openSpans[i]!;
      if (span.kind === kind && (node === undefined || span.node === node)) {
        span.to = row;
        openSpans.splice(i, 1);
      }
    }
  };
  const end = (id: number, row: number, fate: ArrowFate): DiagramArrow | undefined => {
    const arrow = open.get(id);
    if (!arrow) return undefined;
    arrow.end = row;
    arrow.fate = fate;
    open.delete(id);
    return arrow;
  };

  for (const { event, seq } of steps) {
    const before = state;
    state = evolve(state, event);
    const row = diagram.rows.length;
    let text: string | null = null;
    switch (event.type) {
      case 'proposalStarted':
        text = `${event.node} starts proposal ${event.proposalId}: ${event.value}`;
        diagram.marks.push({
          kind: 'proposal',
          node: event.node,
          row,
          proposalId: event.proposalId,
          value: event.value,
        });
        break;
      case 'requestSent': {
        const arrow = arrowOf(event.message, row);
        diagram.arrows.push(arrow);
        open.set(arrow.id, arrow);
        text = `${words(event.message)} sent`;
        break;
      }
      case 'requestDelivered': {
        const request = end(event.messageId, row, 'delivered');
        const reply = arrowOf(event.reply, row);
        diagram.arrows.push(reply);
        open.set(reply.id, reply);
        text = `${request ? `${request.from} → ${request.to}: ${request.label} delivered; ` : ''}${
          event.reply.from
        } replies ${reply.label}`;
        break;
      }
      case 'replyDelivered': {
        const reply = end(event.messageId, row, 'delivered');
        text = reply
          ? `${reply.from} → ${reply.to}: ${reply.label} delivered`
          : `reply ${event.messageId} delivered`;
        break;
      }
      case 'messageDropped': {
        const arrow = end(event.messageId, row, 'dropped');
        text = arrow
          ? `${arrow.from} → ${arrow.to}: ${arrow.label} dropped`
          : `message ${event.messageId} dropped`;
        break;
      }
      case 'messageLost': {
        const arrow = end(event.messageId, row, 'lost');
        if (arrow) arrow.lostTo = event.crashed ? { crashed: event.crashed } : { partition: true };
        const why = event.crashed ? `${event.crashed} is down` : 'the partition';
        text = arrow
          ? `${arrow.from} → ${arrow.to}: ${arrow.label} lost (${why})`
          : `message ${event.messageId} lost (${why})`;
        break;
      }
      case 'messageDuplicated': {
        const arrow = arrowOf(event.copy, row, event.messageId);
        diagram.arrows.push(arrow);
        open.set(arrow.id, arrow);
        text = `${words(event.copy)} duplicated (copy of ${event.messageId})`;
        break;
      }
      case 'partitioned': {
        closeSpans('partition', row);
        const groups = event.groups.map((g) => [...g]);
        const rest = config.nodes.filter((n) => !groups.some((g) => g.includes(n)));
        if (rest.length > 0) groups.push(rest);
        groups.forEach((group, i) => {
          for (const node of group) {
            const span: DiagramSpan = {
              kind: 'partition',
              node,
              from: row,
              to: null,
              label: `group ${i + 1} of ${groups.length}`,
            };
            diagram.spans.push(span);
            openSpans.push(span);
          }
        });
        text = `partition: ${groups.map((g) => list(g)).join(' | ')}`;
        break;
      }
      case 'healed':
        closeSpans('partition', row);
        text = 'the partition heals';
        break;
      case 'nodeCrashed': {
        const span: DiagramSpan = {
          kind: 'crash',
          node: event.node,
          from: row,
          to: null,
          label: 'down',
        };
        diagram.spans.push(span);
        openSpans.push(span);
        diagram.marks.push({ kind: 'crashed', node: event.node, row });
        text = `${event.node} crashes`;
        break;
      }
      case 'nodeRecovered':
        closeSpans('crash', row, event.node);
        diagram.marks.push({ kind: 'recovered', node: event.node, row, memory: event.memory });
        text = `${event.node} recovers ${event.memory === 'kept' ? 'with its disk' : 'with amnesia'}`;
        break;
      case 'proposeFailed':
        text = `${event.node}: no quorum of ${event.phase === 'promise' ? 'promises' : 'accepts'}, tries again`;
        break;
      default:
        // proposeStarted, proposeChose, proposeGaveUp, holds, delays and the clock: no row.
        break;
    }
    // Learned and chosen are marks of the row that caused them.
    const learned: DiagramMark[] = [];
    for (const node of config.nodes) {
      const was = before.proposers[node]?.choice ?? null;
      const now = state.proposers[node]?.choice ?? null;
      if (now !== null && was === null) learned.push({ kind: 'learned', node, row, value: now });
    }
    const fresh = state.chosen.slice(before.chosen.length);
    if (text === null && learned.length === 0 && fresh.length === 0) continue;
    diagram.rows.push({ row, seq: seq ?? null, text: text ?? event.type });
    diagram.marks.push(...learned);
    for (const chosen of fresh) {
      diagram.marks.push({ kind: 'chosen', row, chosen });
      diagram.chosen.push(chosen);
    }
  }
  return diagram;
}

/** The round numbers a room's log holds, in order. */
export function roundsOf(log: readonly Envelope[]): number[] {
  const rounds: number[] = [];
  for (const e of log) if (e.event.type === 'roundStarted') rounds.push(e.event.number);
  return rounds;
}

/** One round of a room's log: its number, its config and its Paxos events with their seqs. */
export interface RoundSteps {
  number: number;
  config: PaxosConfig;
  steps: DiagramStep[];
}

/**
 * Round `round` of a room's log (default: the last round in it), or null when the log holds
 * no such round. Only the envelopes given count: pass the log up to a timeline point to get
 * the round as it was then.
 */
export function roundSteps(log: readonly Envelope[], round?: number): RoundSteps | null {
  let start = -1;
  for (let i = log.length - 1; i >= 0; i--) {
    const e = log[i]!.event;
    if (e.type === 'roundStarted' && (round === undefined || e.number === round)) {
      start = i;
      break;
    }
  }
  if (start < 0) return null;
  const started = log[start]!.event as Extract<Envelope['event'], { type: 'roundStarted' }>;
  const steps: DiagramStep[] = [];
  for (let i = start + 1; i < log.length; i++) {
    const { event, seq } = log[i]!;
    if (event.type === 'roundStarted' || event.type === 'roundEnded') break;
    if (event.type === 'paxos') steps.push({ event: event.event, seq });
  }
  return { number: started.number, config: started.config, steps };
}

/** The diagram of round `round` of a room's log (default: the last), or null (`roundSteps`). */
export function diagramOfRound(log: readonly Envelope[], round?: number): Diagram | null {
  const found = roundSteps(log, round);
  return found && buildDiagram(found.config, found.steps, { round: found.number });
}

/** An empty diagram of `nodes` that says why it is empty. */
export function emptyDiagram(nodes: readonly string[], note: string, round: number | null = null) {
  const diagram: Diagram = {
    nodes: [...nodes],
    quorum: 0,
    round,
    rows: [],
    arrows: [],
    spans: [],
    marks: [],
    chosen: [],
    note,
  };
  return diagram;
}

/**
 * A fogged seat's diagram from the views it received (oldest first, one round): what its node
 * saw. A message of the seat appears when a view first holds it in flight and ends when a view
 * no longer does; how it left flight (delivered, dropped, lost) the seat cannot always tell, so
 * the end is `gone` unless the reply it caused is in the next view. Messages sent and answered
 * within one broadcast are never seen in flight, so they are not drawn: the diagram says so.
 */
export function diagramOfViews(views: readonly { seq: number; paxos: PaxosState }[]): Diagram {
  const first = views[0]?.paxos;
  const diagram: Diagram = first
    ? emptyDiagram(first.config.nodes, 'Fog of war: only the messages your node saw in flight.')
    : emptyDiagram([], 'Fog of war: nothing seen yet.');
  if (!first) return diagram;
  diagram.quorum = first.config.quorum;
  const open = new Map<number, DiagramArrow>();
  for (const { seq, paxos } of views) {
    const row = diagram.rows.length;
    const now = new Map(paxos.inFlight.map((m) => [m.id, m]));
    const changes: string[] = [];
    for (const [id, arrow] of open) {
      if (now.has(id)) continue;
      const answered = paxos.inFlight.some((m) => !isRequest(m) && m.request.id === id);
      arrow.end = row;
      arrow.fate = answered ? 'delivered' : 'gone';
      open.delete(id);
      changes.push(
        `${arrow.from} → ${arrow.to}: ${arrow.label} ${answered ? 'delivered' : 'left flight'}`,
      );
    }
    for (const m of paxos.inFlight) {
      if (open.has(m.id) || diagram.arrows.some((a) => a.id === m.id)) continue;
      const arrow = arrowOf(m, row);
      diagram.arrows.push(arrow);
      open.set(m.id, arrow);
      changes.push(`${words(m)} in flight`);
    }
    if (changes.length > 0) diagram.rows.push({ row, seq, text: changes.join('; ') });
  }
  return diagram;
}

function arrowWords(a: DiagramArrow): string {
  const copy = a.duplicateOf !== undefined ? ` (copy of #${a.duplicateOf})` : '';
  const span = `${a.sent < 0 ? 'before' : `row ${a.sent}`} → ${a.end === null ? 'in flight' : `row ${a.end}`}`;
  const fate =
    a.fate === 'lost' && a.lostTo
      ? 'crashed' in a.lostTo
        ? `lost: ${a.lostTo.crashed} is down`
        : 'lost to the partition'
      : a.fate;
  return `#${a.id} ${a.from} → ${a.to} ${a.label}${copy}: ${span}, ${fate}`;
}

function markWords(m: DiagramMark): string {
  switch (m.kind) {
    case 'proposal':
      return `row ${m.row}: ${m.node} proposes ${m.proposalId}: ${m.value}`;
    case 'crashed':
      return `row ${m.row}: ${m.node} down`;
    case 'recovered':
      return `row ${m.row}: ${m.node} back ${m.memory === 'kept' ? 'with its disk' : 'with amnesia'}`;
    case 'chosen':
      return `row ${m.row}: CHOSEN ${m.chosen.value} in proposal ${m.chosen.proposalId} by ${list(m.chosen.acceptors)}`;
    case 'learned':
      return `row ${m.row}: ${m.node} learns ${m.value}`;
  }
}

/**
 * The diagram in words, a line each: its rows, its arrows, its spans and marks. The panel's
 * text alternative, and what the tests' snapshots read.
 */
export function diagramLines(d: Diagram): string[] {
  const lines = [`lanes: ${d.nodes.join(' | ')} (quorum ${d.quorum})`];
  if (d.note) lines.push(`note: ${d.note}`);
  for (const r of d.rows) lines.push(`${String(r.row).padStart(3)}: ${r.text}`);
  for (const a of d.arrows) lines.push(`arrow ${arrowWords(a)}`);
  for (const s of d.spans) {
    lines.push(
      `span ${s.node} ${s.kind} (${s.label}): row ${s.from} → ${s.to === null ? 'now' : `row ${s.to}`}`,
    );
  }
  for (const m of d.marks) lines.push(`mark ${markWords(m)}`);
  return lines;
}

/**
 * The last `max` rows of a diagram, renumbered from 0 (a long round: the page and the SVG stay
 * small). A message sent before them starts at row -1; a note says how many rows are left out.
 */
export function lastRows(d: Diagram, max: number): Diagram {
  if (d.rows.length <= max) return d;
  const from = d.rows.length - max;
  const at = (r: number) => r - from;
  return {
    ...d,
    rows: d.rows.slice(from).map((r, i) => ({ ...r, row: i })),
    arrows: d.arrows
      .filter((a) => a.end === null || a.end >= from)
      .map((a) => ({
        ...a,
        sent: a.sent < from ? -1 : at(a.sent),
        end: a.end === null ? null : at(a.end),
      })),
    spans: d.spans
      .filter((s) => s.to === null || s.to >= from)
      .map((s) => ({ ...s, from: Math.max(0, at(s.from)), to: s.to === null ? null : at(s.to) })),
    marks: d.marks.filter((m) => m.row >= from).map((m) => ({ ...m, row: at(m.row) })),
    note: `${d.note ? `${d.note} ` : ''}The last ${max} of the round's ${d.rows.length} rows.`,
  };
}
