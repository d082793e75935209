// Guided demos over real sockets (issue 10): the host loads and steps a scenario, players
// predict, and no socket but the host's ever receives the script (its future steps, answers).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, TestServer } from './helpers.ts';
import {
  connect,
  data,
  fakeTime,
  listen,
  roomLog,
  seatedRoom,
  sendRaw,
  startServer,
  waitFor,
} from './helpers.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startServer();
});
afterAll(() => t.close());

const CASE_2 = JSON.parse(
  readFileSync(new URL('../../scenarios/demos/case-2.json', import.meta.url), 'utf8'),
) as { steps: unknown[] };

describe('guided demos over sockets', () => {
  it('loads, steps, predicts and reveals; the answer reaches no one before the reveal', async () => {
    const { host, code, players, ids, screenKey } = await seatedRoom(t.url);
    const [amy, ben] = players as [Client, Client];
    const screen = await connect(t.url);
    data(await screen.emitWithAck('room:watch', { code, key: screenKey }));
    const spectator = await connect(t.url);
    const sam = data(
      await spectator.emitWithAck('room:join', { code, name: 'sam', spectator: true }),
    );
    const heard = [amy, ben, screen, spectator].map(listen);
    const hostHeard = listen(host);

    data(await host.emitWithAck('host:loadScenario', { scenario: CASE_2 }));
    // Step to the first question (step 10 of case 2).
    for (let i = 0; i < 10; i++) data(await host.emitWithAck('host:demoNext', {}));
    const state = t.server.rooms.open(code)!;
    expect(state.round!.demo!.ask).toMatchObject({ choices: ['grant', 'reject'], revealed: false });

    // A node move is refused while the demo plays.
    const move = await amy.emitWithAck('node:newProposal', { value: 'Heat' });
    expect(move.ok).toBe(false);
    expect(!move.ok && move.error.message).toMatch(/^A demo is playing/);

    data(await amy.emitWithAck('player:predict', { choice: 'reject' }));
    data(await ben.emitWithAck('player:predict', { choice: 'grant' }));
    data(await spectator.emitWithAck('player:predict', { choice: 'grant' }));
    const beforeReveal = t.server.rooms.open(code)!.seq;
    await waitFor(
      () => heard.every((h) => h.events.at(-1)?.seq === beforeReveal),
      'everyone to get the predictions',
    );
    // Nothing a non-host socket received so far holds the script: no answer, no future step.
    for (const h of heard) {
      const all = h.text.join('\n');
      expect(all).not.toContain('"answer":"grant"');
      expect(all).not.toContain('Eva wanted Barbie');
      expect(all).toContain('"type":"demoLoaded"');
    }
    // The host's copy has the script (the host's page shows the next step).
    expect(hostHeard.text.join('\n')).toContain('Eva wanted Barbie');
    // Neither does a fresh snapshot (a player resuming, or syncing from scratch).
    const synced = data(await amy.emitWithAck('room:sync', { since: 0 }));
    expect(JSON.stringify(synced)).not.toContain('"answer":"grant"');
    const late = await connect(t.url);
    const watched = data(await late.emitWithAck('room:watch', { code }));
    expect(JSON.stringify(watched)).not.toContain('Eva wanted Barbie');
    expect(watched.snapshot.state.round!.demo).toMatchObject({
      played: 10,
      total: CASE_2.steps.length,
    });
    // Nor the public transcript.
    expect(JSON.stringify(await roomLog(t.url, code))).not.toContain('Eva wanted Barbie');

    // The reveal: the answer and the tallies.
    data(await host.emitWithAck('host:demoNext', {}));
    const revealed = t.server.rooms.open(code)!.seq;
    await waitFor(() => heard[0]!.events.at(-1)?.seq === revealed, 'amy to see the reveal');
    expect(heard[0]!.events.at(-1)!.event).toEqual({
      type: 'demoRevealed',
      step: 10,
      answer: 'grant',
    });
    const round = t.server.rooms.open(code)!.round!;
    expect(round.stats.predictions).toEqual({
      [ids[0]!]: { answered: 1, right: 0 },
      [ids[1]!]: { answered: 1, right: 1 },
      [sam.identity.playerId!]: { answered: 1, right: 1 },
    });
    for (const s of [host, amy, ben, screen, spectator, late]) s.disconnect();
  });

  it('refuses an invalid file with the step named, and a watcher cannot predict', async () => {
    const { host, code, players } = await seatedRoom(t.url);
    const bad = { quorum: 3, nodes: ['Amy', 'Ben'], steps: [{ say: 'hi' }, { do: 'fly' }] };
    const ack = await sendRaw(host, 'host:loadScenario', { scenario: bad });
    expect(ack.ok).toBe(false);
    expect(!ack.ok && ack.error.message).toMatch(/step 2: unknown step "fly"/);
    expect(t.server.rooms.open(code)!.round).toBeNull();
    // A player cannot load one.
    const notHost = await players[0]!.emitWithAck('host:loadScenario', { scenario: CASE_2 });
    expect(!notHost.ok && notHost.error.code).toBe('forbidden');
    const watcher = await connect(t.url);
    data(await watcher.emitWithAck('room:watch', { code }));
    data(await host.emitWithAck('host:loadScenario', { scenario: CASE_2 }));
    const predicted = await watcher.emitWithAck('player:predict', { choice: 'grant' });
    expect(predicted.ok).toBe(false);
    for (const s of [host, ...players, watcher]) s.disconnect();
  });

  it('auto-play: the server’s driver plays the demo at the host’s speed and stops at a question', async () => {
    const time = fakeTime();
    const own = await startServer({ clock: time.clock, scheduler: time.scheduler });
    try {
      const host = await connect(own.url);
      const { code } = data(await host.emitWithAck('room:create', { settings: {} })).identity;
      data(await host.emitWithAck('host:loadScenario', { scenario: CASE_2 }));
      data(await host.emitWithAck('host:autoplay', { speed: 2 }));
      const demo = () => own.server.rooms.open(code)!.round!.demo!;
      await time.advance(499);
      expect(demo().played).toBe(0);
      await time.advance(1);
      await waitFor(() => demo().played === 1, 'the first step');
      // Case 2's first question is step 10: auto-play plays up to it, then stops by itself.
      for (let i = 0; i < 12; i++) await time.advance(500);
      await waitFor(
        () => own.server.rooms.open(code)!.round!.autoplay === undefined,
        'auto-play to stop',
      );
      expect(demo()).toMatchObject({ played: 10, ask: { revealed: false } });
      expect(time.pending).toBe(0);
      host.disconnect();
    } finally {
      await own.close();
    }
  });
});
