// The space-time diagram's data (shared/diagram.ts) from the seed cases, faults and a room's log.
import { describe, expect, it } from 'vitest';
import type { DiagramArrow } from '../../shared/diagram.ts';
import {
  buildDiagram,
  diagramLines,
  diagramOfRound,
  diagramOfViews,
  lastRows,
  roundsOf,
} from '../../shared/diagram.ts';
import { seatView } from '../../shared/room/visibility.ts';
import { evolveRoom } from '../../shared/room/evolve.ts';
import type { RoomState } from '../../shared/room/types.ts';
import type { PaxosState } from '../../shared/paxos/types.ts';
import { HOST, player, seated } from '../room/harness.ts';
import { diagramSvg, escapeXml } from '../../shared/diagram-svg.ts';
import { FIVE, run, seedCase, twoMovies } from './diagram-helpers.ts';

const diagramOf = (r: ReturnType<typeof seedCase>) =>
  buildDiagram(
    r.config,
    r.events.map((event) => ({ event })),
  );

const find = (arrows: DiagramArrow[], kind: DiagramArrow['kind'], from: string, to: string) =>
  arrows.filter((a) => a.kind === kind && a.from === from && a.to === to);

describe('the diagram of the seed cases', () => {
  it.each([1, 2, 3] as const)('case %i, in words', (n) => {
    expect(diagramLines(diagramOf(seedCase(n))).join('\n')).toMatchSnapshot();
  });

  it('case 1: one lane per node, every message an arrow down from send to delivery, Openhimer chosen', () => {
    const d = diagramOf(seedCase(1));
    expect(d.nodes).toEqual(FIVE);
    for (const a of d.arrows) {
      expect(a.end).not.toBeNull();
      expect(a.end!).toBeGreaterThan(a.sent);
      expect(a.fate).toBe('delivered');
    }
    // Chosen in proposal 1 by Amy, Ben and Cal, and again (the same movie) in Eva's proposal 2.
    expect(d.marks.filter((m) => m.kind === 'chosen')).toHaveLength(2);
    expect(d.chosen).toEqual([
      { proposalId: 1, value: 'Openhimer', acceptors: ['Amy', 'Ben', 'Cal'] },
      { proposalId: 2, value: 'Openhimer', acceptors: ['Cal', 'Dan', 'Eva'] },
    ]);
    // Cal tells Eva's proposal about Openhimer: its promise reply says it had accepted it.
    const [promise] = find(d.arrows, 'promiseReply', 'Cal', 'Eva');
    expect(promise).toMatchObject({ granted: true, label: 'promised 2, had 1: Openhimer' });
    // ...so Eva's accept requests carry Openhimer, not Barbie.
    for (const a of d.arrows.filter((x) => x.kind === 'acceptRequest' && x.from === 'Eva')) {
      expect(a.value).toBe('Openhimer');
    }
  });

  it("case 3: Cal rejects Amy's late accept request; Barbie chosen by Cal, Dan and Eva", () => {
    const d = diagramOf(seedCase(3));
    const [request] = find(d.arrows, 'acceptRequest', 'Amy', 'Cal');
    const [reply] = find(d.arrows, 'acceptReply', 'Cal', 'Amy');
    expect(request).toMatchObject({ fate: 'delivered', label: 'accept request 1: Openhimer' });
    expect(reply).toMatchObject({
      granted: false,
      label: 'rejected 1 (promised 2)',
      fate: 'delivered',
    });
    expect(reply!.sent).toBe(request!.end);
    expect(d.chosen.map((c) => c.value)).toEqual(['Barbie']);
    expect(d.marks).toContainEqual({
      kind: 'learned',
      node: 'Eva',
      row: expect.any(Number),
      value: 'Barbie',
    });
  });
});

