// Exports over real HTTP: grades.csv and a round's scenario.json of a played case-3 room, fog,
// and forks of uploaded logs (a signed log forks; a tampered or foreign one is refused).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScenario, runScenario } from '../../shared/scenario.ts';
import type { Envelope } from '../../shared/room/index.ts';
import { publicLog } from '../../shared/room/index.ts';
import { gradeRows, gradesCsv } from '../../shared/room/grades.ts';
import { asRoomStep, seedCase } from '../room/case3.ts';
import type { Client, TestServer } from './helpers.ts';
import { connect, data, seatedRoom, startServer, tempDir } from './helpers.ts';

let t: TestServer;
const dir = tempDir();
beforeAll(async () => {
  t = await startServer({ dbPath: join(dir.dir, 'exports.db') });
});
afterAll(async () => {
  await t.close();
  dir.cleanup();
});

const golden = readFileSync(new URL('../golden/seed-case-3.txt', import.meta.url), 'utf8');

/** Case 3 played by five sockets; returns the room. */
async function case3(url: string) {
  const room = await seatedRoom(url);
  data(await room.host.emitWithAck('host:startRound', {}));
  const seat: Record<string, number> = { Amy: 0, Ben: 1, Cal: 2, Dan: 3, Eva: 4 };
  for (const step of seedCase(3).map(asRoomStep)) {
    if ('say' in step) {
      data(await room.host.emitWithAck('host:say', { text: step.say }));
      continue;
    }
    const socket = room.players[seat[step.node]!]!;
    const c = step.command;
    if (c.type === 'node:newProposal') data(await socket.emitWithAck(c.type, { value: c.value }));
    else if (c.type === 'node:propose')
      data(await socket.emitWithAck(c.type, { value: c.value, to: c.to as 'Amy'[] }));
    else data(await socket.emitWithAck(c.type, { to: c.to as 'Amy' }));
  }
  return room;
}

const closeAll = (...sockets: Client[]) => sockets.forEach((s) => s.close());

interface SignedLog {
  code: string;
  events: Envelope[];
  signature: string;
}

const signedLog = async (url: string, code: string) =>
  (await (await fetch(`${url}/api/rooms/${code}/transcript.json`)).json()) as SignedLog;

