// Settings go on the wire without a null (the server refuses one: JSON makes NaN null), and
// come back as the same settings.
import { describe, expect, it } from 'vitest';
import { roomSettings } from '../../shared/protocol/schemas.ts';
import type { RoomSettings } from '../../shared/room/index.ts';
import { DEFAULT_MOVIES, DEFAULT_RULES } from '../../shared/room/index.ts';
import { wireSettings } from '../../client/lib/connection.svelte.ts';

const settings: RoomSettings = {
  movies: DEFAULT_MOVIES,
  seats: 5,
  quorum: null,
  delivery: 'instant',
  valueRule: 'seed',
  rules: { ...DEFAULT_RULES, turnLimit: null },
};

describe('wire settings', () => {
  it('leave a majority and no turn limit out, and the server reads them back the same', () => {
    const wire = wireSettings(settings);
    expect('quorum' in wire).toBe(false);
    expect(wire.rules && 'turnLimit' in wire.rules).toBe(false);
    expect(roomSettings.parse(wire)).toEqual(settings);
    const set: RoomSettings = { ...settings, quorum: 2, rules: { ...DEFAULT_RULES, turnLimit: 9 } };
    expect(wireSettings(set)).toMatchObject({ quorum: 2, rules: { turnLimit: 9 } });
    expect(roomSettings.parse(wireSettings(set))).toEqual(set);
    // A null sent as it is would be refused.
    expect(roomSettings.safeParse(settings).success).toBe(false);
  });
});
