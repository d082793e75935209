// Fog of war is a boundary: only the host and a screen with the host's screen key see
// through it. Any other watcher (a second socket, /r/CODE/screen without the key, a
// spectator) gets a view with no node's private state until the round ends.
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, TestServer } from './helpers.ts';
import {
  connect,
  data,
  errorCode,
  listen,
  seatedRoom,
  startServer,
  tempDir,
  waitFor,
} from './helpers.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startServer();
});
afterAll(() => t.close());

// Titles in no list of the room: they can only travel as a node's proposal.
const AMY_MOVIE = 'Tampopo';
const EVA_MOVIE = 'Zardoz';
const FOG = { rules: { visibility: 'fog', endWhenChosen: false } };

/** Amy and Eva each start a proposal and ask two acceptors: private state on four nodes. */
async function playSome(players: Client[]): Promise<void> {
  const [amy, , , , eva] = players as [Client, Client, Client, Client, Client];
  data(await amy.emitWithAck('node:newProposal', { value: AMY_MOVIE }));
  for (const to of ['Amy', 'Ben'] as const) {
    data(await amy.emitWithAck('node:promiseRequest', { to }));
  }
  data(await eva.emitWithAck('node:newProposal', { value: EVA_MOVIE }));
  for (const to of ['Dan', 'Eva'] as const) {
    data(await eva.emitWithAck('node:promiseRequest', { to }));
  }
}

