// A room driven the way the server drives it: decide, stamp, fold — with a clock the test sets.
import { expect } from 'vitest';
import type {
  Actor,
  Envelope,
  RoomCommand,
  RoomDecision,
  RoomSettings,
  RoomState,
  RoundRules,
} from '../../shared/room/index.ts';
import { DEFAULT_MOVIES, DEFAULT_RULES, execute, foldRoom } from '../../shared/room/index.ts';

export const HOST: Actor = { role: 'host' };
export const SYSTEM: Actor = { role: 'system' };
export const player = (playerId: string): Actor => ({ role: 'player', playerId });

export class TestRoom {
  log: Envelope[] = [];
  state: RoomState;
  now = 1_000_000;

  constructor(rules: Partial<RoundRules> = {}, settings: Partial<RoomSettings> = {}) {
    this.log.push({
      seq: 1,
      at: this.now,
      event: {
        type: 'roomCreated',
        code: 'ABCDE',
        settings: {
          movies: DEFAULT_MOVIES,
          seats: 5,
          quorum: null,
          delivery: 'instant',
          valueRule: 'seed',
          rules: { ...DEFAULT_RULES, ...rules },
          ...settings,
        },
      },
    });
    this.state = foldRoom(this.log);
  }

  run(command: RoomCommand, actor: Actor): RoomDecision {
    const done = execute(this.state, command, actor, this.now);
    if (!done.ok) return done;
    this.log.push(...done.envelopes);
    this.state = done.state;
    return { ok: true, events: done.envelopes.map((e) => e.event) };
  }

  /** Runs a command that must succeed. */
  must(command: RoomCommand, actor: Actor): RoomDecision & { ok: true } {
    const d = this.run(command, actor);
    if (!d.ok) throw new Error(`${command.type} refused: ${d.error.message}`);
    return d;
  }

  /** Runs a command that must be refused; returns the error code and leaves the room as it was. */
  refused(command: RoomCommand, actor: Actor): string {
    const before = this.state;
    const d = this.run(command, actor);
    expect(this.state).toBe(before);
    if (d.ok) throw new Error(`${command.type} was not refused`);
    return d.error.code;
  }

  get round() {
    return this.state.round!;
  }
}

export const FIVE = ['amy', 'ben', 'cal', 'dan', 'eva'];

/** A room with five players seated Amy..Eva (ids amy..eva). */
export function seated(
  rules: Partial<RoundRules> = {},
  settings: Partial<RoomSettings> = {},
): TestRoom {
  const room = new TestRoom(rules, settings);
  for (const name of FIVE)
    room.must({ type: 'room:join', code: 'ABCDE', newId: name, name, spectator: false }, SYSTEM);
  return room;
}
