// The caps on a room: events per round, events per log, and a log too big to print.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TestServer } from './helpers.ts';
import { connect, data, errorCode, startServer, tempDir } from './helpers.ts';

const tmp = tempDir();
const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
  tmp.cleanup();
});
async function serve(options: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const t = await startServer(options);
  servers.push(t);
  return t;
}

describe('caps', () => {
  it('a round past MAX_ROUND_EVENTS accepts only a command that ends it; the next round plays', async () => {
    const { url } = await serve({ limits: { maxRoundEvents: 12 } });
    const host = await connect(url);
    const { code } = data(
      await host.emitWithAck('room:create', { settings: { seats: 3 } }),
    ).identity;
    data(await host.emitWithAck('room:join', { code, name: 'amy' }));
    // roundStarted, newProposal: 2 events; each promise request 3 more.
    const start = data(await host.emitWithAck('host:startRound', {})).seq;
    data(await host.emitWithAck('node:newProposal', { value: 'Dune' }));
    const seqs: number[] = [];
    let refusal = null;
    for (let i = 0; i < 10 && !refusal; i++) {
      const ack = await host.emitWithAck('node:promiseRequest', { to: 'Amy' });
      if (ack.ok) seqs.push(ack.data.seq);
      else refusal = ack.error;
    }
    expect(refusal).toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/12 events/),
    });
    // Three requests fit (2 + 9 = 11 events of the round); a fourth would be 14.
    expect(seqs).toEqual([start + 4, start + 7, start + 10]);
    const ended = data(await host.emitWithAck('host:endRound', {}));
    expect(ended.seq).toBe(start + 11);
    data(await host.emitWithAck('host:startRound', {}));
    data(await host.emitWithAck('node:newProposal', { value: 'Up' }));
    data(await host.emitWithAck('node:promiseRequest', { to: 'Amy' }));
    host.disconnect();
  });

  it('a log at MAX_ROOM_EVENTS refuses every command, and is still read', async () => {
    const { url } = await serve({ limits: { maxRoomEvents: 10 } });
    const host = await connect(url);
    const { code } = data(await host.emitWithAck('room:create', { settings: {} })).identity;
    for (let i = 2; i <= 10; i++) data(await host.emitWithAck('host:say', { text: `${i}` }));
    const full = await host.emitWithAck('host:say', { text: 'one more' });
    expect(full).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(!full.ok && full.error.message).toMatch(/log is full \(10 events\)/);
    expect(errorCode(await host.emitWithAck('host:close', {}))).toBe('conflict');
    const joiner = await connect(url);
    expect(errorCode(await joiner.emitWithAck('room:join', { code, name: 'amy' }))).toBe(
      'conflict',
    );
    data(await joiner.emitWithAck('room:watch', { code }));
    const res = await fetch(`${url}/api/rooms/${code}/transcript.txt`);
    expect(res.status).toBe(200);
    host.disconnect();
    joiner.disconnect();
  });

  it('a log longer than MAX_ROOM_EVENTS (written before the cap was lowered) answers 413 too_large', async () => {
    const dbPath = join(tmp.dir, 'big.db');
    const before = await startServer({ dbPath });
    const host = await connect(before.url);
    const { code } = data(await host.emitWithAck('room:create', { settings: {} })).identity;
    for (let i = 0; i < 14; i++) data(await host.emitWithAck('host:say', { text: `${i}` }));
    host.disconnect();
    await before.close();

    const { url } = await serve({ dbPath, limits: { maxRoomEvents: 10 } });
    for (const file of ['transcript.txt', 'transcript.json']) {
      const res = await fetch(`${url}/api/rooms/${code}/${file}`);
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({
        error: { code: 'too_large', message: expect.stringMatching(/15 events/) },
      });
    }
    const again = await connect(url);
    data(await again.emitWithAck('room:watch', { code }));
    again.disconnect();
  });
});
