// The built client as a phone receives it: precompressed copies chosen by Accept-Encoding,
// hashed assets cached for good, HTML revalidated. Over a real production build.
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuiltClient } from '../build/client.ts';
import { buildClient } from '../build/client.ts';
import type { TestServer } from './helpers.ts';
import { startServer } from './helpers.ts';

let client: BuiltClient;
let t: TestServer;
/** The player view's script and stylesheet, as index.html names them (`/assets/...`). */
let script: string;
let sheet: string;

beforeAll(async () => {
  client = await buildClient();
  t = await startServer({ clientDir: client.dir });
  const html = readFileSync(join(client.dir, 'index.html'), 'utf8');
  script = /<script type="module" crossorigin src="([^"]+)"/.exec(html)![1]!;
  sheet = /<link rel="stylesheet" crossorigin href="([^"]+)"/.exec(html)![1]!;
}, 120_000);
afterAll(async () => {
  await t?.close();
  client?.cleanup();
});

interface Raw {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A GET that leaves the body as sent (fetch would decode it and choose its own encodings). */
function get(path: string, acceptEncoding?: string): Promise<Raw> {
  const url = new URL(path, t.url);
  const headers = acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding };
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const built = (path: string) => readFileSync(join(client.dir, path));
const IMMUTABLE = 'public, max-age=31536000, immutable';

describe('the built client over HTTP', () => {
  it('sends brotli to a browser that accepts it, with the original type', async () => {
    const plain = await get(script);
    const res = await get(script, 'gzip, deflate, br, zstd');
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers['content-type']).toBe(plain.headers['content-type']);
    expect(res.headers['content-type']).toMatch(/^text\/javascript/);
    expect(res.headers.vary).toMatch(/Accept-Encoding/i);
    expect(res.headers['cache-control']).toBe(IMMUTABLE);
    expect(Number(res.headers['content-length'])).toBe(res.body.length);
    expect(res.body.length).toBeLessThan(plain.body.length);
    expect(brotliDecompressSync(res.body).equals(built(script))).toBe(true);

    const css = await get(sheet, 'br');
    expect(css.headers['content-encoding']).toBe('br');
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    expect(brotliDecompressSync(css.body).equals(built(sheet))).toBe(true);
  });

  it('sends gzip when only gzip is accepted', async () => {
    for (const accept of ['gzip', 'gzip, br;q=0', 'deflate, gzip;q=0.5']) {
      const res = await get(script, accept);
      expect(res.headers['content-encoding'], accept).toBe('gzip');
      expect(res.headers.vary).toMatch(/Accept-Encoding/i);
      expect(res.headers['cache-control']).toBe(IMMUTABLE);
      expect(gunzipSync(res.body).equals(built(script))).toBe(true);
    }
    expect((await get(script, '*')).headers['content-encoding']).toBe('br');
  });

  it('sends the file itself when no coding is accepted', async () => {
    for (const accept of [undefined, '', 'identity', 'br;q=0, gzip;q=0', 'deflate']) {
      const res = await get(script, accept);
      expect(res.status).toBe(200);
      expect(res.headers['content-encoding'], String(accept)).toBeUndefined();
      expect(res.headers.vary).toMatch(/Accept-Encoding/i);
      expect(res.headers['cache-control']).toBe(IMMUTABLE);
      expect(res.body.equals(built(script))).toBe(true);
    }
  });

  it('sends index.html for the app and its routes, never cached without asking', async () => {
    const html = built('index.html');
    for (const path of [
      '/',
      '/index.html',
      '/r/ABCDE',
      '/r/ABCDE/screen',
      '/c/123456',
      '/c/123456/host',
    ]) {
      const br = await get(path, 'gzip, br');
      expect(br.status, path).toBe(200);
      expect(br.headers['content-type']).toMatch(/^text\/html/);
      expect(br.headers['content-encoding']).toBe('br');
      expect(br.headers['cache-control']).toBe('no-cache');
      expect(br.headers.vary).toMatch(/Accept-Encoding/i);
      expect(brotliDecompressSync(br.body).equals(html)).toBe(true);
      const plain = await get(path);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.headers['cache-control']).toBe('no-cache');
      expect(plain.body.equals(html)).toBe(true);
    }
  });

  it('serves nothing else: unknown paths and the build manifest stay out', async () => {
    expect((await get('/elsewhere', 'br')).status).toBe(404);
    expect((await get('/assets/missing.js', 'br')).status).toBe(404);
    expect((await get('/.vite/manifest.json', 'br')).status).toBe(404);
    expect((await get('/assets/..%2f.vite/manifest.json', 'br')).status).not.toBe(200);
  });
});
