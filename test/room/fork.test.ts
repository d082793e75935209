// The fork's log (shared/room/fork.ts) and auto-play's rules (host:autoplay, system:step) in a room.
import { describe, expect, it } from 'vitest';
import {
  autoplaySpeed,
  forkLog,
  foldRoom,
  isLive,
  roomCheckpoints,
  roomStateAt,
  roomTranscript,
} from '../../shared/room/index.ts';
import { HOST, SYSTEM, player, seated } from './harness.ts';

/** A round under manual delivery with Amy's proposal half way and a bot at Eva. */
function midRound() {
  const room = seated({ mode: 'realtime', endWhenChosen: false }, { delivery: 'manual' });
  room.must({ type: 'room:leave', bot: 'quiet', newId: 'eva-bot' }, player('eva'));
  room.must({ type: 'host:startRound' }, HOST);
  room.must({ type: 'node:propose', value: 'Dune', to: ['Amy', 'Ben', 'Cal'] }, player('amy'));
  room.must({ type: 'host:step' }, HOST);
  room.must({ type: 'host:crash', node: 'Cal' }, HOST);
  return room;
}

describe('forkLog', () => {
  it('is the prefix (its state and transcript the parent’s at that point), then the fork’s own events', () => {
    const room = midRound();
    const at = room.state.seq - 1; // before the crash
    room.must({ type: 'host:say', text: 'after the fork point' }, HOST);
    const forked = forkLog(room.log.slice(0, at), {
      parent: 'ABCDE',
      at,
      code: 'FGHJK',
      now: 5_000_000,
    });
    if (!forked.ok) throw new Error(forked.error.message);
    const { envelopes, state } = forked;

    const parentAt = roomStateAt(roomCheckpoints(room.log), room.log, at);
    const forkAt = roomStateAt(roomCheckpoints(envelopes), envelopes, at);
    expect(forkAt).toEqual({ ...parentAt, code: 'FGHJK' });
    expect(roomTranscript(envelopes.slice(0, at))).toEqual(roomTranscript(room.log.slice(0, at)));
    // Nothing the fork adds prints a line: its transcript is the prefix's.
    expect(roomTranscript(envelopes)).toEqual(roomTranscript(room.log.slice(0, at)));

    const own = envelopes.slice(at);
    expect(own.map((e) => e.seq)).toEqual(own.map((_, i) => at + 1 + i));
    expect(own.every((e) => e.at === 5_000_000)).toBe(true);
    expect(own[0]!.event).toEqual({ type: 'roomForked', parent: 'ABCDE', at });
    // The four people leave (their tokens open the parent); the bot stays at Eva.
    expect(own.slice(1).map((e) => e.event)).toEqual(
      ['amy', 'ben', 'cal', 'dan'].map((id) => ({
        type: 'playerLeft',
        playerId: id,
        reason: 'left',
      })),
    );
    expect(state.players.map((p) => [p.seat, p.bot])).toEqual([['Eva', 'quiet']]);
    expect(state.forkedFrom).toEqual({ code: 'ABCDE', at });
    // The nodes' Paxos state is as it was: newcomers take the seats where they are.
    expect(state.round!.paxos).toEqual(parentAt.round!.paxos);
    expect(foldRoom(envelopes)).toEqual(state);
  });

  it('stops auto-play in the fork, and refuses a point where the room was closed', () => {
    const room = midRound();
    room.must({ type: 'host:autoplay', speed: 2 }, HOST);
    room.must({ type: 'host:lock', locked: true }, HOST);
    const at = room.state.seq;
    const forked = forkLog(room.log, { parent: 'ABCDE', at, code: 'FGHJK', now: 1 });
    if (!forked.ok) throw new Error(forked.error.message);
    expect(forked.envelopes.slice(at + 1, at + 3).map((e) => e.event)).toEqual([
      { type: 'autoplayChanged', speed: 0, reason: 'forked' },
      // A locked room's fork is open: it is for whoever joins it.
      { type: 'roomLocked', locked: false },
    ]);
    expect(forked.state.round!.autoplay).toBeUndefined();
    expect(forked.state.locked).toBe(false);

    room.must({ type: 'host:close' }, HOST);
    const closed = forkLog(room.log, { parent: 'ABCDE', at: room.state.seq, code: 'X', now: 1 });
    expect(closed).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(() =>
      forkLog(room.log.slice(1), { parent: 'ABCDE', at: 2, code: 'X', now: 1 }),
    ).toThrow();
  });

  it('only the server sends system:fork', () => {
    const room = midRound();
    for (const actor of [HOST, player('amy')]) {
      expect(room.refused({ type: 'system:fork', parent: 'ABCDE', at: 1 }, actor)).toBe(
        'forbidden',
      );
    }
  });
});

