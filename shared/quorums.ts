/*
 * Quorums that visibly intersect (or do not). Pure: from a round's Paxos events, the
 * moments that explain why a chosen movie stays chosen —
 * - a proposer gathers a promise quorum: who promised it and what they had accepted, which
 *   movie its accept requests therefore carry, and, when a movie was chosen before, the
 *   friends in both its promise quorum and the chosen accept quorum;
 * - a second movie is chosen: the two accept quorums, which share no friend (a quorum
 *   below a majority) or share one that forgot (amnesia).
 * `storyText` puts one in words, in the second person for the proposer's own screen.
 */
import type { Accepted, Chosen, PaxosConfig, PaxosState } from './paxos/index.ts';
import { evolve, initialPaxosState } from './paxos/index.ts';
import type { DiagramStep } from './diagram.ts';

/** What one promiser reported in its promise: the (id, value) it had accepted, if any. */
export interface PromiseReport {
  node: string;
  accepted: Accepted | null;
}

export interface PromiseQuorumStory {
  kind: 'promiseQuorum';
  /** The envelope's seq (or the event's index in a bare Paxos log) where the quorum was reached. */
  seq: number;
  proposer: string;
  proposalId: number;
  /** Who promised, in the order the promises arrived. */
  promisers: string[];
  reports: PromiseReport[];
  /** The highest accepted (id, value) a promiser reported: what the accept requests carry. */
  carried: Accepted | null;
  /** The movie the accept requests carry: `carried`'s, else the proposer's own. */
  value: string;
  /** A movie chosen before this quorum was reached (the first one), if any. */
  chosenBefore: Chosen | null;
  /** Friends in both this promise quorum and `chosenBefore`'s accept quorum. */
  shared: string[];
  /** The promisers that reported `carried`: who tells this proposal about the earlier movie. */
  tellers: string[];
}

export interface TwoChosenStory {
  kind: 'twoChosen';
  seq: number;
  first: Chosen;
  second: Chosen;
  /** Who proposed each (the node that started the proposal id). */
  firstBy: string | null;
  secondBy: string | null;
  /** Friends in both accept quorums (empty with a minority quorum; an amnesiac otherwise). */
  shared: string[];
}

export type QuorumStory = PromiseQuorumStory | TwoChosenStory;

/** The stories of a round, in the order they happened. */
export function quorumStories(
  config: PaxosConfig,
  steps: readonly DiagramStep[],
  start?: PaxosState,
): QuorumStory[] {
  let state = start ?? initialPaxosState(config);
  const stories: QuorumStory[] = [];
  /** Who started each proposal id. */
  const owners = new Map<number, string>();
  /** Per proposer: the reports of its current proposal's promisers. */
  const reports = new Map<string, PromiseReport[]>();
  steps.forEach(({ event, seq }, index) => {
    const at = seq ?? index;
    const before = state;
    if (event.type === 'replyDelivered') {
      const reply = before.inFlight.find((m) => m.id === event.messageId);
      const proposer = reply ? before.proposers[reply.to] : undefined;
      if (
        reply?.kind === 'promiseReply' &&
        reply.granted &&
        proposer &&
        proposer.proposalId === reply.request.proposalId &&
        !proposer.promisers.includes(reply.from)
      ) {
        const list = reports.get(reply.to) ?? [];
        reports.set(reply.to, [...list, { node: reply.from, accepted: reply.accepted }]);
      }
    }
    state = evolve(state, event);
    if (event.type === 'proposalStarted') {
      owners.set(event.proposalId, event.node);
      reports.set(event.node, []);
    }
    if (event.type === 'replyDelivered') {
      for (const node of config.nodes) {
        const was = before.proposers[node];
        const now = state.proposers[node];
        if (!was || !now || now.proposalId === null) continue;
        if (was.promisers.length >= config.quorum || now.promisers.length < config.quorum) continue;
        if (was.proposalId !== now.proposalId) continue;
        const chosenBefore = before.chosen.find((c) => c.proposalId < now.proposalId!) ?? null;
        const own = reports.get(node) ?? [];
        const carried = now.highestAccepted;
        const told = now.promisers.map(
          (p) => own.find((r) => r.node === p) ?? { node: p, accepted: null },
        );
        stories.push({
          kind: 'promiseQuorum',
          seq: at,
          proposer: node,
          proposalId: now.proposalId,
          promisers: [...now.promisers],
          reports: told,
          carried,
          value: now.highestAccepted?.value ?? now.value ?? '',
          chosenBefore,
          shared: chosenBefore
            ? now.promisers.filter((p) => chosenBefore.acceptors.includes(p))
            : [],
          tellers: carried
            ? told
                .filter(
                  (r) =>
                    r.accepted?.proposalId === carried.proposalId &&
                    r.accepted.value === carried.value,
                )
                .map((r) => r.node)
            : [],
        });
      }
    }
    for (const second of state.chosen.slice(before.chosen.length)) {
      const first = state.chosen.find((c) => c.value !== second.value);
      if (!first || state.chosen.indexOf(first) > state.chosen.indexOf(second)) continue;
      if (stories.some((s) => s.kind === 'twoChosen')) continue;
      stories.push({
        kind: 'twoChosen',
        seq: at,
        first,
        second,
        firstBy: owners.get(first.proposalId) ?? null,
        secondBy: owners.get(second.proposalId) ?? null,
        shared: second.acceptors.filter((n) => first.acceptors.includes(n)),
      });
    }
  });
  return stories;
}

