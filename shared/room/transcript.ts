import { renderEvent } from '../paxos/index.ts';
import type { RenderOptions } from '../paxos/index.ts';
import { evolveRoom } from './evolve.ts';
import type { Envelope, RoomState } from './types.ts';

/** One printed line of a room's transcript, tied to the event that printed it. */
export interface TranscriptLine {
  seq: number;
  round: number | null;
  text: string;
  /** Nodes this line is about (the sender and receiver, or the proposer). */
  nodes: string[];
  /**
   * Set when the line prints a proposer's private counts (the seed's reply
   * line): under fog of war other nodes read `masked` instead.
   */
  owner?: string;
  masked?: string;
}

function nodesOf(envelope: Envelope, before: RoomState): string[] {
  const { event } = envelope;
  if (event.type !== 'paxos') return [];
  const e = event.event;
  switch (e.type) {
    case 'proposalStarted':
    case 'proposeStarted':
    case 'proposeFailed':
    case 'proposeChose':
    case 'proposeGaveUp':
      return [e.node];
    case 'requestSent':
      return [e.message.from, e.message.to];
    case 'requestDelivered':
      return [e.reply.from, e.reply.to];
    case 'replyDelivered':
    case 'messageDropped':
    case 'messageDuplicated':
    case 'messageLost':
    case 'messageDelayed': {
      const m = before.round?.paxos.inFlight.find((x) => x.id === e.messageId);
      return m ? [m.from, m.to] : [];
    }
    case 'nodeCrashed':
    case 'nodeRecovered':
      return [e.node];
    // The host's network-wide faults are everyone's news.
    case 'held':
    case 'released':
    case 'delayed':
    case 'partitioned':
    case 'healed':
    case 'stepped':
      return [];
  }
}

/**
 * Lines printed by one room event, in the seed notebook's format. A host's
 * note prints like the seed's `print(text)`; round 2 and later start with a
 * header because each round's proposal ids start again at 1.
 */
export function roomEventLines(
  before: RoomState | null,
  envelope: Envelope,
  after: RoomState,
  options: RenderOptions = {},
): TranscriptLine[] {
  const { event, seq } = envelope;
  const round = after.round?.number ?? null;
  const line = (text: string, nodes: string[] = []): TranscriptLine => ({
    seq,
    round,
    text,
    nodes,
  });
  switch (event.type) {
    case 'roundStarted':
      return event.number > 1 ? [line(''), line(`=== Round ${event.number} ===`)] : [];
    case 'note':
      return event.text.split('\n').map((t) => line(t));
    case 'mistake':
      // Not a notebook line (its acceptors never err): only be-the-acceptor rounds print it.
      return [
        line(
          `~ ${event.seat} answered ${event.answer} to #${event.messageId} against the rule` +
            ` (${event.applied ? 'applied anyway' : 'refused'}): ${event.explanation}`,
          [event.seat],
        ),
      ];
    case 'paxos': {
      const nodes = nodesOf(envelope, before!);
      const e = event.event;
      const proposer = e.type === 'replyDelivered' ? nodes[1] : undefined;
      return renderEvent(before!.round!.paxos, e, after.round!.paxos, options).map((t, i) => {
        const printed = line(t, nodes);
        // The seed's second reply line ends with the proposer's counts: "Amy(promisers: 2, ...)".
        const cut = proposer && i === 1 ? t.lastIndexOf(`, ${proposer}(`) : -1;
        return cut < 0
          ? printed
          : { ...printed, owner: proposer, masked: `${t.slice(0, cut)}, ${proposer}(…)` };
      });
    }
    default:
      return [];
  }
}

/** Folds a room's log and returns every printed line. */
export function roomTranscript(
  envelopes: readonly Envelope[],
  options: RenderOptions = {},
): TranscriptLine[] {
  const lines: TranscriptLine[] = [];
  let state: RoomState | null = null;
  for (const envelope of envelopes) {
    const next = evolveRoom(state, envelope);
    lines.push(...roomEventLines(state, envelope, next, options));
    state = next;
  }
  return lines;
}

/** The transcript as text, one line per `print`, exactly as the notebook would show it. */
export function transcriptText(lines: readonly TranscriptLine[]): string {
  return lines.map((l) => `${l.text}\n`).join('');
}
