// The invite link points where phones can go: PUBLIC_URL, else the server's LAN address on
// its port, never the Host header of a request; and it says when it only works on this computer.
import type { NetworkInterfaceInfo } from 'node:os';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { inviteBase, loopbackHost } from '../../server/http.ts';
import { connect, data, startServer } from './helpers.ts';

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;
const nic = (address: string, internal: boolean, family: 'IPv4' | 'IPv6' = 'IPv4') =>
  ({
    address,
    netmask: family === 'IPv4' ? '255.255.255.0' : 'ffff:ffff:ffff:ffff::',
    family,
    mac: '02:00:00:00:00:01',
    internal,
    cidr: null,
    ...(family === 'IPv6' ? { scopeid: 0 } : {}),
  }) as NetworkInterfaceInfo;
const LOOPBACK_ONLY: Interfaces = { lo: [nic('127.0.0.1', true), nic('::1', true, 'IPv6')] };
const ON_A_NETWORK: Interfaces = {
  lo: [nic('127.0.0.1', true)],
  docker0: [nic('fe80::1', false, 'IPv6')],
  wlan0: [nic('192.168.1.23', false), nic('192.168.1.24', false)],
};

/** GET with a Host header of our choosing (the request still goes to loopback). */
function getWithHost(
  url: string,
  path: string,
  host: string,
): Promise<{ status: number; body: string }> {
  const base = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: base.hostname, port: base.port, path, headers: { host } },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the invite base', () => {
  it('is PUBLIC_URL, the address listened on, the first LAN IPv4, or localhost', () => {
    const lan = () => ON_A_NETWORK;
    const none = () => LOOPBACK_ONLY;
    expect(inviteBase({ publicUrl: 'https://films.example.org/', interfaces: lan }, 3000)).toEqual({
      url: 'https://films.example.org',
      local: false,
    });
    expect(inviteBase({ interfaces: lan }, 3000)).toEqual({
      url: 'http://192.168.1.23:3000',
      local: false,
    });
    expect(inviteBase({ listenHost: '0.0.0.0', interfaces: lan }, 8080)).toEqual({
      url: 'http://192.168.1.23:8080',
      local: false,
    });
    expect(inviteBase({ listenHost: '10.1.2.3', interfaces: lan }, 3000)).toEqual({
      url: 'http://10.1.2.3:3000',
      local: false,
    });
    expect(inviteBase({ listenHost: 'fd00::7', interfaces: lan }, 3000).url).toBe(
      'http://[fd00::7]:3000',
    );
    // Only this computer can open these: the page warns.
    expect(inviteBase({ interfaces: none }, 3000)).toEqual({
      url: 'http://localhost:3000',
      local: true,
    });
    expect(inviteBase({ listenHost: '127.0.0.1', interfaces: lan }, 3000).local).toBe(true);
    expect(inviteBase({ publicUrl: 'http://localhost:8080', interfaces: lan }, 3000)).toEqual({
      url: 'http://localhost:8080',
      local: true,
    });
    expect(inviteBase({ publicUrl: 'http://127.8.0.1', interfaces: lan }, 3000).local).toBe(true);
  });

  it('tells a loopback name from a network one', () => {
    for (const h of [
      'localhost',
      'LOCALHOST',
      'app.localhost',
      '127.0.0.1',
      '127.1.2.3',
      '::1',
      '[::1]',
    ]) {
      expect(loopbackHost(h), h).toBe(true);
    }
    for (const h of [
      '192.168.1.23',
      'films.example.org',
      '10.0.0.1',
      'localhost.example.org',
      '128.0.0.1',
    ]) {
      expect(loopbackHost(h), h).toBe(false);
    }
  });
});

describe('GET /api/rooms/:code/invite.json', () => {
  it('answers the join link and whether it is local, whatever the Host header says', async () => {
    const lan = await startServer({ invite: { interfaces: () => ON_A_NETWORK } });
    const alone = await startServer({ invite: { interfaces: () => LOOPBACK_ONLY } });
    try {
      for (const [t, local] of [
        [lan, false],
        [alone, true],
      ] as const) {
        const host = await connect(t.url);
        const code = data(await host.emitWithAck('room:create', { settings: {} })).identity.code;
        host.disconnect();
        const port = new URL(t.url).port;
        const res = await getWithHost(t.url, `/api/rooms/${code}/invite.json`, 'evil.example:80');
        expect(res.status).toBe(200);
        expect(JSON.parse(res.body)).toEqual({
          url: `http://${local ? 'localhost' : '192.168.1.23'}:${port}/r/${code}`,
          local,
        });
      }
      const unknown = await fetch(`${lan.url}/api/rooms/ZZZZZ/invite.json`);
      expect(unknown.status).toBe(404);
      expect((await fetch(`${lan.url}/api/rooms/O0O0O/invite.json`)).status).toBe(400);
    } finally {
      await lan.close();
      await alone.close();
    }
  });
});
