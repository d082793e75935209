/*
 * Words for the rules of play (turns, be-the-acceptor, scores), for the parts
 * of the page that load on demand. The engine decides; these only read its
 * state and say it in words.
 */
import type { AcceptorState, Message, PaxosState, Request } from '../../shared/paxos/index.ts';
import { fate, networkPolicy } from '../../shared/paxos/index.ts';
import type { Player, RoundEndReason } from '../../shared/room/index.ts';

export const what = (r: Request): string =>
  r.kind === 'promiseRequest' ? 'promise request' : 'accept request';

// Which requests wait in which inbox is the network's to say (shared/paxos/network.ts):
// `inboxOf` = the requests waiting in a seat's inbox, `pendingFrom` = the seat's own
// requests waiting in some inbox, both oldest first. The old names, for the components.
export {
  inboxRequests as inboxOf,
  pendingInInboxesFrom as pendingFrom,
} from '../../shared/paxos/index.ts';

/**
 * Whether `seat`'s player answers the requests sent to it, as its acceptor:
 * the network's policy is asked, as by the queries above, where a request to
 * the seat would wait.
 */
export function answersAsAcceptor(paxos: PaxosState, seat: string): boolean {
  const request: Request = { kind: 'promiseRequest', id: 0, from: seat, to: seat, proposalId: 1 };
  return fate(networkPolicy(paxos), request) === 'inbox';
}

/** A round in which some players answer as acceptors: each seat gets its inbox panel. */
export const playersAnswer = (paxos: PaxosState): boolean =>
  paxos.config.nodes.some((node) => answersAsAcceptor(paxos, node));

/**
 * The facts an acceptor decides on, in words: what it promised and the
 * request's id. Not the verdict: answering is the player's lesson.
 */
export function ruleSays(acceptor: AcceptorState, request: Request): { words: string } {
  const p = request.proposalId;
  const promised = acceptor.promisedId;
  return {
    words:
      promised === null
        ? `You have promised nothing yet. This request has id ${p}.`
        : `You promised ${promised}. This request has id ${p}.`,
  };
}

export const nameAt = (players: readonly Player[], seat: string): string | null =>
  players.find((p) => p.seat === seat)?.name ?? null;

/** "0:07" */
export function clock(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export const ENDED: Record<RoundEndReason, string> = {
  chosen: 'a movie was chosen',
  host: 'the host ended it',
  restart: 'the host started a new round',
  turnLimit: 'the turn limit was reached',
};

const requestName = (m: Message): string =>
  m.kind === 'promiseRequest' || m.kind === 'promiseReply' ? 'promise request' : 'accept request';

/** A message as a short line, for the host's list of messages in flight. */
export function describeMessage(m: Message): string {
  switch (m.kind) {
    case 'promiseRequest':
      return `${m.from} → ${m.to}: promise request, proposal ${m.proposalId}`;
    case 'acceptRequest':
      return `${m.from} → ${m.to}: accept request, proposal ${m.proposalId}, ${m.value}`;
    case 'promiseReply':
    case 'acceptReply':
      return `${m.from} → ${m.to}: ${m.granted ? '✓ granted' : '✗ rejected'} ${requestName(m)}, proposal ${m.request.proposalId}`;
  }
}