const postFork = (url: string, body: unknown) =>
  fetch(`${url}/api/forks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('exports of a played case-3 room', () => {
  let room: Awaited<ReturnType<typeof case3>>;
  beforeAll(async () => {
    room = await case3(t.url);
  });
  afterAll(() => closeAll(room.host, ...room.players));

  it('grades.csv: one row per player, as a download', async () => {
    const res = await fetch(`${t.url}/api/rooms/${room.code}/grades.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="grades-${room.code}.csv"`,
    );
    const body = await res.text();
    expect(body).toBe(gradesCsv(gradeRows(publicLog(t.store.load(room.code)))));
    const lines = body.trimEnd().split('\r\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^room,round,player,seat,points,points: movie chosen,/);
    // Eva got Barbie chosen with the fewest requests: 10 + 5.
    expect(lines[5]).toBe(`${room.code},1,eva,Eva,15,10,0,0,5,0,0,0,0,6`);
  });

  it("scenario.json: the round as a file whose transcript is the room's", async () => {
    const res = await fetch(`${t.url}/api/rooms/${room.code}/rounds/1/scenario.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="room-${room.code}-round-1.scenario.json"`,
    );
    const scenario = parseScenario(await res.json());
    expect(runScenario(scenario).transcript).toBe(golden);
    const missing = await fetch(`${t.url}/api/rooms/${room.code}/rounds/2/scenario.json`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });
    const bad = await fetch(`${t.url}/api/rooms/${room.code}/rounds/zero/scenario.json`);
    expect(bad.status).toBe(400);
    for (const file of ['grades.csv', 'rounds/1/scenario.json']) {
      expect((await fetch(`${t.url}/api/rooms/ZZZZZ/${file}`)).status).toBe(404);
      expect((await fetch(`${t.url}/api/rooms/O0O0O/${file}`)).status).toBe(400);
    }
  });

  it('a signed log forks from any event; the fork repeats its prefix', async () => {
    const log = await signedLog(t.url, room.code);
    expect(log.signature).toMatch(/^[0-9a-f]{64}$/);
    const at = log.events.length - 4;
    const res = await postFork(t.url, { log, at });
    expect(res.status).toBe(201);
    const forked = (await res.json()) as { code: string; hostToken: string };
    expect(forked.code).not.toBe(room.code);
    const own = t.store.load(forked.code);
    expect(own.slice(1, at)).toEqual(log.events.slice(1, at));
    expect(own[at]!.event).toEqual({ type: 'roomForked', parent: room.code, at });
    // The caller hosts it.
    const host = await connect(t.url);
    const resumed = await host.emitWithAck('room:resume', {
      code: forked.code,
      token: forked.hostToken,
    });
    expect(data(resumed).identity).toMatchObject({ code: forked.code, host: true });
    host.close();
  });

  it('a tampered, foreign or unsigned log is refused with a typed error', async () => {
    const log = await signedLog(t.url, room.code);
    const tampered = structuredClone(log);
    const renamed = tampered.events.find((e) => e.event.type === 'playerJoined')!;
    (renamed.event as { player: { name: string } }).player.name = 'mallory';
    const foreign = { ...log, signature: 'ab'.repeat(32) };
    const unsigned = { code: log.code, events: log.events };
    for (const body of [
      { log: tampered, at: 3 },
      { log: foreign, at: 3 },
      { log: unsigned, at: 3 },
      { log: { ...log, code: 'ZZZZZ' }, at: 3 },
    ]) {
      const res = await postFork(t.url, body);
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: 'unsigned' } });
    }
    const shapeless = await postFork(t.url, { log: { events: 'no' }, at: 1 });
    expect(shapeless.status).toBe(400);
    expect(await shapeless.json()).toMatchObject({ error: { code: 'bad_request' } });
    const past = await postFork(t.url, { log, at: log.events.length + 1 });
    expect(past.status).toBe(400);
    const broken = await fetch(`${t.url}/api/forks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"log": ',
    });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toEqual({
      error: { code: 'bad_request', message: 'That body is not valid JSON.' },
    });
  });

  it('a body over the upload limit is answered 413, typed', async () => {
    const small = await startServer({ limits: { maxRoomEvents: 1 } }); // a 2,048-byte limit
    try {
      const res = await postFork(small.url, { log: { events: [], pad: 'x'.repeat(4096) }, at: 1 });
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({
        error: { code: 'too_large', message: 'That upload is too large.' },
      });
    } finally {
      await small.close();
    }
  });
});

describe('exports under fog of war', () => {
  it('a fogged round being played is not exported; once it ends it is', async () => {
    const room = await seatedRoom(t.url, { rules: { endWhenChosen: false, visibility: 'fog' } });
    data(await room.host.emitWithAck('host:startRound', {}));
    data(await room.players[0]!.emitWithAck('node:newProposal', { value: 'Secret' }));
    const csv = await (await fetch(`${t.url}/api/rooms/${room.code}/grades.csv`)).text();
    expect(csv.trimEnd().split('\r\n')).toHaveLength(1);
    const hidden = await fetch(`${t.url}/api/rooms/${room.code}/rounds/1/scenario.json`);
    expect(hidden.status).toBe(404);
    expect(JSON.stringify(await signedLog(t.url, room.code))).not.toContain('Secret');
    data(await room.host.emitWithAck('host:endRound', {}));
    const shown = await fetch(`${t.url}/api/rooms/${room.code}/rounds/1/scenario.json`);
    expect(shown.status).toBe(200);
    expect(JSON.stringify(await shown.json())).toContain('Secret');
    const rows = (await (await fetch(`${t.url}/api/rooms/${room.code}/grades.csv`)).text())
      .trimEnd()
      .split('\r\n');
    expect(rows).toHaveLength(6);
    closeAll(room.host, ...room.players);
  });
});

describe('the signing secret', () => {
  it('is kept in the store: a log signed before a restart forks after it', async () => {
    const room = await seatedRoom(t.url);
    const log = await signedLog(t.url, room.code);
    closeAll(room.host, ...room.players);
    const again = await startServer({ dbPath: join(dir.dir, 'exports.db') });
    try {
      expect((await postFork(again.url, { log, at: 2 })).status).toBe(201);
      const other = await startServer();
      try {
        expect((await postFork(other.url, { log, at: 2 })).status).toBe(403);
      } finally {
        await other.close();
      }
    } finally {
      await again.close();
    }
  });
});