function and(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/**
 * One story in words. `viewer`: the node whose screen shows it (the proposer reads "you"), or
 * null for the projector and the others.
 */
export function storyText(story: QuorumStory, viewer: string | null): string {
  if (story.kind === 'twoChosen') {
    const { first, second, shared, secondBy } = story;
    const whose = secondBy
      ? `${secondBy === viewer ? 'your' : `${secondBy}'s`} proposal`
      : 'the later proposal';
    if (shared.length === 0) {
      return (
        `${and(first.acceptors)} chose ${first.value}, ${and(second.acceptors)} chose ${second.value}: ` +
        `no friend is in both quorums, so nobody could tell ${whose} about ${first.value}.`
      );
    }
    return (
      `${and(first.acceptors)} chose ${first.value}, ${and(second.acceptors)} chose ${second.value}: ` +
      `${and(shared)} ${shared.length === 1 ? 'is' : 'are'} in both quorums but did not tell ${whose} ` +
      `about ${first.value} (forgotten after a crash with amnesia).`
    );
  }
  const you = story.proposer === viewer;
  const them = you ? 'you' : story.proposer;
  const their = you ? 'your' : `${story.proposer}'s`;
  const { carried, chosenBefore, shared } = story;
  let text: string;
  if (carried) {
    text =
      `${and(story.tellers)} promised ${them} and had accepted ${carried.value} in proposal ` +
      `${carried.proposalId}, so ${their} accept requests carry ${carried.value}.`;
  } else {
    text =
      `Nobody who promised ${them} (${and(story.promisers)}) had accepted a movie, so ` +
      `${their} accept requests carry ${you ? 'your' : 'its'} own ${story.value}.`;
  }
  if (chosenBefore) {
    const is = shared.length === 1 ? 'is' : 'are';
    if (shared.length > 0 && story.value === chosenBefore.value) {
      text +=
        ` ${chosenBefore.value} was chosen by ${and(chosenBefore.acceptors)}: ${and(shared)} ` +
        `${is} in both quorums.`;
    } else if (shared.length > 0) {
      text +=
        ` ${chosenBefore.value} was chosen by ${and(chosenBefore.acceptors)}: ${and(shared)} ` +
        `${is} in both quorums but forgot it (a crash with amnesia).`;
    } else {
      text +=
        ` ${chosenBefore.value} was chosen by ${and(chosenBefore.acceptors)}, but no friend is in ` +
        `both quorums.`;
    }
  }
  return text;
}

/** How a friend is highlighted on the map and the diagram. */
export type Highlight = 'shared' | 'first' | 'second';

/**
 * The friends to highlight for a story: those in both quorums (else those who told the
 * proposer of an accepted movie); for two chosen movies, each quorum in its own colour.
 */
export function highlightOf(story: QuorumStory | null): Record<string, Highlight> {
  const marks: Record<string, Highlight> = {};
  if (!story) return marks;
  if (story.kind === 'twoChosen') {
    for (const n of story.first.acceptors) marks[n] = 'first';
    for (const n of story.second.acceptors) marks[n] = 'second';
  }
  const shared =
    story.shared.length > 0 || story.kind === 'twoChosen' ? story.shared : story.tellers;
  for (const n of shared) marks[n] = 'shared';
  return marks;
}

/** The story to show at the end of `stories`: the last one that has something to teach. */
export function currentStory(stories: readonly QuorumStory[]): QuorumStory | null {
  for (let i = stories.length - 1; i >= 0; i--) {
    const s = stories[i]!;
    if (s.kind === 'twoChosen' || s.carried || s.chosenBefore) return s;
  }
  return stories[stories.length - 1] ?? null;
}
