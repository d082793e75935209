// The reasons beside disabled buttons are the engine's: a dry run of its decideRoom
// (client/lib/refusals.ts), which refuses in its own words and changes nothing.
import { describe, expect, it } from 'vitest';
import { SEED_LINES } from '../../shared/paxos/index.ts';
import { refusal } from '../../client/lib/refusals.ts';
import { HOST, SYSTEM, seated } from '../room/harness.ts';

describe('refusals', () => {
  it("gives the engine's refusal, or null when the move would go ahead, and changes nothing", () => {
    const room = seated();
    room.must({ type: 'host:startRound' }, HOST);
    const before = room.state;
    const accept = refusal(before, { type: 'node:acceptRequest', to: 'Ben' }, 'amy');
    expect(accept).toMatchObject({ code: 'conflict', seedLine: SEED_LINES.noPromiseQuorum });
    expect(accept?.message).toBe('Amy has no proposal yet, so it cannot send accept requests.');
    expect(refusal(before, { type: 'node:newProposal', value: 'Dune' }, 'amy')).toBeNull();
    expect(room.state).toBe(before);
    expect(room.state.round!.paxos.proposers['Amy']!.proposalId).toBeNull();
  });

  it('names whose turn it is, and says a spectator or an ended round cannot act', () => {
    const room = seated({ mode: 'turns' });
    room.must(
      { type: 'room:join', code: 'ABCDE', newId: 'zoe', name: 'zoe', spectator: true },
      SYSTEM,
    );
    room.must({ type: 'host:startRound' }, HOST);
    const move = { type: 'node:newProposal', value: 'Dune' } as const;
    expect(refusal(room.state, move, 'ben')?.message).toBe("It is Amy's turn (amy).");
    expect(refusal(room.state, move, 'zoe')?.message).toBe(
      'You are watching without a seat, so you cannot act as a node.',
    );
    room.must({ type: 'host:endRound' }, HOST);
    expect(refusal(room.state, move, 'amy')?.message).toBe(
      'This round is over: wait for the host to start the next one.',
    );
  });
});
