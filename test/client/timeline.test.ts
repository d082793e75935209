// The timeline (client/lib/timeline.svelte.ts): the room as it was after any event of the
// round, folded by the engine's replay from the envelopes a browser has, or a fogged seat's
// views; pinned by seq while the round goes on; back to live.
import { describe, expect, it } from 'vitest';
import type { Envelope, RoomState } from '../../shared/room/index.ts';
import { foldRoom, roomTranscript, seatView } from '../../shared/room/index.ts';
import { Timeline, timelinePoints } from '../../client/lib/timeline.svelte.ts';
import { HOST, SYSTEM, player, seated } from '../room/harness.ts';
import { Source } from './timeline-source.svelte.ts';

/** A round with proposals, a partition, a crash and an amnesiac recovery, after five joins. */
function played() {
  const room = seated({ endWhenChosen: false });
  room.must({ type: 'host:startRound' }, HOST);
  room.must({ type: 'system:presence', playerId: 'ben', connected: false }, SYSTEM);
  room.must({ type: 'node:propose', value: 'Heat', to: ['Amy', 'Ben', 'Cal'] }, player('amy'));
  room.must({ type: 'host:partition', groups: [['Amy', 'Ben']] }, HOST);
  room.must({ type: 'host:crash', node: 'Cal' }, HOST);
  room.must({ type: 'host:recover', node: 'Cal', memory: 'lost' }, HOST);
  return room;
}

function sourceOf(log: Envelope[], base: RoomState | null = null): Source {
  const source = new Source();
  source.history = { base, log: base ? log.filter((e) => e.seq > base.seq) : log, views: [] };
  source.state = foldRoom(log);
  source.lines = roomTranscript(log);
  return source;
}

describe('the timeline', () => {
  it('is live until asked, then shows the room after any event of the round, read from the replay', () => {
    const room = played();
    const { log } = room;
    const start = log.find((e) => e.event.type === 'roundStarted')!.seq;
    const round = log.filter((e) => e.seq >= start && e.event.type !== 'presenceChanged');
    const source = sourceOf(log);
    const timeline = new Timeline(source);

    expect(timeline.viewing).toBe(false);
    expect(timeline.state).toBeNull();
    expect(timeline.lines).toBeNull();
    expect(timeline.total).toBe(round.length);
    expect(timeline.index).toBe(round.length);

    for (const [i, envelope] of round.entries()) {
      timeline.go(i + 1);
      if (i === round.length - 1) {
        expect(timeline.viewing).toBe(false); // the last point is live
        continue;
      }
      expect(timeline.index).toBe(i + 1);
      expect(timeline.seq).toBe(envelope.seq);
      expect(timeline.state).toEqual(foldRoom(log.slice(0, envelope.seq)));
      expect(timeline.lines).toEqual(source.lines.filter((l) => l.seq <= envelope.seq));
    }
    timeline.go(1);
    expect(timeline.state!.round!.paxos.inFlight).toEqual([]);
    expect(timeline.state!.round!.paxos.chosen).toEqual([]);
    expect(timeline.lines!.every((l) => l.seq <= start)).toBe(true);
  });

  it('steps back and forward, holds its point while events arrive, and comes back to live', () => {
    const room = played();
    const source = sourceOf(room.log);
    const timeline = new Timeline(source);
    const total = timeline.total;

    // One back from live: Cal has crashed and not yet recovered.
    timeline.back();
    expect(timeline.index).toBe(total - 1);
    const pinned = timeline.seq!;
    expect(timeline.state!.round!.paxos.network!.crashed).toEqual(['Cal']);

    room.must({ type: 'host:heal' }, HOST);
    source.history = { ...source.history, log: room.log };
    source.state = room.state;
    expect(timeline.total).toBe(total + 1);
    expect(timeline.seq).toBe(pinned);
    expect(timeline.index).toBe(total - 1);
    expect(timeline.state!.round!.paxos.network!.partition).not.toBeNull();

    timeline.back();
    expect(timeline.state!.round!.paxos.network!.crashed).toEqual([]);
    timeline.forward();
    expect(timeline.index).toBe(total - 1);
    timeline.live();
    expect(timeline.viewing).toBe(false);
    expect(timeline.state).toBeNull();
    timeline.go(timeline.total - 1);
    timeline.forward();
    expect(timeline.viewing).toBe(false);
    expect(timeline.numberOf(pinned)).toBe(total - 1);
    expect(timeline.numberOf(0)).toBeNull();
  });

  it('folds from a snapshot when the browser has only the later events', () => {
    const room = played();
    const { log } = room;
    const start = log.find((e) => e.event.type === 'roundStarted')!.seq;
    const base = foldRoom(log.slice(0, start + 3));
    const timeline = new Timeline(sourceOf(log, base));
    expect(timeline.total).toBe(log.length - base.seq);
    timeline.go(2);
    expect(timeline.seq).toBe(base.seq + 2);
    expect(timeline.state).toEqual(foldRoom(log.slice(0, base.seq + 2)));
  });

  it('under fog of war steps through the views the seat received: what its node knew', () => {
    const room = seated({ visibility: 'fog' });
    room.must({ type: 'host:startRound' }, HOST);
    const views = [seatView(room.state, 'Amy')];
    room.must({ type: 'node:newProposal', value: 'Heat' }, player('amy'));
    room.must({ type: 'node:promiseRequest', to: 'Ben' }, player('amy'));
    views.push(seatView(room.state, 'Amy'));
    room.must({ type: 'node:newProposal', value: 'Dune' }, player('ben'));
    views.push(seatView(room.state, 'Amy'));
    const source = new Source();
    source.history = { base: views.at(-1)!, log: [], views };
    source.state = views.at(-1)!;
    const timeline = new Timeline(source);

    expect(timeline.fogged).toBe(true);
    expect(timeline.total).toBe(3);
    timeline.go(2);
    expect(timeline.state).toBe(views[1]);
    expect(timeline.state!.hiddenFrom).toBe('Amy');
    expect(timeline.state!.round!.paxos.proposers['Ben']!.proposalId).toBeNull();
    // A view of another round is not this round's.
    expect(timelinePoints({ base: null, log: [], views }, { ...room.state, round: null })).toEqual(
      [],
    );
  });
});
