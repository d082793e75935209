// Limits per client address: each is refused with a typed answer, and only for that address.
// Every test has its own server with one small budget; clients come from distinct loopback
// addresses (127.0.0.0/8), so the server counts them as distinct clients.
import { afterEach, describe, expect, it } from 'vitest';
import type { Limits } from '../../server/limits.ts';
import { DEFAULT_LIMITS, LIMIT_ENV, clientAddress, readLimits } from '../../server/limits.ts';
import type { TestServer } from './helpers.ts';
import {
  connectFrom,
  data,
  errorCode,
  getFrom,
  refusedFrom,
  sendRaw,
  startServer,
  untyped,
  waitFor,
} from './helpers.ts';

/** A budget that refills so slowly that only the burst counts, whatever the machine's speed. */
const only = (burst: number) => ({ perSecond: 0.0001, burst });

let t: TestServer | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});
async function serve(limits: Partial<Limits>): Promise<TestServer> {
  t = await startServer({ limits });
  return t;
}

const A = '127.0.0.2';
const B = '127.0.0.3';

describe('limits per client address', () => {
  it('sockets: past the limit a connection is refused with rate_limited; other addresses are not', async () => {
    const { url, server } = await serve({ socketsPerAddress: 3 });
    const open = [await connectFrom(url, A), await connectFrom(url, A), await connectFrom(url, A)];
    const refused = await refusedFrom(url, A);
    expect(refused?.data).toEqual({ code: 'rate_limited' });
    expect(refused?.message).toMatch(/Too many connections from your address \(at most 3\)/);
    // Told once, an address that tries again at once is cut before the websocket opens.
    expect((await refusedFrom(url, A))?.message).toBe('websocket error');
    const other = await connectFrom(url, B);
    // A connection that closes gives its place back (once the second of cooling down is over).
    open.pop()!.disconnect();
    await waitFor(() => server.book.of(A).connections === 2, 'the close to count');
    await new Promise((r) => setTimeout(r, 1100));
    open.push(await connectFrom(url, A));
    for (const s of [...open, other]) s.disconnect();
  });

  it('new connections: past the burst a handshake is refused with rate_limited; other addresses are not', async () => {
    const { url } = await serve({ addressConnects: only(3) });
    const open = [await connectFrom(url, A), await connectFrom(url, A), await connectFrom(url, A)];
    const refused = await refusedFrom(url, A);
    expect(refused?.data).toEqual({ code: 'rate_limited' });
    expect(refused?.message).toMatch(/Too many new connections from your address/);
    const other = await connectFrom(url, B);
    for (const s of [...open, other]) s.disconnect();
  });

  it('commands: the budget is the address’s, across its sockets', async () => {
    // Two handshakes and a create take 3 of the 12 tokens: 9 commands pass.
    const { url } = await serve({ addressCommands: only(12) });
    const [a1, a2] = [await connectFrom(url, A), await connectFrom(url, A)];
    data(await a1.emitWithAck('room:create', { settings: {} }));
    const acks = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a1 : a2).emitWithAck('room:sync', { since: 0 }),
      ),
    );
    const codes = acks.map(errorCode);
    // a2 is in no room: its passing syncs are forbidden; refusals past the budget are rate_limited.
    expect(codes.filter((c) => c !== 'rate_limited')).toHaveLength(9);
    const limited = acks.find((a) => !a.ok && a.error.code === 'rate_limited');
    expect(limited).toMatchObject({ error: { message: expect.stringMatching(/your address/) } });
    // Another address has its own budget.
    const b = await connectFrom(url, B);
    data(await b.emitWithAck('room:create', { settings: {} }));
    for (const s of [a1, a2, b]) s.disconnect();
  });

  it('events: the events an address’s commands wrote are paid for before its next command', async () => {
    const { url } = await serve({ addressEvents: only(5) });
    const a = await connectFrom(url, A);
    const created = data(await a.emitWithAck('room:create', { settings: {} }));
    const { code } = created.identity;
    for (let i = 0; i < 5; i++) data(await a.emitWithAck('host:say', { text: `${i}` }));
    const past = await a.emitWithAck('host:say', { text: 'one too many' });
    expect(past).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    expect(!past.ok && past.error.message).toMatch(/events/);
    // Another address writes as before.
    const b = await connectFrom(url, B);
    data(await b.emitWithAck('room:resume', { code, token: created.hostToken }));
    data(await b.emitWithAck('host:say', { text: 'from elsewhere' }));
    a.disconnect();
    b.disconnect();
  });

  it('events: a propose to many nodes is paid in debt', async () => {
    const { url } = await serve({ addressEvents: only(5) });
    const a = await connectFrom(url, A);
    const { code } = data(await a.emitWithAck('room:create', { settings: {} })).identity;
    data(await a.emitWithAck('room:join', { code, name: 'amy' }));
    data(await a.emitWithAck('host:startRound', {}));
    const ack = data(
      await a.emitWithAck('node:propose', { value: 'Dune', to: ['Amy', 'Ben', 'Cal'] }),
    );
    expect(ack.seq).toBeGreaterThan(10);
    expect(errorCode(await a.emitWithAck('node:newProposal', { value: 'Up' }))).toBe(
      'rate_limited',
    );
    a.disconnect();
  });

  it('rooms created: past the budget room:create is rate_limited', async () => {
    const { url } = await serve({ roomsCreated: only(2) });
    const a = await connectFrom(url, A);
    data(await a.emitWithAck('room:create', { settings: {} }));
    data(await a.emitWithAck('room:create', { settings: {} }));
    const third = await a.emitWithAck('room:create', { settings: {} });
    expect(third).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    expect(!third.ok && third.error.message).toMatch(/rooms created/);
    const b = await connectFrom(url, B);
    data(await b.emitWithAck('room:create', { settings: {} }));
    a.disconnect();
    b.disconnect();
  });

  it('invalid frames: past the budget the connection is closed and the address cannot connect', async () => {
    const { url } = await serve({ invalidFrames: only(5) });
    const a = await connectFrom(url, A);
    const gone = new Promise<string>((resolve) => a.once('disconnect', resolve));
    const answers = Array.from({ length: 8 }, () =>
      sendRaw(a, 'host:say', { text: 42 }).then(
        (ack) => (ack.ok ? 'ok' : `${ack.error.code}: ${ack.error.message}`),
        () => 'closed',
      ),
    );
    expect(await gone).toBe('io server disconnect');
    const got = await Promise.all(answers);
    expect(got.slice(0, 5).every((g) => g.startsWith('bad_request'))).toBe(true);
    // The sixth spent the budget: its answer says why the connection closes; the rest never came.
    expect(got[5]).toMatch(/^rate_limited: Too many invalid messages/);
    expect(got.slice(6)).toEqual(['closed', 'closed']);
    // Until the budget refills the address is refused before the websocket opens.
    const refused = await refusedFrom(url, A);
    expect(refused?.message).toBe('websocket error');
    // Frames without an acknowledgement are counted too.
    const b = await connectFrom(url, B);
    const closed = new Promise<string>((resolve) => b.once('disconnect', resolve));
    for (let i = 0; i < 6; i++) untyped(b).emit('host:say', { text: 'no ack' });
    expect(await closed).toBe('io server disconnect');
    // Another address is unaffected.
    (await connectFrom(url, '127.0.0.4')).disconnect();
  });

  it('failed lookups: past the budget every lookup from the address is refused, a resume with its token is not', async () => {
    const { url } = await serve({ failedLookups: only(3) });
    const host = await connectFrom(url, B);
    const created = data(await host.emitWithAck('room:create', { settings: {} }));
    const { code } = created.identity;
    const a = await connectFrom(url, A);
    const unknown = ['ZZZZZ', 'YYYYY', 'XXXXX', 'WWWWW'].filter((c) => c !== code);
    expect(errorCode(await a.emitWithAck('room:watch', { code: unknown[0]! }))).toBe('not_found');
    expect(errorCode(await a.emitWithAck('room:join', { code: unknown[1]!, name: 'x' }))).toBe(
      'not_found',
    );
    // An unknown code over HTTP counts the same.
    expect((await getFrom(url, `/api/rooms/${unknown[2]}/transcript.txt`, A)).status).toBe(404);
    const next = await a.emitWithAck('room:watch', { code: unknown[3]! });
    expect(next).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    // A live code is refused too: the answer must not tell live codes from dead ones.
    expect(errorCode(await a.emitWithAck('room:join', { code, name: 'amy' }))).toBe('rate_limited');
    const http = await getFrom(url, `/api/rooms/${code}/transcript.json`, A);
    expect(http.status).toBe(429);
    expect(JSON.parse(http.body)).toMatchObject({ error: { code: 'rate_limited' } });
    // A token of the room proves its code: resuming still works.
    const resumed = data(await a.emitWithAck('room:resume', { code, token: created.hostToken }));
    expect(resumed.identity).toMatchObject({ code, host: true });
    // Another address looks rooms up as before.
    const b = await connectFrom(url, '127.0.0.4');
    data(await b.emitWithAck('room:watch', { code }));
    expect((await getFrom(url, `/api/rooms/${code}/transcript.txt`, '127.0.0.4')).status).toBe(200);
    for (const s of [host, a, b]) s.disconnect();
  });

  it('HTTP: past the budget /api answers 429 rate_limited with Retry-After; health is not limited', async () => {
    const { url } = await serve({ http: only(4) });
    for (let i = 0; i < 4; i++) {
      expect((await getFrom(url, '/api/rooms/ZZZZZ/transcript.txt', A)).status).not.toBe(429);
    }
    const refused = await getFrom(url, '/api/rooms/ZZZZZ/qr.svg', A);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toEqual({
      error: { code: 'rate_limited', message: expect.stringMatching(/Too many requests/) },
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await getFrom(url, '/healthz', A)).status).toBe(200);
    expect((await getFrom(url, '/api/rooms/ZZZZZ/qr.svg', B)).status).toBe(404);
  });

  it('reads: loading a big room not in memory, and reading it over HTTP, are paid for by the address', async () => {
    const { url, server } = await serve({ addressReads: only(100) });
    const maker = await connectFrom(url, '127.0.0.5');
    const { code } = data(await maker.emitWithAck('room:create', { settings: {} })).identity;
    const says = Array.from({ length: 149 }, (_, i) =>
      server.rooms.run(code, { type: 'host:say', text: `${i}` }, { role: 'host' }),
    );
    await Promise.all(says);
    maker.disconnect();
    await waitFor(() => !server.rooms.loaded(code), 'the room to leave memory');
    const a = await connectFrom(url, A);
    // The first load is paid in debt (150 events against 100)...
    data(await a.emitWithAck('room:watch', { code }));
    // ...a room in memory costs nothing to look at...
    const a2 = await connectFrom(url, A);
    data(await a2.emitWithAck('room:watch', { code }));
    // ...and reading its transcript, its missed events, or loading it again, must wait.
    expect((await getFrom(url, `/api/rooms/${code}/transcript.txt`, A)).status).toBe(429);
    expect(errorCode(await a2.emitWithAck('room:sync', { since: 0 }))).toBe('rate_limited');
    a.disconnect();
    a2.disconnect();
    await waitFor(() => !server.rooms.loaded(code), 'the room to leave memory');
    const a3 = await connectFrom(url, A);
    expect(errorCode(await a3.emitWithAck('room:watch', { code }))).toBe('rate_limited');
    expect((await getFrom(url, `/api/rooms/${code}/transcript.txt`, B)).status).toBe(200);
    a3.disconnect();
  });

  it('TRUST_PROXY: behind a proxy the forwarded address counts, else the header is ignored', async () => {
    const { url } = await serve({ socketsPerAddress: 2, trustProxy: 1 });
    const via = (client: string) => ({ 'x-forwarded-for': client });
    const open = [
      await connectFrom(url, A, { headers: via('203.0.113.5') }),
      await connectFrom(url, A, { headers: via('203.0.113.5') }),
    ];
    expect((await refusedFrom(url, A, via('203.0.113.5')))?.data).toEqual({ code: 'rate_limited' });
    open.push(await connectFrom(url, A, { headers: via('203.0.113.6') }));
    for (const s of open) s.disconnect();
    await t!.close();
    // Without TRUST_PROXY a client cannot pick its own address with the header.
    const direct = await serve({ socketsPerAddress: 2 });
    const two = [
      await connectFrom(direct.url, A, { headers: via('203.0.113.7') }),
      await connectFrom(direct.url, A, { headers: via('203.0.113.8') }),
    ];
    expect((await refusedFrom(direct.url, A, via('203.0.113.9')))?.data).toEqual({
      code: 'rate_limited',
    });
    for (const s of two) s.disconnect();
  });
});

