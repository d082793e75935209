// What a hostile page or a careless typist meets: security headers, 400 and 404 answers,
// the websocket's Origin check, and text that cannot hide or forge lines in a transcript.
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { io as connectClient } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { originAllowed } from '../../server/app.ts';
import type { TestServer } from './helpers.ts';
import { connect, data, errorCode, startServer, tempDir } from './helpers.ts';

const tmp = tempDir();
let t: TestServer;
beforeAll(async () => {
  mkdirSync(join(tmp.dir, 'assets'));
  writeFileSync(join(tmp.dir, 'index.html'), '<!doctype html><title>client</title>');
  t = await startServer({ clientDir: tmp.dir, allowedOrigins: ['https://paxos.example.org/'] });
});
afterAll(async () => {
  await t.close();
  tmp.cleanup();
});

/** A raw GET, so that a path with a malformed escape reaches the server as it is. */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  const url = new URL(t.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a websocket with this Origin header; resolves true if the server let it in. */
function opens(origin: string | undefined): Promise<boolean> {
  const socket = connectClient(t.url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    ...(origin ? { extraHeaders: { origin } } : {}),
  });
  return new Promise((resolve) => {
    socket.once('connect', () => {
      socket.disconnect();
      resolve(true);
    });
    socket.once('connect_error', () => {
      socket.disconnect();
      resolve(false);
    });
  });
}

describe('HTTP hardening', () => {
  it('sends security headers: a CSP for its own scripts and socket, no framing, no referrer', async () => {
    for (const path of ['/', '/api/rooms/ABCDE/transcript.txt', '/healthz']) {
      const res = await fetch(`${t.url}${path}`);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("frame-ancestors 'self'");
      // Plain HTTP on a classroom network: nothing may be upgraded to https.
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(res.headers.get('strict-transport-security')).toBeNull();
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('answers a malformed percent-escape with 400 and logs nothing', async () => {
    const res = await rawGet('/api/rooms/%/transcript.txt');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({
      error: { code: 'bad_request', message: 'That address cannot be read.' },
    });
    expect(t.errors).toEqual([]);
  });

  it('shows a page for an address that is nothing, with a way home', async () => {
    const res = await fetch(`${t.url}/nope`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('text/html');
    const body = await res.text();
    expect(body).toContain('There is nothing here');
    expect(body).toContain('<a href="/">');
    // The API keeps answering in JSON.
    const api = await fetch(`${t.url}/api/nope`);
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});

describe('the websocket Origin check', () => {
  it('lets in the page of this server, a configured public URL and clients without a browser', async () => {
    const own = new URL(t.url).origin;
    expect(await opens(own)).toBe(true);
    expect(await opens('https://paxos.example.org')).toBe(true);
    expect(await opens(undefined)).toBe(true);
  });

  it('refuses a page of another site', async () => {
    expect(await opens('http://evil.example')).toBe(false);
    expect(await opens('null')).toBe(false);
  });

  it('compares origins, not strings', () => {
    expect(originAllowed('http://192.168.1.20:3000', '192.168.1.20:3000')).toBe(true);
    expect(originAllowed('http://192.168.1.20:3001', '192.168.1.20:3000')).toBe(false);
    expect(originAllowed('file://', 'localhost:3000')).toBe(false);
    expect(originAllowed('https://a.example/', 'b.example', ['https://a.example/path'])).toBe(true);
  });
});

describe('text people type', () => {
  it('refuses control and invisible characters, keeps new lines in notes, and normalises', async () => {
    const host = await connect(t.url);
    const code = data(await host.emitWithAck('room:create', { settings: {} })).identity.code;
    const say = async (text: string) => errorCode(await host.emitWithAck('host:say', { text }));
    expect(await say('\u001b[31mred')).toBe('bad_request'); // ESC: an ANSI colour
    expect(await say('a\u0000b')).toBe('bad_request');
    expect(await say('del\u007f')).toBe('bad_request');
    expect(await say('c1\u0085')).toBe('bad_request');
    expect(await say('back\rwards')).toBe('bad_request');
    expect(await say('zero\u200bwidth')).toBe('bad_request');
    expect(await say('two\nlines')).toBe(null);

    const name = async (n: string) => {
      const socket = await connect(t.url);
      const ack = await socket.emitWithAck('room:join', { code, name: n });
      socket.disconnect();
      return ack;
    };
    expect(errorCode(await name('Amy'))).toBe(null);
    expect(errorCode(await name('\u200bAmy'))).toBe('bad_request');
    expect(errorCode(await name('\u202eymA'))).toBe('bad_request'); // a right-to-left override
    expect(errorCode(await name('Am\ud800y'))).toBe('bad_request'); // a lone surrogate
    // Full-width letters are the same name once normalised.
    expect(errorCode(await name('Ａｍｙ'))).toBe('conflict');
    const ben = await name('Ｂｅｎ');
    expect(ben.ok && ben.data.snapshot.state.players.map((p) => p.name)).toContain('Ben');
    host.disconnect();
  });
});