describe('faults on the diagram', () => {
  const faults = () =>
    run({ nodes: FIVE, quorum: 3, delivery: 'manual', valueRule: 'seed' }, [
      { type: 'newProposal', node: 'Amy', value: 'Openhimer' },
      { type: 'promiseRequest', node: 'Amy', to: 'Ben' },
      { type: 'promiseRequest', node: 'Amy', to: 'Cal' },
      { type: 'promiseRequest', node: 'Amy', to: 'Dan' },
      { type: 'drop', messageId: 1 },
      { type: 'duplicate', messageId: 2 },
      { type: 'deliver', messageId: 2 },
      { type: 'crash', node: 'Dan' },
      { type: 'deliver', messageId: 3 },
      {
        type: 'partition',
        groups: [
          ['Amy', 'Ben'],
          ['Cal', 'Dan'],
        ],
      },
      { type: 'deliver', messageId: 4 },
      { type: 'recover', node: 'Dan', memory: 'lost' },
      { type: 'heal' },
    ]);

  it('drops, duplicates, losses to a crash and to a partition, spans and recoveries', () => {
    const d = diagramOf(faults());
    expect(diagramLines(d).join('\n')).toMatchSnapshot();
    const byId = new Map(d.arrows.map((a) => [a.id, a]));
    expect(byId.get(1)).toMatchObject({ fate: 'dropped', end: 4 });
    expect(byId.get(4)).toMatchObject({
      duplicateOf: 2,
      fate: 'lost',
      lostTo: { partition: true },
    });
    expect(byId.get(3)).toMatchObject({ fate: 'lost', lostTo: { crashed: 'Dan' } });
    // Cal's promise is still in flight when the diagram ends.
    expect(byId.get(5)).toMatchObject({ fate: 'flying', end: null, granted: true });
    expect(d.spans.filter((s) => s.kind === 'crash')).toEqual([
      { kind: 'crash', node: 'Dan', from: 7, to: 11, label: 'down' },
    ]);
    expect(
      d.spans.filter((s) => s.kind === 'partition').map((s) => [s.node, s.label, s.to]),
    ).toEqual([
      ['Amy', 'group 1 of 3', 12],
      ['Ben', 'group 1 of 3', 12],
      ['Cal', 'group 2 of 3', 12],
      ['Dan', 'group 2 of 3', 12],
      ['Eva', 'group 3 of 3', 12],
    ]);
    expect(d.marks).toContainEqual({ kind: 'recovered', node: 'Dan', row: 11, memory: 'lost' });
  });

  it('a diagram of a prefix of the events is the start of the whole one', () => {
    const r = faults();
    const whole = diagramOf(r);
    const part = buildDiagram(
      r.config,
      r.events.slice(0, 6).map((event) => ({ event })),
    );
    expect(part.rows).toEqual(whole.rows.slice(0, part.rows.length));
    expect(part.arrows.find((a) => a.id === 2)!.fate).toBe('flying');
  });
});

/** Case 1 played in a room by five players (ids amy..eva, seats Amy..Eva). */
function roomCase1() {
  const room = seated({ endWhenChosen: false });
  room.must({ type: 'host:startRound' }, HOST);
  const as = (id: string) => player(id);
  room.must({ type: 'node:newProposal', value: 'Openhimer' }, as('amy'));
  for (const to of ['Amy', 'Ben', 'Cal']) room.must({ type: 'node:promiseRequest', to }, as('amy'));
  for (const to of ['Amy', 'Ben', 'Cal']) room.must({ type: 'node:acceptRequest', to }, as('amy'));
  return room;
}

