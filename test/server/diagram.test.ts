// GET /api/rooms/CODE/diagram.svg over real HTTP and sockets: a played case-3 room, earlier
// rounds, escaping, bad input, and fog of war (a fogged round being played is not drawn).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asRoomStep, seedCase } from '../room/case3.ts';
import type { Client, TestServer } from './helpers.ts';
import { data, seatedRoom, startServer, tempDir } from './helpers.ts';

let t: TestServer;
const dir = tempDir();
beforeAll(async () => {
  t = await startServer({ dbPath: join(dir.dir, 'diagram.db') });
});
afterAll(async () => {
  await t.close();
  dir.cleanup();
});

const SEAT: Record<string, number> = { Amy: 0, Ben: 1, Cal: 2, Dan: 3, Eva: 4 };

/** The notebook's case `n` played by the five sockets of a seated room. */
async function play(room: Awaited<ReturnType<typeof seatedRoom>>, n: 1 | 2 | 3) {
  data(await room.host.emitWithAck('host:startRound', {}));
  for (const step of seedCase(n).map(asRoomStep)) {
    if ('say' in step) continue;
    const socket = room.players[SEAT[step.node]!]!;
    const c = step.command;
    if (c.type === 'node:newProposal') data(await socket.emitWithAck(c.type, { value: c.value }));
    else if (c.type !== 'node:propose')
      data(await socket.emitWithAck(c.type, { to: c.to as 'Amy' }));
  }
}

const get = (code: string, query = '') => fetch(`${t.url}/api/rooms/${code}/diagram.svg${query}`);
const closeAll = (sockets: Client[]) => sockets.forEach((s) => s.close());

describe('the diagram of a played case-3 room', () => {
  it('draws the lanes, the rejected accept and the chosen movie, as an SVG download', async () => {
    const room = await seatedRoom(t.url);
    await play(room, 3);
    const res = await get(room.code);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="diagram-${room.code}-round-1.svg"`,
    );
    const svg = await res.text();
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    for (const node of ['Amy', 'Ben', 'Cal', 'Dan', 'Eva']) {
      expect(svg).toContain(`text-anchor="middle">${node}</text>`);
    }
    // Cal rejects Amy's late accept request; Barbie is chosen by Cal, Dan and Eva.
    expect(svg).toMatch(
      /<g class="arrow acceptReply rejected delivered"[^>]*><title>#\d+ Cal → Amy: rejected 1 \(promised 2\)/,
    );
    expect(svg.match(/class="arrow acceptReply rejected/g)).toHaveLength(1);
    expect(svg).toContain('chosen: Barbie (proposal 2)');
    expect(svg).toContain('Room ' + room.code + ' · round 1');
    expect(svg).toContain('Nobody who promised Eva (Cal, Dan and Eva) had accepted a movie');
    closeAll([room.host, ...room.players]);
  });

  it('escapes every text, draws an earlier round with ?round=N and refuses a bad one', async () => {
    const room = await seatedRoom(t.url);
    await play(room, 3);
    data(await room.host.emitWithAck('host:startRound', {}));
    const [amy] = room.players as [Client];
    data(await amy.emitWithAck('node:newProposal', { value: 'Tom & Jerry <script>"x"' }));
    data(await amy.emitWithAck('node:promiseRequest', { to: 'Ben' }));
    const latest = await (await get(room.code)).text();
    expect(latest).toContain('Room ' + room.code + ' · round 2');
    expect(latest).toMatch(/proposal \d+: Tom &amp; Jerry &lt;script&gt;&quot;x&quot;/);
    expect(latest).not.toContain('<script>');
    expect(latest).not.toContain('Barbie');
    const first = await get(room.code, '?round=1');
    expect(first.headers.get('content-disposition')).toContain(`round-1.svg`);
    expect(await first.text()).toContain('chosen: Barbie (proposal 2)');
    expect((await get(room.code, '?round=7')).status).toBe(404);
    for (const bad of ['?round=0', '?round=abc', '?round=1&round=2', '?round=-1']) {
      const res = await get(room.code, bad);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('bad_request');
    }
    expect((await get('ZZZZZ')).status).toBe(404);
    closeAll([room.host, ...room.players]);
  });
});

describe('fog of war', () => {
  it('a fogged round being played is not drawn: the previous round is, saying so; then it is', async () => {
    const room = await seatedRoom(t.url);
    await play(room, 3);
    data(
      await room.host.emitWithAck('host:settings', {
        settings: { rules: { visibility: 'fog', endWhenChosen: false } },
      }),
    );
    data(await room.host.emitWithAck('host:startRound', {}));
    const [amy] = room.players as [Client];
    data(await amy.emitWithAck('node:newProposal', { value: 'Secret Movie' }));
    data(await amy.emitWithAck('node:promiseRequest', { to: 'Ben' }));
    const during = await get(room.code);
    expect(during.status).toBe(200);
    const svg = await during.text();
    expect(svg).toContain('Room ' + room.code + ' · round 1');
    expect(svg).toContain('Round 2 is being played under fog of war: this is round 1.');
    expect(svg).not.toContain('Secret Movie');
    const asked = await get(room.code, '?round=2');
    expect(asked.status).toBe(404);
    expect(await asked.text()).not.toContain('Secret Movie');

    data(await room.host.emitWithAck('host:endRound', {}));
    const after = await (await get(room.code)).text();
    expect(after).toContain('Room ' + room.code + ' · round 2');
    expect(after).toMatch(/proposal \d+: Secret Movie/);
    expect(after).not.toContain('fog of war');
    closeAll([room.host, ...room.players]);
  });

  it('a fogged first round: an empty diagram that says why', async () => {
    const room = await seatedRoom(t.url, { rules: { visibility: 'fog', endWhenChosen: false } });
    data(await room.host.emitWithAck('host:startRound', {}));
    data(await (room.players[0] as Client).emitWithAck('node:newProposal', { value: 'Hidden' }));
    const svg = await (await get(room.code)).text();
    expect(svg).toContain(
      'Round 1 is being played under fog of war: its diagram is shown when it ends.',
    );
    expect(svg).not.toContain('Hidden');
    closeAll([room.host, ...room.players]);
  });
});