describe('auto-play', () => {
  it('the host sets a speed; system:step steps while it is on, and it stops when nothing is left', () => {
    const room = midRound();
    expect(room.refused({ type: 'host:autoplay', speed: 1 }, player('amy'))).toBe('forbidden');
    expect(room.refused({ type: 'system:step' }, HOST)).toBe('forbidden');
    // Off: a late step of the driver changes nothing.
    expect(room.must({ type: 'system:step' }, SYSTEM).events).toEqual([]);

    expect(room.must({ type: 'host:autoplay', speed: 0.5 }, HOST).events).toEqual([
      { type: 'autoplayChanged', speed: 0.5, reason: 'host' },
    ]);
    expect(room.round.autoplay).toBe(0.5);
    expect(autoplaySpeed(room.state)).toBe(0.5);
    // The same speed again changes nothing.
    expect(room.must({ type: 'host:autoplay', speed: 0.5 }, HOST).events).toEqual([]);

    room.must({ type: 'host:pause' }, HOST);
    expect(autoplaySpeed(room.state)).toBe(0);
    expect(room.must({ type: 'system:step' }, SYSTEM).events).toEqual([]);
    room.must({ type: 'host:resume' }, HOST);

    let steps = 0;
    while (room.round.autoplay !== undefined && steps < 100) {
      const done = room.must({ type: 'system:step' }, SYSTEM);
      expect(done.events[0]).toMatchObject({ type: 'paxos', by: null, event: { type: 'stepped' } });
      steps++;
    }
    // What was in flight, and what the deliveries sent, until nothing was left (Cal has crashed).
    expect(steps).toBeGreaterThan(2);
    expect(room.log.at(-1)!.event).toEqual({ type: 'autoplayChanged', speed: 0, reason: 'done' });
    expect(room.round.paxos.inFlight).toEqual([]);
    expect(foldRoom(room.log)).toEqual(room.state);
  });

  it('a round that ends by itself (a movie chosen) takes auto-play with it', () => {
    const room = seated({}, { delivery: 'manual' });
    room.must({ type: 'host:startRound' }, HOST);
    room.must({ type: 'node:propose', value: 'Dune', to: ['Amy', 'Ben', 'Cal'] }, player('amy'));
    room.must({ type: 'host:autoplay', speed: 10 }, HOST);
    let steps = 0;
    while (autoplaySpeed(room.state) > 0 && steps < 100) {
      room.must({ type: 'system:step' }, SYSTEM);
      steps++;
    }
    expect(room.log.at(-1)!.event).toEqual({ type: 'roundEnded', reason: 'chosen' });
    expect(room.round.autoplay).toBeUndefined();
    expect(room.log.some((e) => e.event.type === 'autoplayChanged' && e.event.speed === 0)).toBe(
      false,
    );
    expect(room.must({ type: 'system:step' }, SYSTEM).events).toEqual([]);
  });

  it('is refused with nothing to deliver or no round, and ends with its round', () => {
    const room = seated();
    expect(room.refused({ type: 'host:autoplay', speed: 1 }, HOST)).toBe('conflict');
    room.must({ type: 'host:startRound' }, HOST);
    expect(room.refused({ type: 'host:autoplay', speed: 1 }, HOST)).toBe('conflict');
    room.must({ type: 'host:hold' }, HOST);
    room.must({ type: 'node:newProposal', value: 'Dune' }, player('amy'));
    room.must({ type: 'node:promiseRequest', to: 'Ben' }, player('amy'));
    expect(isLive(room.state)).toBe(false);
    room.must({ type: 'host:autoplay', speed: 10 }, HOST);
    // The server drives it now: a restart loads it at once.
    expect(isLive(room.state)).toBe(true);
    room.must({ type: 'host:endRound' }, HOST);
    expect(room.round.autoplay).toBeUndefined();
    expect(autoplaySpeed(room.state)).toBe(0);
    expect(isLive(room.state)).toBe(false);
  });
});