describe('the diagram of a room', () => {
  it("draws a round of the log, rows pinned to the envelopes' seqs", () => {
    const room = roomCase1();
    const d = diagramOfRound(room.log)!;
    expect(d.round).toBe(1);
    expect(roundsOf(room.log)).toEqual([1]);
    const seqs = d.rows.map((r) => r.seq!);
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)).toBe(true);
    const paxosSeqs = new Set(room.log.filter((e) => e.event.type === 'paxos').map((e) => e.seq));
    for (const s of seqs) expect(paxosSeqs.has(s)).toBe(true);
    expect(d.chosen.map((c) => c.value)).toEqual(['Openhimer']);
    // Up to a timeline point: the rows until then.
    const upTo = seqs[5]!;
    const past = diagramOfRound(room.log.filter((e) => e.seq <= upTo))!;
    expect(past.rows).toEqual(d.rows.slice(0, 6));
    expect(diagramOfRound(room.log, 2)).toBeNull();
  });

  it("a fogged seat's diagram shows only its own messages, from its views", () => {
    const room = seated({ endWhenChosen: false, visibility: 'fog' }, { delivery: 'manual' });
    room.must({ type: 'host:startRound' }, HOST);
    const views: { seq: number; paxos: PaxosState }[] = [];
    let state: RoomState | null = null;
    const at = room.log.length;
    room.must({ type: 'node:newProposal', value: 'Openhimer' }, player('amy'));
    room.must({ type: 'node:promiseRequest', to: 'Ben' }, player('amy'));
    room.must({ type: 'node:newProposal', value: 'Barbie' }, player('eva'));
    room.must({ type: 'node:promiseRequest', to: 'Dan' }, player('eva'));
    for (const e of room.log.slice(0, at)) state = evolveRoom(state, e);
    for (const e of room.log.slice(at)) {
      state = evolveRoom(state, e);
      views.push({ seq: e.seq, paxos: seatView(state, 'Ben').round!.paxos });
    }
    const d = diagramOfViews(views);
    expect(d.note).toMatch(/Fog of war/);
    expect(d.arrows.map((a) => [a.from, a.to, a.kind])).toEqual([['Amy', 'Ben', 'promiseRequest']]);
    expect(JSON.stringify([d.rows, d.arrows])).not.toMatch(/Barbie|Dan|Eva/);
  });
});

describe('the diagram as SVG', () => {
  it('draws lanes, a legend and the rejected reply of case 3', () => {
    const svg = diagramSvg(diagramOf(seedCase(3)), { title: 'Case 3' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ')).toBe(true);
    for (const word of [
      'request',
      'granted',
      'rejected',
      'dropped / lost',
      'duplicate',
      'in flight',
    ]) {
      expect(svg).toContain(`>${word}</text>`);
    }
    expect(svg.match(/class="arrow acceptReply rejected delivered"/g)).toHaveLength(1);
    expect(svg).toContain('chosen: Barbie (proposal 2)');
    expect(svg).not.toContain('Safety broken');
  });

  it('escapes every text, marks faults, tints highlighted lanes and says when two movies are chosen', () => {
    const r = run({ nodes: FIVE, quorum: 3, delivery: 'manual', valueRule: 'seed' }, [
      { type: 'newProposal', node: 'Amy', value: `<b>"Tom" & 'Jerry'</b>` },
      { type: 'promiseRequest', node: 'Amy', to: 'Ben' },
      { type: 'drop', messageId: 1 },
    ]);
    const d = diagramOf(r);
    const svg = diagramSvg(d, { caption: 'a <caption> & more', highlight: { Cal: 'shared' } });
    expect(svg).toContain('proposal 1: &lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;');
    expect(svg).toContain('a &lt;caption&gt; &amp; more');
    expect(svg).not.toMatch(/<b>|<caption>/);
    expect(svg).toContain('class="lane-shared" data-node="Cal"');
    expect(svg).toMatch(
      /<g class="arrow promiseRequest dropped"[^>]*><title>#1 Amy → Ben: promise request 1 \(dropped\)/,
    );
    expect(escapeXml(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&#39;');
    const two = twoMovies();
    const broken = diagramSvg(diagramOf(two));
    expect(broken).toContain('Safety broken: two movies chosen (Openhimer and Barbie)');
  });
});

describe('a long round', () => {
  it('keeps the last rows, renumbered, with what reaches into them', () => {
    const whole = diagramOf(seedCase(3));
    const part = lastRows(whole, 10);
    expect(part.rows.map((r) => r.text)).toEqual(whole.rows.slice(-10).map((r) => r.text));
    expect(part.rows.map((r) => r.row)).toEqual([...Array(10).keys()]);
    expect(part.note).toBe("The last 10 of the round's 38 rows.");
    // Amy's late accept requests and Cal's rejection are all inside; nothing ends before row 0.
    expect(part.arrows.every((a) => a.end === null || a.end >= 0)).toBe(true);
    expect(part.arrows.filter((a) => a.granted === false)).toHaveLength(1);
    expect(part.marks.every((m) => m.row >= 0 && m.row < 10)).toBe(true);
    expect(lastRows(whole, 100)).toBe(whole);
  });
});
