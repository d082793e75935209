// Time travel over a room: the room after any prefix of its envelope log, from
// checkpoints, is the room a fold of that prefix gives.
import { describe, expect, it } from 'vitest';
import { prng } from '../../shared/prng.ts';
import {
  extendRoomCheckpoints,
  foldRoom,
  roomCheckpoints,
  roomStateAt,
} from '../../shared/room/index.ts';
import type { RoomState } from '../../shared/room/index.ts';
import { randomRoomLog } from './random-room-log.ts';

const logs = [11, 12, 13].map((seed) => randomRoomLog(seed, 2500));
const log = logs[0]!;
const json = (x: unknown) => JSON.stringify(x);

describe('room replay: roomCheckpoints and roomStateAt', () => {
  it('the random logs are whole rooms with many rounds and every kind of room event', () => {
    for (const l of logs) {
      expect(l.length).toBeGreaterThanOrEqual(2500);
      expect(l.map((e) => e.seq)).toEqual(l.map((_, i) => i + 1));
      const room = foldRoom(l);
      expect(room.history.length).toBeGreaterThan(1);
    }
    const kinds = new Set(logs.flat().map((e) => e.event.type));
    for (const kind of [
      'roomCreated',
      'playerJoined',
      'playerLeft',
      'presenceChanged',
      'settingsChanged',
      'roundStarted',
      'paxos',
      'roundEnded',
      'turnStarted',
      'turnEnded',
      'paused',
      'resumed',
      'mistake',
      'note',
    ]) {
      expect(kinds, kind).toContain(kind);
    }
  });

  // 100 random points of each log, and the room there folded from scratch (once, in one pass).
  const points = logs.map((l, n) => {
    const rng = prng(100 + n);
    const at = [...new Set(Array.from({ length: 100 }, () => 1 + rng.int(l.length)))];
    const folded = new Map<number, RoomState>();
    let room: RoomState | null = null;
    let done = 0;
    for (const i of [...at].sort((a, b) => a - b)) {
      room = foldRoom(l.slice(done, i), room);
      done = i;
      folded.set(i, room);
    }
    return { at, folded };
  });

  it.each([1, 7, 100, 1000])(
    'every %i: the room at 100 random points of each log is the fold of that prefix',
    (every) => {
      logs.forEach((l, n) => {
        const cps = roomCheckpoints(l, every);
        expect(cps.states.length).toBe(1 + Math.floor(l.length / every));
        const { at, folded } = points[n]!;
        for (const i of at) {
          expect(roomStateAt(cps, l, i), `index ${i}`).toEqual(folded.get(i));
        }
      });
    },
  );

  it('every index of a log, one after the other, is the fold of its prefix', () => {
    const short = log.slice(0, 400);
    const cps = roomCheckpoints(short, 37);
    let folded = foldRoom(short.slice(0, 1));
    for (let i = 1; i <= short.length; i++) {
      if (i > 1) folded = foldRoom(short.slice(i - 1, i), folded);
      expect(json(roomStateAt(cps, short, i)), `index ${i}`).toBe(json(folded));
    }
  });

  it('an index counts envelopes: for a whole log it is the seq of the last one folded', () => {
    const cps = roomCheckpoints(log, 100);
    for (const i of [1, 2, 99, 100, 101, 1234, log.length]) {
      expect(roomStateAt(cps, log, i).seq).toBe(i);
    }
  });

  it('the first index is the room just created; the last is the room now', () => {
    const cps = roomCheckpoints(log, 100);
    const created = roomStateAt(cps, log, 1);
    expect(created).toEqual(foldRoom(log.slice(0, 1)));
    expect(created.players).toEqual([]);
    expect(created.round).toBe(null);
    expect(roomStateAt(cps, log, log.length)).toEqual(foldRoom(log));
  });

  it('a checkpoint is the room after its first `k * every` envelopes, no room first', () => {
    const every = 250;
    const cps = roomCheckpoints(log, every);
    expect(cps.states[0]).toBe(null);
    for (let k = 1; k < cps.states.length; k++) {
      expect(cps.states[k]).toEqual(foldRoom(log.slice(0, k * every)));
      // An exact multiple of `every` is the kept room itself, nothing folded.
      expect(roomStateAt(cps, log, k * every)).toBe(cps.states[k]);
    }
    expect(roomStateAt(cps, log, every + 1)).toEqual(foldRoom(log.slice(0, every + 1)));
    expect(roomStateAt(cps, log, every - 1)).toEqual(foldRoom(log.slice(0, every - 1)));
  });

  it('refuses an index outside 1..length and an interval below 1', () => {
    const cps = roomCheckpoints(log, 100);
    for (const i of [0, -1, log.length + 1, 1.5, Number.NaN]) {
      expect(() => roomStateAt(cps, log, i), `index ${i}`).toThrow(RangeError);
    }
    expect(() => roomCheckpoints(log, 0)).toThrow(RangeError);
    expect(() => roomCheckpoints(log, 2.5)).toThrow(RangeError);
  });

  it('a grown log: roomStateAt folds past the last checkpoint, and extending adds only new ones', () => {
    const old = roomCheckpoints(log.slice(0, 730), 200);
    expect(old.states.length).toBe(4);
    // The log grew to its full length: the old checkpoints still answer, folding further.
    expect(roomStateAt(old, log, log.length)).toEqual(foldRoom(log));
    expect(roomStateAt(old, log, 1500)).toEqual(foldRoom(log.slice(0, 1500)));
    const grown = extendRoomCheckpoints(old, log);
    expect(grown.states.length).toBe(1 + Math.floor(log.length / 200));
    for (let k = 0; k < old.states.length; k++) expect(grown.states[k]).toBe(old.states[k]);
    expect(json(grown)).toBe(json(roomCheckpoints(log, 200)));
    expect(old.states.length).toBe(4);
    // Nothing new is due: the same checkpoints come back.
    expect(extendRoomCheckpoints(grown, log)).toBe(grown);
    expect(extendRoomCheckpoints(old, log.slice(0, 799))).toBe(old);
  });

  it('a log of one envelope has no room at 0 and the created room at 1', () => {
    const one = log.slice(0, 1);
    const cps = roomCheckpoints(one);
    expect(cps.states).toEqual([null]);
    expect(roomStateAt(cps, one, 1)).toEqual(foldRoom(one));
    expect(() => roomStateAt(cps, one, 0)).toThrow(RangeError);
  });
});