describe('client addresses and the environment', () => {
  it('counts IPv4-mapped IPv6 as IPv4, other IPv6 per /64, and X-Forwarded-For only as trusted', () => {
    expect(clientAddress('::ffff:10.0.0.7', undefined, 0)).toBe('10.0.0.7');
    expect(clientAddress('2001:db8:1:2:aaaa::1', undefined, 0)).toBe('2001:db8:1:2::/64');
    expect(clientAddress('2001:0db8:0001:0002:ffff:1:2:3', undefined, 0)).toBe('2001:db8:1:2::/64');
    expect(clientAddress('::1', undefined, 0)).toBe('0:0:0:0::/64');
    expect(clientAddress('fe80::1%eth0', undefined, 0)).toBe('fe80:0:0:0::/64');
    // The client can write anything on the left of the header; each proxy appends on the right.
    expect(clientAddress('10.0.0.1', '6.6.6.6, 203.0.113.5', 0)).toBe('10.0.0.1');
    expect(clientAddress('10.0.0.1', '6.6.6.6, 203.0.113.5', 1)).toBe('203.0.113.5');
    expect(clientAddress('10.0.0.1', '6.6.6.6, 203.0.113.5, 10.0.0.2', 2)).toBe('203.0.113.5');
    expect(clientAddress('10.0.0.1', ['6.6.6.6', '203.0.113.5'], 1)).toBe('203.0.113.5');
    expect(clientAddress('10.0.0.1', undefined, 1)).toBe('10.0.0.1');
    expect(clientAddress('10.0.0.1', '203.0.113.5', 5)).toBe('203.0.113.5');
  });

  it('reads every limit from the environment, keeps defaults for the rest, refuses nonsense', () => {
    const limits = readLimits({
      MAX_SOCKETS_PER_ADDRESS: '50',
      ADDRESS_RATE_PER_SECOND: '10',
      ROOMS_PER_MINUTE: '6',
      INVALID_PER_MINUTE: '120',
      LOOKUP_FAILURES_BURST: '7',
      MAX_ROOM_EVENTS: '999',
      TRUST_PROXY: '1',
    });
    expect(limits).toEqual({
      ...DEFAULT_LIMITS,
      socketsPerAddress: 50,
      addressCommands: { perSecond: 10, burst: DEFAULT_LIMITS.addressCommands.burst },
      roomsCreated: { perSecond: 0.1, burst: 6 },
      invalidFrames: { perSecond: 2, burst: DEFAULT_LIMITS.invalidFrames.burst },
      failedLookups: { perSecond: DEFAULT_LIMITS.failedLookups.perSecond, burst: 7 },
      maxRoomEvents: 999,
      trustProxy: 1,
    });
    expect(readLimits({})).toEqual(DEFAULT_LIMITS);
    expect(() => readLimits({ HTTP_RATE_BURST: 'lots' })).toThrow(/HTTP_RATE_BURST/);
    // Every limit has its variable.
    expect(Object.keys(LIMIT_ENV).sort()).toEqual(Object.keys(DEFAULT_LIMITS).sort());
  });
});
