// Quorums that visibly intersect (shared/quorums.ts): the seed cases and a two-movies run.
import { describe, expect, it } from 'vitest';
import type { PromiseQuorumStory } from '../../shared/quorums.ts';
import { currentStory, highlightOf, quorumStories, storyText } from '../../shared/quorums.ts';
import { run, seedCase, twoMovies, FIVE } from './diagram-helpers.ts';

const storiesOf = (r: ReturnType<typeof seedCase>) =>
  quorumStories(
    r.config,
    r.events.map((event) => ({ event })),
  );

const promiseStory = (r: ReturnType<typeof seedCase>, proposer: string) =>
  storiesOf(r).find(
    (s): s is PromiseQuorumStory => s.kind === 'promiseQuorum' && s.proposer === proposer,
  )!;

describe('a promise quorum after a movie was accepted or chosen', () => {
  it("case 1: Cal is in Eva's promise quorum and in the quorum that chose Openhimer", () => {
    const eva = promiseStory(seedCase(1), 'Eva');
    expect(eva).toMatchObject({
      proposalId: 2,
      promisers: ['Cal', 'Dan', 'Eva'],
      carried: { proposalId: 1, value: 'Openhimer' },
      value: 'Openhimer',
      chosenBefore: { proposalId: 1, value: 'Openhimer', acceptors: ['Amy', 'Ben', 'Cal'] },
      shared: ['Cal'],
      tellers: ['Cal'],
    });
    expect(storyText(eva, 'Eva')).toBe(
      'Cal promised you and had accepted Openhimer in proposal 1, so your accept requests carry ' +
        'Openhimer. Openhimer was chosen by Amy, Ben and Cal: Cal is in both quorums.',
    );
    expect(storyText(eva, null)).toBe(
      "Cal promised Eva and had accepted Openhimer in proposal 1, so Eva's accept requests carry " +
        'Openhimer. Openhimer was chosen by Amy, Ben and Cal: Cal is in both quorums.',
    );
    expect(highlightOf(eva)).toEqual({ Cal: 'shared' });
  });

  it('case 2: nothing chosen yet, but Cal had accepted Openhimer and tells Eva', () => {
    const r = seedCase(2);
    const eva = promiseStory(r, 'Eva');
    expect(eva.chosenBefore).toBeNull();
    expect(eva.shared).toEqual([]);
    expect(eva.tellers).toEqual(['Cal']);
    expect(storyText(eva, 'Eva')).toBe(
      'Cal promised you and had accepted Openhimer in proposal 1, so your accept requests carry Openhimer.',
    );
    expect(highlightOf(eva)).toEqual({ Cal: 'shared' });
    // Amy's own first quorum had nothing to carry; the story shown at the end is Eva's.
    const amy = promiseStory(r, 'Amy');
    expect(storyText(amy, 'Amy')).toBe(
      'Nobody who promised you (Amy, Ben and Cal) had accepted a movie, so your accept requests ' +
        'carry your own Openhimer.',
    );
    expect(currentStory(storiesOf(r))).toEqual(eva);
  });

  it("case 3: nobody in Eva's quorum had accepted, so Barbie; nothing highlighted", () => {
    const eva = promiseStory(seedCase(3), 'Eva');
    expect(eva).toMatchObject({ carried: null, value: 'Barbie', shared: [], tellers: [] });
    expect(storyText(eva, null)).toBe(
      "Nobody who promised Eva (Cal, Dan and Eva) had accepted a movie, so Eva's accept requests " +
        'carry its own Barbie.',
    );
    expect(highlightOf(eva)).toEqual({});
  });

  it('stories carry the seq of the event that completed the quorum', () => {
    const r = seedCase(1);
    const steps = r.events.map((event, i) => ({ event, seq: 100 + i }));
    const stories = quorumStories(r.config, steps);
    const eva = stories.find((s) => s.kind === 'promiseQuorum' && s.proposer === 'Eva')!;
    expect(steps[eva.seq - 100]!.event.type).toBe('replyDelivered');
    // Before that event, Eva has no quorum story yet.
    const before = quorumStories(r.config, steps.slice(0, eva.seq - 100));
    expect(before.some((s) => s.kind === 'promiseQuorum' && s.proposer === 'Eva')).toBe(false);
  });
});

describe('two movies chosen with a minority quorum', () => {
  it('the two quorums share no friend, and the words say so', () => {
    const stories = quorumStories(
      twoMovies().config,
      twoMovies().events.map((event) => ({ event })),
    );
    const two = stories.find((s) => s.kind === 'twoChosen')!;
    expect(two).toMatchObject({
      first: { value: 'Openhimer', acceptors: ['Amy', 'Ben'] },
      second: { value: 'Barbie', acceptors: ['Dan', 'Eva'] },
      firstBy: 'Amy',
      secondBy: 'Dan',
      shared: [],
    });
    expect(storyText(two, null)).toBe(
      "Amy and Ben chose Openhimer, Dan and Eva chose Barbie: no friend is in both quorums, so nobody could tell Dan's proposal about Openhimer.",
    );
    expect(storyText(two, 'Dan')).toMatch(/nobody could tell your proposal about Openhimer/);
    expect(highlightOf(two)).toEqual({ Amy: 'first', Ben: 'first', Dan: 'second', Eva: 'second' });
    expect(currentStory(stories)).toEqual(two);
  });

  it('with amnesia the quorums share a friend who forgot', () => {
    const r = run({ nodes: FIVE, quorum: 3, delivery: 'instant', valueRule: 'seed' }, [
      { type: 'newProposal', node: 'Amy', value: 'Openhimer' },
      ...['Amy', 'Ben', 'Cal'].map((to) => ({ type: 'promiseRequest' as const, node: 'Amy', to })),
      ...['Amy', 'Ben', 'Cal'].map((to) => ({ type: 'acceptRequest' as const, node: 'Amy', to })),
      { type: 'crash', node: 'Cal' },
      { type: 'recover', node: 'Cal', memory: 'lost' },
      { type: 'newProposal', node: 'Eva', value: 'Barbie' },
      ...['Cal', 'Dan', 'Eva'].map((to) => ({ type: 'promiseRequest' as const, node: 'Eva', to })),
      ...['Cal', 'Dan', 'Eva'].map((to) => ({ type: 'acceptRequest' as const, node: 'Eva', to })),
    ]);
    const stories = quorumStories(
      r.config,
      r.events.map((event) => ({ event })),
    );
    const eva = stories.find(
      (s): s is PromiseQuorumStory => s.kind === 'promiseQuorum' && s.proposer === 'Eva',
    )!;
    expect(eva).toMatchObject({ carried: null, shared: ['Cal'] });
    expect(storyText(eva, 'Eva')).toMatch(
      /Openhimer was chosen by Amy, Ben and Cal: Cal is in both quorums but forgot it \(a crash with amnesia\)\.$/,
    );
    const two = stories.find((s) => s.kind === 'twoChosen')!;
    expect(two.shared).toEqual(['Cal']);
    expect(storyText(two, null)).toBe(
      "Amy, Ben and Cal chose Openhimer, Cal, Dan and Eva chose Barbie: Cal is in both quorums but did not tell Eva's proposal about Openhimer (forgotten after a crash with amnesia).",
    );
  });
});
