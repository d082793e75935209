// The floods of bench/abuse.ts, each what one abusive client could do, run in a process of
// their own until told to stop; they report what they met (answers by code, refused
// connections, HTTP statuses). Every loop ends when the flood is stopped.
import { Agent, request } from 'node:http';
import { io as connectClient } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { PROTOCOL_VERSION } from '../shared/protocol/index.ts';

export const FLOODS = ['transcripts', 'sockets', 'commands', 'invalid', 'proposes'] as const;
export type Flood = (typeof FLOODS)[number];

interface AckResult {
  ok: boolean;
  data?: { hostToken?: string; identity?: { code: string } };
  error?: { code: string };
}

/** What the attacker met, by kind. */
class Tally {
  readonly counts = new Map<string, number>();
  add(kind: string, n = 1): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + n);
  }
  answer(ack: AckResult): void {
    this.add(ack.ok ? 'ok' : (ack.error?.code ?? 'unknown'));
  }
  summary(): string {
    const total = [...this.counts.values()].reduce((a, b) => a + b, 0);
    const parts = [...this.counts].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`);
    return `${total} tries: ${parts.join(', ')}`;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function open(url: string, localAddress: string): Promise<Socket> {
  const socket = connectClient(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    auth: { protocol: PROTOCOL_VERSION },
    localAddress,
  } as Parameters<typeof connectClient>[1]);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.disconnect();
      reject(err);
    });
  });
}

function call(socket: Socket, event: string, payload: object): Promise<AckResult> {
  return socket.timeout(10_000).emitWithAck(event, payload) as Promise<AckResult>;
}

interface Flooding {
  running: () => boolean;
  tally: Tally;
  url: string;
  address: string;
  bigRoom: string;
  sockets: Socket[];
}

/** Connects, counting refusals; null if refused (the caller may try again). */
async function tryOpen(f: Flooding): Promise<Socket | null> {
  try {
    const s = await open(f.url, f.address);
    f.sockets.push(s);
    f.tally.add('connected');
    return s;
  } catch {
    f.tally.add('connect refused');
    return null;
  }
}

/** Opens `n` sockets, `at` at a time (refused ones are not retried here). */
async function openMany(f: Flooding, n: number, at = 20): Promise<Socket[]> {
  const out: Socket[] = [];
  for (let i = 0; i < n; i += at) {
    const batch = await Promise.all(Array.from({ length: Math.min(at, n - i) }, () => tryOpen(f)));
    for (const s of batch) if (s) out.push(s);
  }
  return out;
}

/** The floods: each returns its loops once they run. */
const FLOOD: Record<Flood, (f: Flooding) => Promise<Promise<unknown>[]>> = {
  /** Eight loops downloading the big room's transcripts, as fast as answers come. */
  async transcripts(f) {
    const agent = new Agent({ keepAlive: true, maxSockets: 8, localAddress: f.address });
    const get = (path: string) =>
      new Promise<void>((resolve) => {
        const base = new URL(f.url);
        const req = request({ host: base.hostname, port: base.port, path, agent }, (res) => {
          f.tally.add(`http ${res.statusCode}`);
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', () => {
          f.tally.add('http error');
          resolve();
        });
        req.end();
      });
    return Array.from({ length: 8 }, async (_, i) => {
      for (let n = 0; f.running(); n++) {
        await get(`/api/rooms/${f.bigRoom}/transcript.${(n + i) % 2 ? 'txt' : 'json'}`);
      }
      agent.destroy();
    });
  },

  /** As many sockets as the server lets in (and 100 more trying again and again). */
  async sockets(f) {
    await openMany(f, 300);
    return Array.from({ length: 100 }, async () => {
      while (f.running()) {
        const s = await tryOpen(f);
        if (s) s.disconnect();
        await sleep(10);
      }
    });
  },

  /** 50 sockets, host of one of 10 rooms each, sending notes ten at a time. */
  async commands(f) {
    const sockets = await openMany(f, 50);
    const rooms: { code: string; token: string }[] = [];
    for (const s of sockets.slice(0, 10)) {
      const created = await call(s, 'room:create', { settings: {} });
      if (created.ok)
        rooms.push({ code: created.data!.identity!.code, token: created.data!.hostToken! });
    }
    for (const [i, s] of sockets.slice(10).entries()) {
      const room = rooms[i % rooms.length]!;
      await call(s, 'room:resume', { code: room.code, token: room.token });
    }
    return sockets.map(async (s, i) => {
      while (f.running() && s.connected) {
        await Promise.all(
          Array.from({ length: 10 }, (_, k) =>
            call(s, 'host:say', { text: `flood ${i} ${k}` }).then(
              (a) => f.tally.answer(a),
              () => f.tally.add('unanswered'),
            ),
          ),
        );
      }
    });
  },

  /** 50 sockets sending 15 KB frames the schema refuses; closed ones connect again. */
  async invalid(f) {
    const junk = { text: 'x'.repeat(15_000) };
    return Array.from({ length: 50 }, async () => {
      while (f.running()) {
        const s = await tryOpen(f);
        if (!s) {
          await sleep(100);
          continue;
        }
        while (f.running() && s.connected) {
          await Promise.all(
            Array.from({ length: 5 }, () =>
              call(s, 'host:say', junk).then(
                (a) => f.tally.answer(a),
                () => f.tally.add('closed'),
              ),
            ),
          );
        }
        s.disconnect();
      }
    });
  },

  /** Four rooms of five seats; every seat sends node:propose to 14 nodes, again and again. */
  async proposes(f) {
    const to = Array.from({ length: 14 }, (_, i) => ['Amy', 'Ben', 'Cal', 'Dan', 'Eva'][i % 5]);
    const seats: Socket[] = [];
    const hosts: Socket[] = [];
    for (let r = 0; r < 4; r++) {
      const [host, ...players] = await openMany(f, 5, 5);
      if (!host) continue;
      const created = await call(host, 'room:create', {
        settings: { rules: { endWhenChosen: false } },
      });
      if (!created.ok) continue;
      const code = created.data!.identity!.code;
      for (const [i, s] of [host, ...players].entries())
        await call(s, 'room:join', { code, name: `p${i}` });
      await call(host, 'host:startRound', {});
      hosts.push(host);
      seats.push(host, ...players);
    }
    return seats.map(async (s, i) => {
      while (f.running() && s.connected) {
        const ack = await call(s, 'node:propose', { value: 'Dune', to }).catch(() => null);
        if (!ack) {
          f.tally.add('unanswered');
          continue;
        }
        f.tally.answer(ack);
        // The round is over or full: its host starts another.
        if (ack.error?.code === 'conflict')
          await call(hosts[Math.floor(i / 5)]!, 'host:startRound', {});
        if (ack.error?.code === 'rate_limited') await sleep(20);
      }
    });
  },
};

/** Runs one flood until the parent says `stop`, then sends it the summary. */
export async function attack(
  kind: Flood,
  url: string,
  address: string,
  bigRoom: string,
): Promise<void> {
  let running = true;
  const stopped = new Promise<void>((resolve) =>
    process.on('message', (m) => {
      if (m === 'stop') {
        running = false;
        resolve();
      }
    }),
  );
  const f: Flooding = {
    running: () => running,
    tally: new Tally(),
    url,
    address,
    bigRoom,
    sockets: [],
  };
  const loops = await FLOOD[kind](f);
  process.send?.('ready');
  await stopped;
  await Promise.race([Promise.all(loops), sleep(5000)]);
  for (const s of f.sockets) s.disconnect();
  await new Promise<void>((resolve) => process.send?.(f.tally.summary(), () => resolve()));
}
