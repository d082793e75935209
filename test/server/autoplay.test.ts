// Auto-play over real sockets: the server's driver steps the network at the host's speed,
// stops by itself when nothing is left to deliver, and carries on after a restart.
// The server runs on a fake clock (helpers.ts fakeTime): timers fire when the test says.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Envelope } from '../../shared/room/index.ts';
import {
  connect,
  data,
  errorCode,
  fakeTime,
  record,
  startServer,
  tempDir,
  waitFor,
} from './helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const steps = (envelopes: Envelope[]) =>
  envelopes.filter((e) => e.event.type === 'paxos' && e.event.event.type === 'stepped');

describe('auto-play over real sockets', () => {
  it('steps at the host’s speed until nothing is left, then stops; a restart carries on', async () => {
    const dbPath = join(tmp.dir, 'autoplay.db');
    const time = fakeTime();
    const options = { dbPath, clock: time.clock, scheduler: time.scheduler };
    const first = await startServer(options);
    const host = await connect(first.url);
    const settings = { delivery: 'manual', rules: { endWhenChosen: false } } as const;
    const created = data(await host.emitWithAck('room:create', { settings }));
    const { code } = created.identity;
    const amy = await connect(first.url);
    data(await amy.emitWithAck('room:join', { code, name: 'amy' }));
    data(await host.emitWithAck('host:startRound', {}));
    expect(errorCode(await host.emitWithAck('host:autoplay', { speed: 2 }))).toBe('conflict');
    data(await amy.emitWithAck('node:propose', { value: 'Dune', to: ['Amy', 'Ben', 'Cal'] }));
    const screen = await connect(first.url);
    data(await screen.emitWithAck('room:watch', { code }));
    const heard = record(screen);

    const on = data(await host.emitWithAck('host:autoplay', { speed: 2 })).seq;
    expect(first.server.rooms.open(code)!.round!.autoplay).toBe(2);
    // One step every 500 ms of the server's clock: nothing before, one after.
    expect(time.pending).toBe(1);
    await time.advance(499);
    expect(steps(first.store.load(code))).toEqual([]);
    await time.advance(1);
    await waitFor(() => steps(heard).length === 1, 'the first step reaches the projector');
    expect(heard[0]!.event).toEqual({ type: 'autoplayChanged', speed: 2, reason: 'host' });
    expect(steps(heard)[0]!.seq).toBe(on + 1);
    expect(steps(heard)[0]!.event).toMatchObject({ type: 'paxos', by: null, event: { step: 1 } });
    await time.advance(500);
    await waitFor(() => steps(heard).length === 2, 'the second step');

    // The server stops with messages still in flight and auto-play on.
    const before = first.server.rooms.open(code)!;
    expect(before.round!.paxos.inFlight.length).toBeGreaterThan(0);
    for (const s of [host, amy, screen]) s.disconnect();
    await first.close();
    expect(first.errors).toEqual([]);

    // The room is live: the new server loads it and its driver steps on by itself.
    const second = await startServer(options);
    expect(second.store.liveRooms()).toEqual([code]);
    expect(time.pending).toBe(1);
    const log = () => second.store.load(code);
    const seen = log().length;
    for (let i = 0; i < 100 && second.server.rooms.open(code)!.round!.autoplay; i++) {
      await time.advance(500);
    }
    const after = log().slice(seen);
    expect(steps(after).length).toBeGreaterThan(2);
    expect(after.at(-1)!.event).toEqual({ type: 'autoplayChanged', speed: 0, reason: 'done' });
    const state = second.server.rooms.open(code)!;
    // Everything was delivered: both phases of Amy's proposal, the movie chosen.
    expect(state.round!.paxos.inFlight).toEqual([]);
    expect(state.round!.paxos.chosen.map((c) => c.value)).toEqual(['Dune']);
    // Stopped: no timer is left, the room is no longer live, and time passing changes nothing.
    expect(time.pending).toBe(0);
    expect(second.store.liveRooms()).toEqual([]);
    const done = log().length;
    await time.advance(5000);
    expect(log()).toHaveLength(done);
    await second.close();
    expect(second.errors).toEqual([]);
  });

  it('the host changes the speed, pauses, and stops it; the round’s end stops it too', async () => {
    const time = fakeTime();
    const t = await startServer({ clock: time.clock, scheduler: time.scheduler });
    const host = await connect(t.url);
    const settings = { delivery: 'manual', rules: { endWhenChosen: false } } as const;
    const { code } = data(await host.emitWithAck('room:create', { settings })).identity;
    const amy = await connect(t.url);
    data(await amy.emitWithAck('room:join', { code, name: 'amy' }));
    data(await host.emitWithAck('host:startRound', {}));
    data(await amy.emitWithAck('node:propose', { value: 'Dune', to: ['Amy', 'Ben', 'Cal'] }));
    const count = () => steps(t.store.load(code)).length;

    data(await host.emitWithAck('host:autoplay', { speed: 0.5 }));
    await time.advance(1000);
    expect(count()).toBe(0);
    // Faster: the next step comes 100 ms after the change, not after the old 2 s.
    data(await host.emitWithAck('host:autoplay', { speed: 10 }));
    await time.advance(100);
    expect(count()).toBe(1);

    data(await host.emitWithAck('host:pause', {}));
    expect(time.pending).toBe(0);
    await time.advance(1000);
    expect(count()).toBe(1);
    data(await host.emitWithAck('host:resume', {}));
    await time.advance(100);
    expect(count()).toBe(2);

    data(await host.emitWithAck('host:autoplay', { speed: 0 }));
    expect(time.pending).toBe(0);
    await time.advance(1000);
    expect(count()).toBe(2);

    data(await host.emitWithAck('host:autoplay', { speed: 10 }));
    data(await host.emitWithAck('host:endRound', {}));
    expect(t.server.rooms.open(code)!.round!.autoplay).toBeUndefined();
    expect(time.pending).toBe(0);
    await time.advance(1000);
    expect(count()).toBe(2);
    for (const s of [host, amy]) s.disconnect();
    await t.close();
    expect(t.errors).toEqual([]);
  });
});
