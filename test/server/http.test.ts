// The HTTP side: health, transcripts, the join QR code and the single-page client.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { NetworkInterfaceInfo } from 'node:os';
import { join } from 'node:path';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../shared/protocol/index.ts';
import type { TestServer } from './helpers.ts';
import { connect, data, startServer, tempDir } from './helpers.ts';

const tmp = tempDir();
let t: TestServer;
let code: string;
/** The machine's network as the server is told it: one LAN address (TEST-NET-1). */
const LAN = '192.0.2.50';
const interfaces = (): NodeJS.Dict<NetworkInterfaceInfo[]> => ({
  lo: [
    {
      address: '127.0.0.1',
      netmask: '255.0.0.0',
      family: 'IPv4',
      mac: '00:00:00:00:00:00',
      internal: true,
      cidr: '127.0.0.1/8',
    },
  ],
  eth0: [
    {
      address: LAN,
      netmask: '255.255.255.0',
      family: 'IPv4',
      mac: '02:00:00:00:00:01',
      internal: false,
      cidr: `${LAN}/24`,
    },
  ],
});
beforeAll(async () => {
  mkdirSync(join(tmp.dir, 'assets'));
  writeFileSync(join(tmp.dir, 'index.html'), '<!doctype html><title>client</title>');
  writeFileSync(join(tmp.dir, 'assets', 'app.js'), 'console.log(1)');
  t = await startServer({ clientDir: tmp.dir, invite: { interfaces } });
  const host = await connect(t.url);
  code = data(await host.emitWithAck('room:create', { settings: {} })).identity.code;
  host.disconnect();
});
afterAll(async () => {
  await t.close();
  tmp.cleanup();
});

/** GET with a Host header of our choosing (the request still goes to loopback). */
function getWithHost(path: string, host: string): Promise<{ status: number; body: string }> {
  const url = new URL(t.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTP', () => {
  it('/healthz tells the version and protocol', async () => {
    const res = await fetch(`${t.url}/healthz`);
    const pkg = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    expect(await res.json()).toEqual({
      ok: true,
      version: pkg.version,
      protocol: PROTOCOL_VERSION,
    });
  });

  it('transcripts answer 400 for a malformed code and 404 for an unknown one', async () => {
    const missing = code === 'ZZZZZ' ? 'YYYYY' : 'ZZZZZ';
    for (const file of ['transcript.txt', 'transcript.json', 'qr.svg']) {
      const bad = await fetch(`${t.url}/api/rooms/O0O0O/${file}`);
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ error: { code: 'bad_request' } });
      const unknown = await fetch(`${t.url}/api/rooms/${missing}/${file}`);
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ error: { code: 'not_found' } });
    }
    const json = await fetch(`${t.url}/api/rooms/${code.toLowerCase()}/transcript.json`);
    expect(await json.json()).toMatchObject({ code, events: [{ seq: 1 }] });
    expect((await fetch(`${t.url}/api/nothing`)).status).toBe(404);
  });

  it('the QR code encodes the join URL on the LAN address, whatever Host the request carried', async () => {
    const qr = (url: string) => QRCode.toString(url, { type: 'svg', margin: 2 });
    const port = new URL(t.url).port;
    const lan = await qr(`http://${LAN}:${port}/r/${code}`);
    for (const host of ['evil.example:3000', 'localhost:3000', `${LAN}:${port}`]) {
      const res = await getWithHost(`/api/rooms/${code}/qr.svg`, host);
      expect(res.status).toBe(200);
      expect(res.body, `Host: ${host}`).toBe(lan);
    }
    expect(lan).not.toBe(await qr(`http://evil.example:3000/r/${code}`));

    // PUBLIC_URL wins over the LAN address (a path of a proxy is kept, a trailing slash not).
    const pub = await startServer({
      invite: { publicUrl: 'https://films.example.org/paxos/', interfaces },
    });
    const host = await connect(pub.url);
    const other = data(await host.emitWithAck('room:create', { settings: {} })).identity.code;
    host.disconnect();
    const res = await fetch(`${pub.url}/api/rooms/${other}/qr.svg`);
    expect(await res.text()).toBe(await qr(`https://films.example.org/paxos/r/${other}`));
    await pub.close();
  });

  it('serves the client, with its routes falling back to index.html', async () => {
    for (const path of ['/', `/r/${code}`, `/r/${code}/screen`]) {
      const res = await fetch(`${t.url}${path}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<title>client</title>');
    }
    expect(await (await fetch(`${t.url}/assets/app.js`)).text()).toBe('console.log(1)');
    expect((await fetch(`${t.url}/elsewhere`)).status).toBe(404);
  });

  it('without a built client, / says how to build it', async () => {
    const bare = await startServer({ clientDir: join(tmp.dir, 'missing') });
    const res = await fetch(`${bare.url}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('npm run build');
    await bare.close();
  });
});
