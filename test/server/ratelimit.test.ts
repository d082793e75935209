// One client cannot flood a room: past its bucket it is answered rate_limited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from './helpers.ts';
import { connect, data, errorCode, roomLog, startServer } from './helpers.ts';

let t: TestServer;
beforeAll(async () => {
  // Refill so slow that the burst alone decides, whatever the machine's speed.
  t = await startServer({ rateLimit: { perSecond: 0.01, burst: 10 } });
});
afterAll(() => t.close());

describe('rate limit', () => {
  it('a burst beyond the bucket is refused and changes nothing beyond the allowed commands', async () => {
    const host = await connect(t.url);
    const code = data(await host.emitWithAck('room:create', { settings: {} })).identity.code;
    const before = await roomLog(t.url, code);
    const acks = await Promise.all(
      Array.from({ length: 30 }, (_, i) => host.emitWithAck('host:say', { text: `line ${i}` })),
    );
    // The create took one token: nine says pass, in order; the other 21 are refused.
    const passed = acks.filter((a) => a.ok);
    expect(passed).toHaveLength(9);
    expect(acks.slice(0, 9).every((a) => a.ok)).toBe(true);
    expect(acks.slice(9).map(errorCode)).toEqual(Array(21).fill('rate_limited'));
    const after = await roomLog(t.url, code);
    expect(after.slice(before.length).map((e) => e.event)).toEqual(
      Array.from({ length: 9 }, (_, i) => ({ type: 'note', text: `line ${i}` })),
    );

    // The bucket is per socket: another client in the same room is not slowed down.
    const other = await connect(t.url);
    data(await other.emitWithAck('room:watch', { code }));
    host.disconnect();
    other.disconnect();
  });
});
