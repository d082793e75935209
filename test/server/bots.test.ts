// Bots play through the same commands as people: with a solo player, and as a duelling pair.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaxosEvent } from '../../shared/paxos/index.ts';
import type { Envelope, Player } from '../../shared/room/index.ts';
import type { Client, TestServer } from './helpers.ts';
import { connect, data, fakeTime, record, startServer, waitFor } from './helpers.ts';

const joinedBots = (seen: Envelope[]): Player[] =>
  seen.flatMap(({ event: e }) => (e.type === 'playerJoined' && e.player.bot ? [e.player] : []));
const paxos = (seen: Envelope[]): { event: PaxosEvent; by: string | null }[] =>
  seen.flatMap(({ event: e }) => (e.type === 'paxos' ? [e] : []));

describe('a solo player with four bots (real timers)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer({ botPaceMs: 5 });
  });
  afterAll(() => t.close());

  it('finishes a round with a chosen movie; the player answers as an acceptor', async () => {
    const host = await connect(t.url);
    const settings = { rules: { acceptors: 'players' as const } };
    const code = data(await host.emitWithAck('room:create', { settings })).identity.code;
    const amy: Client = await connect(t.url);
    const amyId = data(await amy.emitWithAck('room:join', { code, name: 'amy' })).identity.playerId;
    const seen = record(amy);
    // Amy answers the requests that wait in her inbox (one proposer: granting is right).
    amy.on('room:events', ({ events }) => {
      for (const { event: e } of events) {
        if (e.type === 'paxos' && e.event.type === 'requestSent' && e.event.message.to === 'Amy') {
          void amy.emitWithAck('node:answer', { messageId: e.event.message.id, answer: 'grant' });
        }
      }
    });
    for (const kind of ['quiet', 'quiet', 'quiet', 'steady'] as const) {
      data(await host.emitWithAck('host:addBot', { kind }));
    }
    data(await host.emitWithAck('host:startRound', {}));
    await waitFor(() => seen.some((e) => e.event.type === 'roundEnded'), 'the round to end');

    const bots = joinedBots(seen);
    expect(bots.map((b) => [b.seat, b.bot, b.name])).toEqual([
      ['Ben', 'quiet', 'Ben (bot)'],
      ['Cal', 'quiet', 'Cal (bot)'],
      ['Dan', 'quiet', 'Dan (bot)'],
      ['Eva', 'steady', 'Eva (bot)'],
    ]);
    const summary = t.server.rooms.open(code)!.history[0]!;
    // The steady bot proposed the fifth movie, to Eva, Amy and Ben, and got it chosen.
    expect(summary).toMatchObject({
      reason: 'chosen',
      chosen: [{ value: 'Spider-Verse' }],
      chosenBy: { node: 'Eva', name: 'Eva (bot)' },
    });
    // Every move was a player's command: the bots' own ids, Amy's answers, none by the host.
    // Which quiet bots get asked depends on how fast Amy's answers come back, so only
    // the proposer and Amy are certain; every author must be a seated player.
    const by = new Set(paxos(seen).map((e) => e.by));
    const players = new Set([amyId, ...bots.map((b) => b.id)]);
    expect([...by].filter((id) => !players.has(id))).toEqual([]);
    expect(by.has(amyId) && by.has(bots[3]!.id)).toBe(true);
    expect(t.server.rooms.open(code)!.round!.stats.mistakes).toEqual({});
    host.disconnect();
    amy.disconnect();
    expect(t.errors).toEqual([]);
  });
});

describe('two duelling bots (fake clock)', () => {
  const time = fakeTime();
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer({
      clock: time.clock,
      scheduler: time.scheduler,
      botPaceMs: 1000,
      botBudget: 60,
    });
  });
  afterAll(() => t.close());

  it('livelock: many proposals and nothing chosen, until the host kicks one', async () => {
    const host = await connect(t.url);
    const code = data(await host.emitWithAck('room:create', {})).identity.code;
    const seen = record(host);
    data(await host.emitWithAck('host:startRound', {}));
    data(await host.emitWithAck('host:addBot', { kind: 'duelling', seat: 'Amy' }));
    await time.advance(500);
    data(await host.emitWithAck('host:addBot', { kind: 'duelling', seat: 'Ben' }));

    await time.advance(120_000);
    const room = () => t.server.rooms.open(code)!;
    expect(room().round!.stats.proposals.length).toBeGreaterThan(25);
    expect(room().round!.paxos.chosen).toEqual([]);
    expect(room().round!.status).toBe('playing');
    // The room's bot budget is spent: the bots sleep, nothing is scheduled.
    expect(time.pending).toBe(0);
    const before = room().seq;
    await time.advance(60_000);
    expect(room().seq).toBe(before);

    // The host steps in: one dueller goes, the other gets its movie chosen.
    await waitFor(() => seen.at(-1)?.seq === before, 'the host to catch up');
    const [amyBot, benBot] = joinedBots(seen) as [Player, Player];
    data(await host.emitWithAck('host:kick', { playerId: benBot.id }));
    const kicked = room().seq;
    await time.advance(30_000);
    expect(room().round!.status).toBe('ended');
    expect(room().history[0]).toMatchObject({ reason: 'chosen', chosenBy: { node: 'Amy' } });
    await waitFor(() => seen.at(-1)?.seq === room().seq, 'the host to catch up');
    const after = paxos(seen.filter((e) => e.seq > kicked));
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((e) => e.by === amyBot.id)).toBe(true);
    host.disconnect();
    expect(t.errors).toEqual([]);
  });
});
