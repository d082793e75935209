import { idleProposer } from '../paxos/proposer.ts';
import type { PaxosState } from '../paxos/index.ts';
import type { TranscriptLine } from './transcript.ts';
import type { RoomState } from './types.ts';

/*
 * Fog of war: a seated player sees what their node would know — its own
 * acceptor and proposer, the messages it sent or received, and the log lines
 * that involve it. The server applies this before anything leaves it (hidden
 * state is never sent and hidden in the browser). Hosts, projectors and
 * everyone after the round has ended see everything.
 */

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
  return {
    ...paxos,
    acceptors,
    proposers,
    inFlight: paxos.inFlight.filter((m) => m.from === seat || m.to === seat),
    tallies: [],
    chosen: [],
    findings: [],
  };
}

/** The room as `seat` may see it: other nodes' state, the observer and others' messages removed. */
export function seatView(state: RoomState, seat: string): RoomState {
  if (!state.round) return { ...state, hiddenFrom: seat };
  return {
    ...state,
    hiddenFrom: seat,
    round: { ...state.round, paxos: redactPaxos(state.round.paxos, seat) },
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
