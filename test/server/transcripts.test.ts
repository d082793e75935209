// Transcripts come from a cache that grows with the log: byte for byte the fold of the whole
// public log, and a read folds only the events after the cached ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicLog, roomTranscript, transcriptText } from '../../shared/room/index.ts';
import type { TestServer } from './helpers.ts';
import { connect, data, getFrom, seatedRoom, startServer } from './helpers.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startServer();
});
afterAll(() => t.close());

/** What the transcripts must be: the whole public log folded from scratch. */
function expected(code: string): { text: string; json: string } {
  const log = publicLog(t.store.load(code));
  return { text: transcriptText(roomTranscript(log)), json: JSON.stringify({ code, events: log }) };
}

async function get(code: string): Promise<{ text: string; json: string }> {
  const text = await fetch(`${t.url}/api/rooms/${code}/transcript.txt`);
  const json = await fetch(`${t.url}/api/rooms/${code}/transcript.json`);
  expect(text.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
  // transcript.json is signed (server/exports.ts): the body less its signature is the log.
  const signed = /^(.*)\],"signature":"[0-9a-f]{64}"\}$/s.exec(await json.text());
  expect(signed).not.toBeNull();
  return { text: await text.text(), json: `${signed![1]}]}` };
}

describe('the transcript cache', () => {
  it('is the fold of the whole log, and a read folds only the new events', async () => {
    const room = await seatedRoom(t.url);
    const [amy, ben] = room.players;
    data(await room.host.emitWithAck('host:startRound', {}));
    data(await amy!.emitWithAck('node:propose', { value: 'Dune', to: ['Amy', 'Ben', 'Cal'] }));
    expect(await get(room.code)).toEqual(expected(room.code));

    const folded = t.server.transcripts.folded;
    const seq = data(await ben!.emitWithAck('node:newProposal', { value: 'Up' })).seq;
    data(await room.host.emitWithAck('host:say', { text: 'two\nlines' }));
    data(await ben!.emitWithAck('node:promiseRequest', { to: 'Cal' }));
    const now = t.store.load(room.code).length;
    expect(await get(room.code)).toEqual(expected(room.code));
    expect(t.server.transcripts.folded - folded).toBe(now - seq + 1);
    // Nothing new: nothing folded.
    expect(await get(room.code)).toEqual(expected(room.code));
    expect(t.server.transcripts.folded - folded).toBe(now - seq + 1);
    for (const s of [room.host, ...room.players]) s.disconnect();
  });

  it('leaves a fogged round out while it is played and shows it whole once it ends', async () => {
    const room = await seatedRoom(t.url, { rules: { visibility: 'fog', endWhenChosen: false } });
    const [amy] = room.players;
    data(await room.host.emitWithAck('host:say', { text: 'before the fog' }));
    const before = await get(room.code);
    data(await room.host.emitWithAck('host:startRound', {}));
    data(await amy!.emitWithAck('node:propose', { value: 'Dune', to: ['Amy', 'Ben', 'Cal'] }));
    const during = await get(room.code);
    expect(during).toEqual(expected(room.code));
    expect(during).toEqual(before);
    data(await room.host.emitWithAck('host:endRound', {}));
    const after = await get(room.code);
    expect(after).toEqual(expected(room.code));
    expect(after.text).toContain('Amy chose : Dune');
    // A second fogged round, then an open one started without ending it (the host's startRound).
    data(await room.host.emitWithAck('host:startRound', {}));
    data(await amy!.emitWithAck('node:newProposal', { value: 'Heat' }));
    expect(await get(room.code)).toEqual(expected(room.code));
    data(
      await room.host.emitWithAck('host:settings', { settings: { rules: { visibility: 'open' } } }),
    );
    data(await room.host.emitWithAck('host:startRound', {}));
    expect(await get(room.code)).toEqual(expected(room.code));
    for (const s of [room.host, ...room.players]) s.disconnect();
  });

  it('keeps every line, fogged round included, for fog views: folded once, then only what is new', async () => {
    const room = await seatedRoom(t.url, { rules: { visibility: 'fog', endWhenChosen: false } });
    const [amy] = room.players;
    data(await room.host.emitWithAck('host:startRound', {}));
    data(await amy!.emitWithAck('node:propose', { value: 'Dune', to: ['Amy', 'Ben', 'Cal'] }));
    const { transcripts } = t.server;
    const all = () => roomTranscript(t.store.load(room.code));
    const events = t.store.load(room.code).length;
    // The round's start folded the log once (the seats' first views); the propose is what is new.
    const folded = await transcripts.warm(room.code);
    expect(folded).toBeGreaterThan(0);
    expect(folded).toBeLessThan(events);
    expect(await transcripts.warm(room.code)).toBe(0);
    expect(transcripts.linesNow(room.code)).toEqual(all());
    const seq = data(await room.host.emitWithAck('host:say', { text: 'later' })).seq;
    expect(await transcripts.warm(room.code)).toBe(1);
    expect(transcripts.linesNow(room.code)).toEqual(all());
    expect(transcripts.linesNow(room.code, seq - 1)).toEqual(all().filter((l) => l.seq < seq));
    for (const s of [room.host, ...room.players]) s.disconnect();
  });

  it('answers 304 to a client that has the current version, and 200 once the room changed', async () => {
    const host = await connect(t.url);
    const { code } = data(await host.emitWithAck('room:create', { settings: {} })).identity;
    // node:http, not fetch: fetch marks a request with If-None-Match `no-cache`.
    const get = (headers: Record<string, string> = {}) =>
      getFrom(t.url, `/api/rooms/${code}/transcript.txt`, '127.0.0.1', headers);
    const first = await get();
    const etag = String(first.headers.etag);
    expect(etag).toMatch(new RegExp(`^"${code}-`));
    expect((await get({ 'if-none-match': etag })).status).toBe(304);
    data(await host.emitWithAck('host:say', { text: 'news' }));
    const changed = await get({ 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.body).toBe('news\n');
    host.disconnect();
  });

  it('stays within its memory, and what it dropped is folded again when asked', async () => {
    const small = await startServer({
      transcriptCacheBytes: 2_000,
      rateLimit: { perSecond: 1000, burst: 1000 },
    });
    const host = await connect(small.url);
    const codes: string[] = [];
    for (let r = 0; r < 4; r++) {
      codes.push(data(await host.emitWithAck('room:create', { settings: {} })).identity.code);
      for (let i = 0; i < 20; i++) data(await host.emitWithAck('host:say', { text: `${r}:${i}` }));
    }
    for (const code of [...codes, ...codes]) {
      const text = await (await fetch(`${small.url}/api/rooms/${code}/transcript.txt`)).text();
      expect(text).toBe(transcriptText(roomTranscript(small.store.load(code))));
      expect(small.server.transcripts.size).toBeLessThanOrEqual(2_000 + 4_000);
    }
    // Each of the four logs (21 events) was folded twice: the cache had let it go.
    expect(small.server.transcripts.folded).toBe(2 * 4 * 21);
    host.disconnect();
    await small.close();
  });
});
