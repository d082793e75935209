// The load generator of bench/server.ts: socket.io-client bots playing in rooms
// of five, each acting about once a second, open loop (a slow answer never
// delays the next command, so queueing shows up in the figures).
import { io as connectClient } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { PROTOCOL_VERSION } from '../shared/protocol/index.ts';

const NODES = ['Amy', 'Ben', 'Cal', 'Dan', 'Eva'];
const MOVIES = ['Oppenheimer', 'Barbie', 'Dune', 'Past Lives', 'Spider-Verse'];

interface AckResult {
  ok: boolean;
  data?: { seq?: number; identity?: { code: string } };
  error?: { code: string };
}
interface Batch {
  events: { seq: number; event: { type: string; event?: { type: string } } }[];
}

export interface Samples {
  /** Command sent → its ack back at the sender (ms). */
  ack: number[];
  /** Command sent → its events' broadcast at each other player of the room (ms). */
  broadcast: number[];
  sent: number;
  errors: Record<string, number>;
  unanswered: number;
}

class Room {
  code = '';
  bots: Bot[] = [];
  /** Broadcast arrivals not yet matched with an ack: seq → [bot, time]. */
  arrivals = new Map<number, [number, number][]>();
  /** Acked commands: seq → [sender, sent at], to match broadcasts that arrive after the ack. */
  acked = new Map<number, [number, number]>();
  newRound = false;
}

class Bot {
  socket!: Socket;
  step = 0;
  pending = 0;
  timer: NodeJS.Timeout | undefined;
  constructor(
    readonly room: Room,
    readonly index: number,
  ) {}
}

export class Load {
  private readonly rooms: Room[] = [];
  private readonly bots: Bot[] = [];
  private window: [number, number] = [Infinity, Infinity];
  private opened = 0;
  readonly samples: Samples = { ack: [], broadcast: [], sent: 0, errors: {}, unanswered: 0 };

  constructor(
    /** The server, or several (cluster mode: the bots take them in turn, as a balancer would). */
    private readonly url: string | readonly string[],
    private readonly players: number,
    private readonly roomSize: number,
    /** The bots' local address (bench/abuse.ts: 127.0.0.x, a client address of their own). */
    private readonly localAddress?: string,
    /**
     * Several servers: `socket` spreads the bots as a balancer that knows nothing of rooms
     * would (a room's players on every process); `room`, as one that routes by room code.
     */
    private readonly spread: 'socket' | 'room' = 'socket',
  ) {}

  private inWindow(t0: number): boolean {
    return t0 >= this.window[0] && t0 < this.window[1];
  }

