// Turn-based rounds through the protocol: the turn order is enforced, and the
// server's timer passes a turn (time enters the engine as a tick), on a fake clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomEvent } from '../../shared/room/index.ts';
import type { Client, TestServer } from './helpers.ts';
import { data, errorCode, fakeTime, record, seatedRoom, startServer, waitFor } from './helpers.ts';

const time = fakeTime();
let t: TestServer;
beforeAll(async () => {
  t = await startServer({ clock: time.clock, scheduler: time.scheduler });
});
afterAll(() => t.close());

const TURNS = { rules: { mode: 'turns', actionsPerTurn: 2, turnSeconds: 45 } };

const turns = (events: { event: RoomEvent }[]) =>
  events.flatMap(({ event: e }) =>
    e.type === 'turnStarted' ? [`${e.seat}`] : e.type === 'turnEnded' ? [`-${e.reason}`] : [],
  );

describe('turn-based rounds', () => {
  it('five players play a round in turns to a chosen movie; out of turn is refused', async () => {
    const { host, code, players } = await seatedRoom(t.url, TURNS);
    const seen = record(host);
    const [amy, ben] = players as [Client, Client];
    const passRest = async () => {
      for (const p of players.slice(1)) data(await p.emitWithAck('node:endTurn', {}));
    };
    data(await host.emitWithAck('host:startRound', {}));

    expect(errorCode(await ben.emitWithAck('node:newProposal', { value: 'Heat' }))).toBe(
      'conflict',
    );
    expect(errorCode(await ben.emitWithAck('node:endTurn', {}))).toBe('conflict');
    data(await amy.emitWithAck('node:newProposal', { value: 'Alien' }));
    for (const to of ['Amy', 'Ben'] as const) {
      data(await amy.emitWithAck('node:promiseRequest', { to }));
    }
    // Two requests spent Amy's turn: it is Ben's now.
    expect(errorCode(await amy.emitWithAck('node:promiseRequest', { to: 'Cal' }))).toBe('conflict');
    await passRest();
    data(await amy.emitWithAck('node:promiseRequest', { to: 'Cal' }));
    data(await amy.emitWithAck('node:acceptRequest', { to: 'Amy' }));
    await passRest();
    data(await amy.emitWithAck('node:acceptRequest', { to: 'Ben' }));
    const last = data(await amy.emitWithAck('node:acceptRequest', { to: 'Cal' })).seq;

    await waitFor(() => seen.at(-1)?.seq === last, 'the host to see the last move');
    expect(seen.at(-1)!.event).toEqual({ type: 'roundEnded', reason: 'chosen' });
    expect(turns(seen)).toEqual([
      ...['Amy', '-done', 'Ben', '-passed', 'Cal', '-passed', 'Dan', '-passed', 'Eva', '-passed'],
      ...['Amy', '-done', 'Ben', '-passed', 'Cal', '-passed', 'Dan', '-passed', 'Eva', '-passed'],
      'Amy',
    ]);
    expect(t.server.rooms.open(code)!.history[0]).toMatchObject({
      reason: 'chosen',
      chosen: [{ value: 'Alien' }],
      chosenBy: { node: 'Amy', name: 'amy' },
    });
    for (const s of [host, ...players]) s.disconnect();
  });

  it('the timer passes a turn when its time is up, and stands still while paused', async () => {
    const { host, code, players } = await seatedRoom(t.url, TURNS);
    const seen = record(players[2]!);
    const started = data(await host.emitWithAck('host:startRound', {})).seq;
    const endsAt = t.server.rooms.open(code)!.round!.turn!.endsAt!;
    expect(endsAt).toBe(time.now + 45_000);

    await time.advance(44_999);
    expect(t.server.rooms.open(code)!.round!.turn!.seat).toBe('Amy');
    await time.advance(1);
    await waitFor(() => turns(seen).length === 3, 'the turn to pass');
    expect(seen.map((e) => e.event).slice(-2)).toEqual([
      { type: 'turnEnded', seat: 'Amy', reason: 'timeout' },
      { type: 'turnStarted', seat: 'Ben', number: 2 },
    ]);
    expect(seen.at(-1)!.seq).toBe(started + 2);

    // Paused: the clock runs, the turn does not pass; resumed, it has the time it had left.
    await time.advance(15_000);
    data(await host.emitWithAck('host:pause', {}));
    await time.advance(600_000);
    data(await host.emitWithAck('host:resume', {}));
    expect(t.server.rooms.open(code)!.round!.turn).toMatchObject({ seat: 'Ben', number: 2 });
    await time.advance(29_999);
    expect(t.server.rooms.open(code)!.round!.turn!.seat).toBe('Ben');
    await time.advance(1);
    expect(t.server.rooms.open(code)!.round!.turn!.seat).toBe('Cal');

    // The round ends: no timer is left for it.
    data(await host.emitWithAck('host:endRound', {}));
    expect(time.pending).toBe(0);
    for (const s of [host, ...players]) s.disconnect();
    expect(t.errors).toEqual([]);
  });
});
