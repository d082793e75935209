// "Run both phases" (node:propose) is a rule of the round: the host may turn it off, and its
// default follows the mode (on in free play, off in turns and when players answer).
import { describe, expect, it } from 'vitest';
import { roomSettings } from '../../shared/protocol/schemas.ts';
import type { RoomCommand, RoundRules } from '../../shared/room/index.ts';
import { proposeAllowed, proposeByDefault } from '../../shared/room/index.ts';
import { HOST, player, seated } from './harness.ts';

const propose: RoomCommand = { type: 'node:propose', value: 'Dune', to: ['Amy', 'Ben', 'Cal'] };

describe('the "Run both phases" shortcut', () => {
  it('is refused with a clear message when the host turned it off, and changes nothing', () => {
    const room = seated({ allowPropose: false });
    room.must({ type: 'host:startRound' }, HOST);
    const before = room.state;
    const d = room.run(propose, player('amy'));
    expect(d).toEqual({
      ok: false,
      error: {
        code: 'conflict',
        message:
          'The host turned off "Run both phases" for this round: send the requests one at a time.',
      },
    });
    expect(room.state).toBe(before);
    // One request at a time still works.
    room.must({ type: 'node:newProposal', value: 'Dune' }, player('amy'));
    room.must({ type: 'node:promiseRequest', to: 'Ben' }, player('amy'));
  });

  it('runs when allowed, and a rule changed mid-round waits for the next round', () => {
    const room = seated();
    room.must({ type: 'host:startRound' }, HOST);
    const off = roomSettings.parse({ rules: { allowPropose: false } });
    room.must({ type: 'host:settings', settings: off }, HOST);
    room.must(propose, player('amy'));
    expect(room.state.history.at(-1)?.reason).toBe('chosen');
    room.must({ type: 'host:startRound' }, HOST);
    expect(room.round.rules.allowPropose).toBe(false);
    expect(room.refused(propose, player('amy'))).toBe('conflict');
  });

  it('defaults per mode: on in free play, off in turns and when players answer', () => {
    const rules = (r: object) => roomSettings.parse({ rules: r }).rules;
    expect(rules({}).allowPropose).toBe(true);
    expect(rules({ visibility: 'fog' }).allowPropose).toBe(true);
    expect(rules({ mode: 'turns' }).allowPropose).toBe(false);
    expect(rules({ acceptors: 'players' }).allowPropose).toBe(false);
    // The host's word wins over the default.
    expect(rules({ acceptors: 'players', allowPropose: true }).allowPropose).toBe(true);
    expect(rules({ allowPropose: false }).allowPropose).toBe(false);
    expect(proposeByDefault({ mode: 'realtime', acceptors: 'engine' })).toBe(true);
    // Turns never allow it, whatever the rule says; a round logged before the rule allows it.
    expect(proposeAllowed({ ...rules({ mode: 'turns' }), allowPropose: true })).toBe(false);
    const old: RoundRules = { ...rules({}) };
    delete old.allowPropose;
    expect(proposeAllowed(old)).toBe(true);
  });

  it('a round with players as acceptors refuses it by default', () => {
    const room = seated(roomSettings.parse({ rules: { acceptors: 'players' } }).rules);
    room.must({ type: 'host:startRound' }, HOST);
    expect(room.refused(propose, player('amy'))).toBe('conflict');
  });
});