  /** Several servers: bots take them in turn, or a room's bots all take its room's one. */
  private open(room: number): Promise<Socket> {
    const urls = typeof this.url === 'string' ? [this.url] : this.url;
    const pick = this.spread === 'room' ? room : this.opened++;
    const socket = connectClient(urls[pick % urls.length]!, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      auth: { protocol: PROTOCOL_VERSION },
      ...(this.localAddress ? { localAddress: this.localAddress } : {}),
    } as Parameters<typeof connectClient>[1]);
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', reject);
    });
  }

  private call(socket: Socket, event: string, payload: object): Promise<AckResult> {
    return socket.timeout(30_000).emitWithAck(event, payload) as Promise<AckResult>;
  }

  /** Connects every bot: the first of each room creates it (and plays too), the rest join. */
  async connect(concurrency = 25): Promise<void> {
    const roomCount = Math.ceil(this.players / this.roomSize);
    let next = 0;
    const worker = async () => {
      while (next < roomCount) {
        const room = new Room();
        const index = next++;
        this.rooms[index] = room;
        const size = Math.min(this.roomSize, this.players - this.bots.length);
        for (let i = 0; i < size; i++) {
          const bot = new Bot(room, i);
          bot.socket = await this.open(index);
          if (i === 0) {
            const created = await this.call(bot.socket, 'room:create', { settings: {} });
            room.code = created.data!.identity!.code;
          }
          const joined = await this.call(bot.socket, 'room:join', {
            code: room.code,
            name: `bot${i}`,
          });
          if (!joined.ok) throw new Error(`join failed: ${JSON.stringify(joined)}`);
          bot.socket.on('room:events', (batch: Batch) => this.heard(bot, batch));
          room.bots.push(bot);
          this.bots.push(bot);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    // Every room starts a round (the hosts are bots 0).
    await Promise.all(this.rooms.map((r) => this.call(r.bots[0]!.socket, 'host:startRound', {})));
  }

  /**
   * A batch may carry the events of several commands (the server broadcasts a room's commands
   * of one commit together): each command is matched by its last event's seq, the seq of its
   * ack, so every seq of the batch is looked up.
   */
  private heard(bot: Bot, batch: Batch): void {
    const now = performance.now();
    const room = bot.room;
    for (const e of batch.events) {
      // A chosen movie ends the round (the game's default): the host bot starts the next one.
      if (e.event.type === 'roundEnded') room.newRound = true;
      const acked = room.acked.get(e.seq);
      if (acked) {
        if (acked[0] !== bot.index && this.inWindow(acked[1])) {
          this.samples.broadcast.push(now - acked[1]);
        }
        continue;
      }
      const list = room.arrivals.get(e.seq);
      if (list) list.push([bot.index, now]);
      else room.arrivals.set(e.seq, [[bot.index, now]]);
    }
  }

  /** The next command of a bot, cycling through a proposer's moves on distinct nodes. */
  private command(bot: Bot): [string, object] {
    const room = bot.room;
    if (bot.index === 0 && room.newRound) {
      room.newRound = false;
      return ['host:startRound', {}];
    }
    const step = bot.step++ % 8;
    const value = MOVIES[(bot.index + step) % MOVIES.length]!;
    const to = (k: number) => NODES[(bot.index + k) % NODES.length]!;
    if (step === 0) return ['node:newProposal', { value }];
    if (step <= 3) return ['node:promiseRequest', { to: to(step - 1) }];
    if (step <= 6) return ['node:acceptRequest', { to: to(step - 4) }];
    return ['node:propose', { value, to: [to(0), to(1), to(2)] }];
  }

  private act(bot: Bot): void {
    const [event, payload] = this.command(bot);
    const t0 = performance.now();
    const counted = this.inWindow(t0);
    if (counted) this.samples.sent++;
    bot.pending++;
    bot.socket.timeout(30_000).emit(event, payload, (err: Error | null, result: AckResult) => {
      bot.pending--;
      const now = performance.now();
      if (err) {
        if (counted) this.samples.unanswered++;
        return;
      }
      if (counted) this.samples.ack.push(now - t0);
      if (!result.ok) {
        const code = result.error?.code ?? 'unknown';
        if (counted) this.samples.errors[code] = (this.samples.errors[code] ?? 0) + 1;
        // Lost the promise quorum to a rival: as a player would, start a new proposal.
        if (code === 'conflict') bot.step = 0;
        // The round is over and the host's restart was refused or lost: ask again.
        if (code === 'conflict' && bot.index === 0) bot.room.newRound = true;
        return;
      }
      const seq = result.data?.seq;
      if (seq === undefined) return;
      const room = bot.room;
      room.acked.set(seq, [bot.index, t0]);
      for (const [index, t] of room.arrivals.get(seq) ?? []) {
        if (index !== bot.index && counted) this.samples.broadcast.push(t - t0);
      }
      room.arrivals.delete(seq);
    });
  }

  /** Every bot acts `rate` times a second from a random start; commands in the window count. */
  run(rate: number, warmupMs: number, measureMs: number): Promise<void> {
    const period = 1000 / rate;
    const start = performance.now();
    this.window = [start + warmupMs, start + warmupMs + measureMs];
    for (const bot of this.bots) {
      // A run after another (bench/abuse.ts) replaces the bot's loop instead of adding one.
      clearTimeout(bot.timer);
      const tick = () => {
        if (performance.now() >= this.window[1]) return;
        this.act(bot);
        // ±10% jitter keeps the bots from falling into step.
        bot.timer = setTimeout(tick, period * (0.9 + Math.random() * 0.2));
      };
      bot.timer = setTimeout(tick, Math.random() * period);
    }
    const prune = setInterval(() => this.prune(), 1000);
    return new Promise((resolve) =>
      setTimeout(() => {
        clearInterval(prune);
        resolve();
      }, warmupMs + measureMs),
    );
  }

  /** Forgets old unmatched arrivals (presence events no bot sent) so memory stays flat. */
  private prune(): void {
    for (const room of this.rooms) {
      for (const map of [room.arrivals, room.acked] as Map<number, unknown>[]) {
        if (map.size > 200) {
          const drop = map.size - 100;
          let i = 0;
          for (const key of map.keys()) {
            if (i++ >= drop) break;
            map.delete(key);
          }
        }
      }
    }
  }

  /** Waits (a bounded time) for the last answers, then disconnects every bot. */
  async stop(graceMs = 3000): Promise<void> {
    for (const bot of this.bots) clearTimeout(bot.timer);
    const until = performance.now() + graceMs;
    while (this.bots.some((b) => b.pending > 0) && performance.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const bot of this.bots) bot.socket.disconnect();
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
