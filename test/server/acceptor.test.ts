// Be the acceptor through the protocol: requests wait in a player's inbox; a wrong
// answer is refused and explained (or applied, when the host says so) and counted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Envelope, RoomEvent } from '../../shared/room/index.ts';
import type { Client, TestServer } from './helpers.ts';
import { data, record, seatedRoom, startServer, waitFor } from './helpers.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startServer();
});
afterAll(() => t.close());

const inboxRules = (wrongAnswers: 'refuse' | 'apply') => ({
  rules: { acceptors: 'players' as const, wrongAnswers, endWhenChosen: false },
});
type Mistake = Extract<RoomEvent, { type: 'mistake' }>;
const mistakes = (seen: Envelope[]) =>
  seen.flatMap(({ event: e }) => (e.type === 'mistake' ? [e] : []));

describe('be the acceptor', () => {
  it('a wrong answer is refused with the rule in words and counted; with apply, it is applied', async () => {
    const { host, code, players, ids } = await seatedRoom(t.url, inboxRules('refuse'));
    const [amy, ben, cal] = players as [Client, Client, Client];
    const seen = record(ben);
    const inbox = () => t.server.rooms.open(code)!.round!.paxos.inFlight;
    data(await host.emitWithAck('host:startRound', {}));

    // Cal promises proposal 2; then Amy's proposal 1 asks Ben, who has promised nothing yet.
    data(await amy.emitWithAck('node:newProposal', { value: 'Dune' }));
    data(await cal.emitWithAck('node:newProposal', { value: 'Heat' }));
    data(await amy.emitWithAck('node:promiseRequest', { to: 'Ben' }));
    const [request] = inbox();
    expect(request).toMatchObject({ kind: 'promiseRequest', from: 'Amy', to: 'Ben' });

    // Rejecting it is wrong: refused, explained, counted; the request still waits.
    const wrong = data(
      await ben.emitWithAck('node:answer', { messageId: request!.id, answer: 'reject' }),
    );
    await waitFor(() => seen.at(-1)?.seq === wrong.seq, 'the mistake event');
    expect(mistakes(seen)).toEqual<Mistake[]>([
      {
        type: 'mistake',
        playerId: ids[1]!,
        seat: 'Ben',
        messageId: request!.id,
        answer: 'reject',
        explanation:
          'You have promised nothing yet, so a promise request with id 1 must be granted.',
        applied: false,
      },
    ]);
    expect(inbox().map((m) => m.id)).toEqual([request!.id]);
    expect(t.server.rooms.open(code)!.round!.stats.mistakes).toEqual({ [ids[1]!]: 1 });
    // Another player cannot answer Ben's inbox.
    expect(
      await cal.emitWithAck('node:answer', { messageId: request!.id, answer: 'grant' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    data(await ben.emitWithAck('node:answer', { messageId: request!.id, answer: 'grant' }));
    expect(inbox()).toEqual([]);
    expect(t.server.rooms.open(code)!.round!.paxos.acceptors.Ben!.promisedId).toBe(1);

    // The next round applies wrong answers: Ben, having promised 2, grants 1 anyway.
    data(await host.emitWithAck('host:settings', { settings: inboxRules('apply') }));
    data(await host.emitWithAck('host:startRound', {}));
    expect(t.server.rooms.open(code)!.history[0]!.scores).toContainEqual(
      expect.objectContaining({ playerId: ids[1], points: -2 }),
    );
    data(await amy.emitWithAck('node:newProposal', { value: 'Dune' }));
    data(await cal.emitWithAck('node:newProposal', { value: 'Heat' }));
    data(await cal.emitWithAck('node:promiseRequest', { to: 'Ben' }));
    data(await ben.emitWithAck('node:answer', { messageId: inbox()[0]!.id, answer: 'grant' }));
    data(await amy.emitWithAck('node:promiseRequest', { to: 'Ben' }));
    const applied = data(
      await ben.emitWithAck('node:answer', { messageId: inbox()[0]!.id, answer: 'grant' }),
    );
    await waitFor(() => seen.at(-1)?.seq === applied.seq, 'the applied mistake');
    expect(mistakes(seen).at(-1)).toMatchObject({
      answer: 'grant',
      explanation: 'You promised 2; a promise request with id 1 must be rejected.',
      applied: true,
    });
    const round = t.server.rooms.open(code)!.round!;
    expect(round.paxos.inFlight).toEqual([]);
    expect(round.paxos.findings.map((f) => f.kind)).toEqual(['grant_below_promise']);
    for (const s of [host, ...players]) s.disconnect();
    expect(t.errors).toEqual([]);
  });
});
