// The fence, at the log itself: an append from a process that lost a room's lease is refused
// by Redis, and so is one that does not start where the room's log ends. And a REDIS_URL that
// is not one is refused at start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '../../server/cluster/cluster.ts';
import type { ClusterRooms } from '../../server/cluster/cluster.ts';
import type { Failed } from '../../server/hosted.ts';
import type { Logger } from '../../server/log.ts';
import { SqliteStore } from '../../server/store/sqlite.ts';
import type { Write } from '../../server/store/sqlite.ts';
import type { Envelope } from '../../shared/room/index.ts';
import { spawnServer } from '../server/helpers.ts';
import { World } from './harness.ts';

const world = new World();
const errors: string[] = [];
const logger: Logger = { info: () => {}, error: (m) => errors.push(m) };
/** The room host's side: these tests drive the cluster's log directly. */
const noRooms: ClusterRooms = {
  run: () => Promise.resolve({ ok: false, error: { code: 'internal', message: 'none' } }),
  follow: () => {},
  takeOver: () => {},
  lost: () => {},
  reconcile: () => {},
};
let one: Cluster;
let two: Cluster;
const stores: SqliteStore[] = [];
beforeAll(async () => {
  await world.startRedis();
  [one, two] = [0, 1].map(() => {
    const store = new SqliteStore(':memory:');
    stores.push(store);
    const c = new Cluster({ url: world.socket, store, logger, leaseMs: 60_000 });
    c.attach(noRooms);
    return c;
  }) as [Cluster, Cluster];
  await Promise.all([one.start(), two.start()]);
}, 30_000);
afterAll(async () => {
  await Promise.all([one.close(), two.close()]);
  for (const s of stores) s.close();
  await world.cleanup();
});

/** The indexes of the writes a commit refused. */
const refused = async (failed: Failed | Promise<Failed>) => [...(await failed).keys()];

const note = (room: string, seq: number, text: string): Write => {
  const envelopes: Envelope[] = [
    seq === 1
      ? { seq, at: 1, event: { type: 'roomCreated', code: room, settings: {} } as never }
      : { seq, at: seq, event: { type: 'note', text } },
  ];
  return { room, envelopes, change: {} };
};

describe('the fence', () => {
  it("refuses an ex-owner's append and one that does not start where the log ends", async () => {
    expect(await one.log.create(note('FENCE1', 1, ''))).toBe(true);
    expect(one.owns('FENCE1')).toBe(true);
    expect(await refused(one.log.commit([note('FENCE1', 2, 'by the owner')]))).toEqual([]);

    // The owner pauses; its lease runs out (deleted here, as expiry would) and the other
    // process takes the room.
    await world.redisCommand('DEL', 'mnp:lease:FENCE1');
    expect(await two.route('FENCE1')).toBe('here');

    // The ex-owner, resumed, still believes it owns the room: its append is refused at the
    // log, and so is the next one decided on top of it.
    const stale = [note('FENCE1', 3, 'stale'), note('FENCE1', 4, 'staler')];
    expect(await refused(one.log.commit(stale))).toEqual([0, 1]);
    expect(one.owns('FENCE1')).toBe(false);

    // The new owner's append at a seq the log is not at is refused; at the log's end it is not.
    expect(await refused(two.log.commit([note('FENCE1', 4, 'a gap')]))).toEqual([0]);
    expect(await two.route('FENCE1')).toBe('here');
    expect(await refused(two.log.commit([note('FENCE1', 3, 'by the new owner')]))).toEqual([]);

    // Both copies of the log say the same: nothing of the ex-owner's after it lost the room.
    await one.barrier();
    const texts = (store: SqliteStore) =>
      store.load('FENCE1').map((e) => ('text' in e.event ? e.event.text : e.event.type));
    for (const store of stores) {
      expect(texts(store)).toEqual(['roomCreated', 'by the owner', 'by the new owner']);
    }
    expect(await world.redisCommand('GET', 'mnp:seq:FENCE1')).toBe('3');
  });

  it('a code another process created cannot be created again', async () => {
    expect(await one.log.create(note('FENCE2', 1, ''))).toBe(true);
    expect(await two.log.create(note('FENCE2', 1, ''))).toBe(false);
    await one.close();
    // Even once its creator let its lease go.
    expect(await two.log.create(note('FENCE2', 1, ''))).toBe(false);
  });

  it('a server given a REDIS_URL that is not one stops at once and says why', async () => {
    const started = spawnServer({ REDIS_URL: 'localhost:6379' });
    await expect(started).rejects.toThrow(
      /REDIS_URL=localhost:6379: expected redis:\/\/host:port, rediss:\/\/host:port or the path of a unix socket/,
    );
  });
});
