// After a restart on the same database, a room's bot and turn timer carry on by themselves.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RoomEvent } from '../../shared/room/index.ts';
import { connect, data, fakeTime, startServer, tempDir } from './helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('restart', () => {
  it('a bot answers its inbox after a restart, and the turn timer runs on, the turn kept', async () => {
    const dbPath = join(tmp.dir, 'restart.db');
    const time = fakeTime();
    const options = { dbPath, clock: time.clock, scheduler: time.scheduler, botPaceMs: 1000 };
    const first = await startServer(options);
    const host = await connect(first.url);
    const settings = {
      rules: { mode: 'turns', turnSeconds: 30, acceptors: 'players' },
    } as const;
    const code = data(await host.emitWithAck('room:create', { settings })).identity.code;
    const amy = await connect(first.url);
    const { token } = data(await amy.emitWithAck('room:join', { code, name: 'amy' }));
    data(await host.emitWithAck('host:addBot', { kind: 'quiet' }));
    data(await host.emitWithAck('host:startRound', {}));
    data(await amy.emitWithAck('node:newProposal', { value: 'Dune' }));
    data(await amy.emitWithAck('node:promiseRequest', { to: 'Ben' }));
    // The server stops before the bot's pace is up. Amy's turn is kept for her: the
    // server went away, not she (test/server/turn-restart.test.ts).
    const { endsAt } = first.server.rooms.open(code)!.round!.turn!;
    await first.close();
    host.disconnect();
    amy.disconnect();
    expect(first.errors).toEqual([]);

    // The room is live (a turn-based round with a bot): the new server loads it at once.
    const second = await startServer(options);
    expect(second.store.liveRooms()).toEqual([code]);
    expect(second.server.rooms.size).toBe(1);
    expect(time.pending).toBe(2); // the bot's next move, and the turn's timer
    const log = () => second.store.load(code);
    const at = log().length;
    const bot = second.server.rooms.open(code)!.players.find((p) => p.bot)!;
    expect(bot).toMatchObject({ seat: 'Ben', connected: true });
    expect(second.server.rooms.open(code)!.round!.turn).toMatchObject({
      seat: 'Amy',
      number: 1,
      actionsLeft: 1,
      endsAt,
    });

    await time.advance(1000);
    const answered = log().slice(at);
    expect(answered.map((e) => e.event)).toContainEqual({
      type: 'paxos',
      by: bot.id,
      event: expect.objectContaining({ type: 'requestDelivered', messageId: 1 }),
    });

    // Amy comes back to the same turn; its timer passes it at the old deadline.
    const back = await connect(second.url);
    data(await back.emitWithAck('room:resume', { code, token }));
    expect(second.server.rooms.open(code)!.round!.turn).toMatchObject({ seat: 'Amy', number: 1 });
    const before = log().length;
    await time.advance(endsAt! - time.now);
    const events: RoomEvent[] = log()
      .slice(before)
      .map((e) => e.event)
      .filter((e) => e.type === 'turnEnded' || e.type === 'turnStarted');
    expect(events).toEqual([
      { type: 'turnEnded', seat: 'Amy', reason: 'timeout' },
      { type: 'turnStarted', seat: 'Ben', number: 2 },
    ]);
    back.disconnect();
    await second.close();
    expect(second.errors).toEqual([]);
  });
});
