// Fog of war on the wire: a fogged player never receives another node's hidden state,
// the reveal sends everything, the host and a projector with the screen key see it all along
// (a watcher without the key: test/server/screen-key.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, TestServer } from './helpers.ts';
import { connect, data, listen, roomLog, seatedRoom, startServer, waitFor } from './helpers.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startServer();
});
afterAll(() => t.close());

// Titles that are in no list of the room, so they can only travel as a node's proposal.
const AMY_MOVIE = 'Tampopo';
const EVA_MOVIE = 'Zardoz';

describe('fog of war', () => {
  it('each seat receives only what its node knows until the round ends, then everything', async () => {
    const room = await seatedRoom(t.url, { rules: { visibility: 'fog', endWhenChosen: false } });
    const { host, code, players, tokens, screenKey } = room;
    const [amy, , cal, , eva] = players as Client[] as [Client, Client, Client, Client, Client];
    const screen = await connect(t.url);
    data(await screen.emitWithAck('room:watch', { code, key: screenKey }));
    const heard = players.map(listen);
    const [amyHeard, benHeard, calHeard, danHeard] = heard;
    const hostHeard = listen(host);
    const screenHeard = listen(screen);

    data(await host.emitWithAck('host:startRound', {}));
    data(await amy.emitWithAck('node:newProposal', { value: AMY_MOVIE }));
    for (const to of ['Amy', 'Ben'] as const)
      data(await amy.emitWithAck('node:promiseRequest', { to }));
    data(await eva.emitWithAck('node:newProposal', { value: EVA_MOVIE }));
    for (const to of ['Dan', 'Eva'] as const)
      data(await eva.emitWithAck('node:promiseRequest', { to }));
    const seq = t.server.rooms.open(code)!.seq;
    const caughtUp = (h: { views: { state: { seq: number } }[] }) =>
      h.views.at(-1)?.state.seq === seq;
    await waitFor(() => heard.every(caughtUp), 'every player to get the last view');
    await waitFor(() => screenHeard.events.at(-1)?.seq === seq, 'the screen to catch up');

    // Players get views, never events, while the round is fogged.
    for (const h of heard) {
      expect(h.events).toEqual([]);
      expect(h.views[0]).toMatchObject({
        replace: true,
        state: { hiddenFrom: expect.any(String) },
      });
      expect(h.views.slice(1).every((v) => !v.replace)).toBe(true);
    }
    const all = (h: { text: string[] }) => h.text.join('\n');
    expect(all(calHeard!)).not.toContain(AMY_MOVIE);
    expect(all(calHeard!)).not.toContain(EVA_MOVIE);
    expect(all(benHeard!)).not.toContain(EVA_MOVIE);
    expect(all(danHeard!)).not.toContain(AMY_MOVIE);
    expect(all(amyHeard!)).toContain(AMY_MOVIE);
    expect(all(amyHeard!)).not.toContain(EVA_MOVIE);
    // Ben reads the line about Amy's request to him, with Amy's private counts masked.
    const benLines = benHeard!.views.flatMap((v) => v.lines.map((l) => l.text));
    expect(benLines).toContain('PROMISE Request from Amy(p: 1) to Ben(acc_p: None)');
    expect(benLines).toContain('    > [ACC] Promise(1, last_acepted()), Amy(…)');
    // The host and the projector see everything, as events.
    for (const h of [hostHeard, screenHeard]) {
      expect(h.views).toEqual([]);
      expect(all(h)).toContain(AMY_MOVIE);
      expect(all(h)).toContain(EVA_MOVIE);
    }

    // Snapshots in acks are views too: a second tab of Cal's, and a sync.
    const calTab = await connect(t.url);
    const resumed = data(await calTab.emitWithAck('room:resume', { code, token: tokens[2]! }));
    const synced = data(await cal.emitWithAck('room:sync', { since: 0 }));
    for (const ack of [resumed.snapshot, 'snapshot' in synced ? synced.snapshot : null]) {
      expect(ack?.state.hiddenFrom).toBe('Cal');
      expect(ack?.lines).toEqual(expect.any(Array));
      expect(JSON.stringify(ack)).not.toContain(AMY_MOVIE);
      expect(JSON.stringify(ack)).not.toContain(EVA_MOVIE);
    }
    // The HTTP transcripts leave the round out while it is played.
    const live = await roomLog(t.url, code);
    expect(live.map((e) => e.event.type)).not.toContain('roundStarted');
    const txt = await (await fetch(`${t.url}/api/rooms/${code}/transcript.txt`)).text();
    expect(txt).not.toContain(AMY_MOVIE);

    // The reveal: one replacing view with the whole room and the whole log, then events again.
    const ended = data(await host.emitWithAck('host:endRound', {})).seq;
    await waitFor(() => heard.every((h) => h.views.at(-1)?.state.seq === ended), 'the reveal');
    for (const h of heard) {
      const reveal = h.views.at(-1)!;
      expect(reveal.replace).toBe(true);
      expect(reveal.state.hiddenFrom).toBeUndefined();
      expect(reveal.state.round!.paxos.proposers.Eva!.value).toBe(EVA_MOVIE);
      const text = reveal.lines.map((l) => l.text);
      expect(text).toContain(`Amy generated a new proposal id 1 for value : ${AMY_MOVIE}`);
      expect(text).toContain(`Eva generated a new proposal id 2 for value : ${EVA_MOVIE}`);
    }
    const said = data(await host.emitWithAck('host:say', { text: 'And now?' })).seq;
    await waitFor(() => heard.every((h) => h.events.at(-1)?.seq === said), 'events again');
    expect((await roomLog(t.url, code)).map((e) => e.event.type)).toContain('roundStarted');
    for (const s of [host, screen, calTab, ...players]) s.disconnect();
    expect(t.errors).toEqual([]);
  });
});
