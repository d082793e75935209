import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Actor, Envelope, RoomCommand, RoomState } from '../../shared/room/index.ts';
import {
  DEFAULT_MOVIES,
  decideRoom,
  evolveRoom,
  foldRoom,
  roomTranscript,
  transcriptText,
} from '../../shared/room/index.ts';
import { asRoomStep, seedCase } from './case3.ts';

const HOST: Actor = { role: 'host' };
const SYSTEM: Actor = { role: 'system' };
const player = (playerId: string): Actor => ({ role: 'player', playerId });

class TestRoom {
  log: Envelope[] = [];
  state: RoomState;
  constructor() {
    this.log.push({
      seq: 1,
      at: 0,
      event: {
        type: 'roomCreated',
        code: 'ABCDE',
        settings: {
          movies: DEFAULT_MOVIES,
          seats: 5,
          quorum: null,
          delivery: 'instant',
          valueRule: 'seed',
        },
      },
    });
    this.state = foldRoom(this.log);
  }
  run(command: RoomCommand, actor: Actor) {
    const decision = decideRoom(this.state, command, actor);
    if (decision.ok) {
      for (const event of decision.events) {
        const envelope = { seq: this.state.seq + 1, at: this.log.length, event };
        this.log.push(envelope);
        this.state = evolveRoom(this.state, envelope);
      }
    }
    return decision;
  }
}

function seated(): TestRoom {
  const room = new TestRoom();
  for (const name of ['amy', 'ben', 'cal', 'dan', 'eva']) {
    expect(room.run({ type: 'join', playerId: name, name, spectator: false }, SYSTEM).ok).toBe(
      true,
    );
  }
  return room;
}

describe('room engine', () => {
  it('seats players in friend order and folds to the same state as it went', () => {
    const room = seated();
    expect(room.state.players.map((p) => p.seat)).toEqual(['Amy', 'Ben', 'Cal', 'Dan', 'Eva']);
    expect(foldRoom(room.log)).toEqual(room.state);
  });

  it("plays the seed's case 3 and prints the scenario's transcript", () => {
    const room = seated();
    expect(room.run({ type: 'startRound' }, HOST).ok).toBe(true);
    const ids: Record<string, string> = {
      Amy: 'amy',
      Ben: 'ben',
      Cal: 'cal',
      Dan: 'dan',
      Eva: 'eva',
    };
    for (const step of seedCase(3).map(asRoomStep)) {
      const decision =
        'say' in step
          ? room.run({ type: 'say', text: step.say }, HOST)
          : room.run({ type: 'node', command: step.command }, player(ids[step.node]!));
      expect(decision.ok).toBe(true);
    }
    const golden = readFileSync(new URL('../golden/seed-case-3.txt', import.meta.url), 'utf8');
    expect(transcriptText(roomTranscript(room.log))).toBe(golden);
    expect(room.state.round!.paxos.chosen.map((c) => c.value)).toEqual(['Barbie']);
  });

  it('a player acts only as their own node', () => {
    const room = seated();
    room.run({ type: 'startRound' }, HOST);
    room.run({ type: 'node', command: { type: 'newProposal', value: 'Dune' } }, player('ben'));
    expect(room.state.round!.paxos.proposers.Ben!.value).toBe('Dune');
    expect(room.state.round!.paxos.proposers.Amy!.value).toBe(null);
  });

  it('only the host runs host commands', () => {
    const room = seated();
    const before = room.state;
    for (const command of [
      { type: 'startRound' },
      { type: 'close' },
      { type: 'kick', playerId: 'amy' },
    ] as const) {
      const d = room.run(command, player('ben'));
      expect(d.ok ? null : d.error.code).toBe('forbidden');
    }
    expect(room.state).toBe(before);
  });

  it('refuses a duplicate name, ignoring case', () => {
    const room = seated();
    const d = room.run({ type: 'join', playerId: 'x', name: 'AMY', spectator: false }, SYSTEM);
    expect(d.ok ? null : d.error.code).toBe('conflict');
  });

  it('a sixth player becomes a spectator and cannot act', () => {
    const room = seated();
    room.run({ type: 'join', playerId: 'fay', name: 'fay', spectator: false }, SYSTEM);
    room.run({ type: 'startRound' }, HOST);
    expect(room.state.players.find((p) => p.id === 'fay')!.seat).toBe(null);
    const d = room.run(
      { type: 'node', command: { type: 'newProposal', value: 'Dune' } },
      player('fay'),
    );
    expect(d.ok ? null : d.error.code).toBe('forbidden');
  });

  it("an accept request without a promise quorum is refused with the seed's line", () => {
    const room = seated();
    room.run({ type: 'startRound' }, HOST);
    room.run({ type: 'node', command: { type: 'newProposal', value: 'Dune' } }, player('amy'));
    const d = room.run(
      { type: 'node', command: { type: 'acceptRequest', to: 'Ben' } },
      player('amy'),
    );
    expect(d.ok ? null : d.error).toMatchObject({
      code: 'conflict',
      seedLine: 'No promise quorum - cannot send accept request',
    });
  });

  it('a new round is a fresh Paxos instance and the last one is summarised', () => {
    const room = seated();
    room.run({ type: 'startRound' }, HOST);
    room.run(
      { type: 'node', command: { type: 'propose', value: 'Dune', to: ['Amy', 'Ben', 'Cal'] } },
      player('amy'),
    );
    room.run({ type: 'startRound' }, HOST);
    expect(room.state.round!.number).toBe(2);
    expect(room.state.round!.paxos.proposalCounter).toBe(0);
    expect(room.state.history).toHaveLength(1);
    expect(room.state.history[0]!.chosen.map((c) => c.value)).toEqual(['Dune']);
    expect(transcriptText(roomTranscript(room.log))).toContain(
      'Amy chose : Dune\n\n=== Round 2 ===\n',
    );
  });
});