describe('the screen key', () => {
  it('a watcher without the key sees a fogged round fogged; with the key, in full', async () => {
    const { host, code, players, screenKey } = await seatedRoom(t.url, FOG);
    const plain = await connect(t.url);
    data(await plain.emitWithAck('room:watch', { code }));
    const projector = await connect(t.url);
    const watched = data(await projector.emitWithAck('room:watch', { code, key: screenKey }));
    expect(watched.identity).toEqual({
      code,
      host: false,
      playerId: null,
      seat: null,
      screen: true,
    });
    // A sixth person finds every seat taken: a spectator, who has no node either.
    const fay = await connect(t.url);
    const spectator = data(await fay.emitWithAck('room:join', { code, name: 'fay' }));
    expect(spectator.identity.seat).toBe(null);
    const plainHeard = listen(plain);
    const fayHeard = listen(fay);
    const projectorHeard = listen(projector);

    data(await host.emitWithAck('host:startRound', {}));
    await playSome(players);
    const seq = t.server.rooms.open(code)!.seq;
    await waitFor(
      () => [plainHeard, fayHeard].every((h) => h.views.at(-1)?.state.seq === seq),
      'the fogged watchers to get the last view',
    );
    await waitFor(() => projectorHeard.events.at(-1)?.seq === seq, 'the projector to catch up');

    for (const h of [plainHeard, fayHeard]) {
      // Views, never events, from the first (replacing) one on.
      expect(h.events).toEqual([]);
      expect(h.views[0]).toMatchObject({ replace: true, state: { hiddenFrom: '' } });
      const all = h.text.join('\n');
      expect(all).not.toContain(AMY_MOVIE);
      expect(all).not.toContain(EVA_MOVIE);
      const last = h.views.at(-1)!.state.round!.paxos;
      // No node's acceptor or proposer, no message in flight, nothing the observer saw.
      for (const node of last.config.nodes) {
        expect(last.acceptors[node]).toEqual({ promisedId: null, accepted: null });
        expect(last.proposers[node]!.proposalId).toBe(null);
      }
      expect(last.inFlight).toEqual([]);
      expect(last.chosen).toEqual([]);
      // Of the round, only the lines the whole room hears (none about a node).
      const lines = h.views.flatMap((v) => v.lines).filter((l) => l.round === 1);
      expect(lines.every((l) => l.nodes.length === 0)).toBe(true);
    }
    const projected = projectorHeard.text.join('\n');
    expect(projectorHeard.views).toEqual([]);
    expect(projected).toContain(AMY_MOVIE);
    expect(projected).toContain(EVA_MOVIE);

    // Snapshots are fogged too: a new watcher's ack and a sync.
    const late = await connect(t.url);
    const lateAck = data(await late.emitWithAck('room:watch', { code }));
    const synced = data(await plain.emitWithAck('room:sync', { since: 0 }));
    for (const snapshot of [lateAck.snapshot, 'snapshot' in synced ? synced.snapshot : null]) {
      expect(snapshot?.state.hiddenFrom).toBe('');
      expect(snapshot?.lines).toEqual(expect.any(Array));
      expect(JSON.stringify(snapshot)).not.toContain(AMY_MOVIE);
    }

    // After the round everyone sees all, as before: the reveal, then events.
    const ended = data(await host.emitWithAck('host:endRound', {})).seq;
    await waitFor(() => plainHeard.views.at(-1)?.state.seq === ended, 'the reveal');
    const reveal = plainHeard.views.at(-1)!;
    expect(reveal.replace).toBe(true);
    expect(reveal.state.hiddenFrom).toBeUndefined();
    expect(reveal.state.round!.paxos.proposers.Amy!.value).toBe(AMY_MOVIE);
    const said = data(await host.emitWithAck('host:say', { text: 'Next!' })).seq;
    await waitFor(() => plainHeard.events.at(-1)?.seq === said, 'events again');
    for (const s of [host, plain, projector, fay, late, ...players]) s.disconnect();
    expect(t.errors).toEqual([]);
  });

  it('a player cannot get the key; a wrong key is refused; a new key retires the old one', async () => {
    const { host, code, players, tokens, screenKey } = await seatedRoom(t.url, FOG);
    const amy = players[0]!;
    const amyHeard = listen(amy);
    // Only the host makes a key: not a player, not a watcher, not a socket in no room.
    expect(errorCode(await amy.emitWithAck('host:screenKey', {}))).toBe('forbidden');
    const nosy = await connect(t.url);
    expect(errorCode(await nosy.emitWithAck('host:screenKey', {}))).toBe('forbidden');
    data(await nosy.emitWithAck('room:watch', { code }));
    expect(errorCode(await nosy.emitWithAck('host:screenKey', {}))).toBe('forbidden');
    // Guessing is refused, and changes nothing.
    expect(errorCode(await nosy.emitWithAck('room:watch', { code, key: tokens[0]! }))).toBe(
      'forbidden',
    );
    // No answer a player gets carries the key: not a join, not a resume.
    const tab = await connect(t.url);
    const resumed = data(await tab.emitWithAck('room:resume', { code, token: tokens[0]! }));
    expect(JSON.stringify(resumed)).not.toContain(screenKey);

    const projector = await connect(t.url);
    data(await projector.emitWithAck('room:watch', { code, key: screenKey }));
    data(await host.emitWithAck('host:startRound', {}));
    await playSome(players);
    const projectorHeard = listen(projector);

    // The host makes a new key: the screen that watched with the old one is fogged at once.
    const { screenKey: fresh } = data(await host.emitWithAck('host:screenKey', {}));
    expect(fresh).not.toBe(screenKey);
    await waitFor(() => projectorHeard.views.length > 0, 'the old screen to be fogged');
    const view = projectorHeard.views[0]!;
    expect(view).toMatchObject({ replace: true, state: { hiddenFrom: '' } });
    expect(JSON.stringify(view)).not.toContain(AMY_MOVIE);
    const again = await connect(t.url);
    expect(errorCode(await again.emitWithAck('room:watch', { code, key: screenKey }))).toBe(
      'forbidden',
    );
    const newer = data(await again.emitWithAck('room:watch', { code, key: fresh }));
    expect(JSON.stringify(newer.snapshot)).toContain(AMY_MOVIE);
    // Whatever the players heard all along, the key was never in it.
    for (const key of [screenKey, fresh]) expect(amyHeard.text.join('\n')).not.toContain(key);
    for (const s of [host, nosy, tab, projector, again, ...players]) s.disconnect();
  });

  it('the key is stored (hashed) and works after a restart', async () => {
    const tmp = tempDir();
    const dbPath = `${tmp.dir}/keys.db`;
    const first = await startServer({ dbPath });
    const host = await connect(first.url);
    const created = data(await host.emitWithAck('room:create', { settings: {} }));
    const code = created.identity.code;
    host.disconnect();
    await first.close();
    // Only its hash is on disk, like a token's.
    const disk = ['', '-wal']
      .filter((suffix) => existsSync(dbPath + suffix))
      .map((suffix) => readFileSync(dbPath + suffix).toString('latin1'))
      .join('');
    expect(disk).toContain(code);
    expect(disk).not.toContain(created.screenKey);

    const second = await startServer({ dbPath });
    try {
      const screen = await connect(second.url);
      const watched = data(
        await screen.emitWithAck('room:watch', { code, key: created.screenKey }),
      );
      expect(watched.identity.screen).toBe(true);
      screen.disconnect();
    } finally {
      await second.close();
      tmp.cleanup();
    }
  });
});
