import { idleProposer } from '../paxos/proposer.ts';
import type { PaxosState } from '../paxos/index.ts';
import type { RoundStats } from './game.ts';
import type { TranscriptLine } from './transcript.ts';
import type { Envelope, RoomState } from './types.ts';
import { eventWithoutScript } from './demo-fold.ts';

/*
 * Fog of war: a seated player sees what their node would know — its own
 * acceptor and proposer, the messages it sent or received, and the log lines
 * that involve it. An audience without a seat (a screen without the host's
 * screen key, a spectator) is fogged as `NO_SEAT`: no node's private state and
 * only the room's own lines. The server applies this before anything leaves it
 * (hidden state is never sent and hidden in the browser). Hosts, screens with
 * the key and everyone after the round has ended see everything.
 */

/**
 * The "seat" of an audience that has none: no node is its own, so every node's state is
 * hidden from it (`seatView(state, NO_SEAT)`, `hiddenFrom: ''`).
 */
export const NO_SEAT = '';

/** True when this audience must get a redacted view rather than the full room. */
export function fogged(state: RoomState, seat: string | null): seat is string {
  return (
    seat !== null && state.round?.status === 'playing' && state.round.rules.visibility === 'fog'
  );
}

function redactPaxos(paxos: PaxosState, seat: string): PaxosState {
  const acceptors: PaxosState['acceptors'] = {};
  const proposers: PaxosState['proposers'] = {};
  for (const node of paxos.config.nodes) {
    acceptors[node] = node === seat ? paxos.acceptors[node]! : { promisedId: null, accepted: null };
    proposers[node] = node === seat ? paxos.proposers[node]! : idleProposer();
  }
  const inFlight = paxos.inFlight.filter((m) => m.from === seat || m.to === seat);
  const visible = new Set(inFlight.map((m) => m.id));
  // The network's shape (holds, partition, crashes) is the room's weather, seen by all; what
  // amnesiac acceptors forgot is the observer's, and others' delayed messages are others'.
  const network = paxos.network && {
    ...paxos.network,
    due: paxos.network.due.filter((d) => visible.has(d.messageId)),
    forgotten: paxos.network.forgotten.filter((f) => f.node === seat),
  };
  return {
    ...paxos,
    acceptors,
    proposers,
    ...(network ? { network } : {}),
    inFlight,
    tallies: [],
    chosen: [],
    findings: [],
  };
}

/**
 * The round's counts as `seat` may see them: its own proposals, requests and
 * mistakes, and who learned only if it was this seat. The totals of messages
 * and rejections stay: they say how busy the network is, not what it carries.
 */
function redactStats(stats: RoundStats, seat: string, playerId: string | null): RoundStats {
  const own = stats.requestsBy[seat];
  const mistakes = playerId === null ? undefined : stats.mistakes[playerId];
  return {
    ...stats,
    requestsBy: own === undefined ? {} : { [seat]: own },
    proposals: stats.proposals.filter((p) => p.node === seat),
    learned: stats.learned?.node === seat ? stats.learned : null,
    mistakes: mistakes === undefined ? {} : { [playerId!]: mistakes },
  };
}

/** The room as `seat` may see it: other nodes' state, the observer and others' messages removed. */
export function seatView(state: RoomState, seat: string): RoomState {
  if (!state.round) return { ...state, hiddenFrom: seat };
  const playerId = state.players.find((p) => p.seat === seat)?.id ?? null;
  return {
    ...state,
    hiddenFrom: seat,
    round: {
      ...state.round,
      paxos: redactPaxos(state.round.paxos, seat),
      stats: redactStats(state.round.stats, seat, playerId),
    },
  };
}

/** A log line a fogged seat may read: room lines, and lines about its own node. */
export function lineVisibleTo(line: TranscriptLine, seat: string): boolean {
  return line.nodes.length === 0 || line.nodes.includes(seat);
}

/** The lines `seat` may read, with other proposers' private counts masked. */
export function linesFor(lines: readonly TranscriptLine[], seat: string): TranscriptLine[] {
  return lines
    .filter((l) => lineVisibleTo(l, seat))
    .map((l) => (l.owner && l.owner !== seat && l.masked ? { ...l, text: l.masked } : l));
}

/**
 * The log lines `seat` may read now: earlier rounds in full and, while its
 * round is fogged, that round's lines as `linesFor` gives them.
 */
export function readableLines(
  lines: readonly TranscriptLine[],
  state: RoomState,
  seat: string | null,
): TranscriptLine[] {
  if (!fogged(state, seat)) return [...lines];
  const number = state.round!.number;
  const start = lines.findIndex((l) => l.round === number);
  return start < 0 ? [...lines] : [...lines.slice(0, start), ...linesFor(lines.slice(start), seat)];
}

/**
 * The log as anyone may read it (the HTTP transcripts): while a fogged round
 * is played, its events, from its `roundStarted` on, are left out until it ends;
 * a guided demo's script (`demoLoaded`'s steps) is the host's and never in it.
 */
export function publicLog(log: readonly Envelope[]): Envelope[] {
  return withoutScripts(fogCut(log));
}

function fogCut(log: readonly Envelope[]): readonly Envelope[] {
  for (let i = log.length - 1; i >= 0; i--) {
    const event = log[i]!.event;
    if (event.type === 'roundEnded') break;
    if (event.type === 'roundStarted') {
      return event.rules?.visibility === 'fog' ? log.slice(0, i) : log;
    }
  }
  return log;
}

function withoutScripts(log: readonly Envelope[]): Envelope[] {
  return log.map((e) =>
    e.event.type === 'demoLoaded' ? { ...e, event: eventWithoutScript(e.event) } : e,
  );
}
