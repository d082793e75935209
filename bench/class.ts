// npm run bench:class -- [--students 200] [--table 5] [--seconds 20] [--rate 1] [--warmup 2]
//   [--connect-rate 50] [--max-seconds 240] [--one-address]
//
// A whole class on one server (issue 11, "Scale and cost"): starts the server (server/main.ts,
// a real SQLite file in a temp DATA_DIR) as a child process, creates a class from an
// instructor's dashboard socket, opens the projector (a second socket with the host token),
// joins the students one socket each, seats them at tables with `class:startRound`, and
// lets every student play at their table through `class:seat` + `room:resume` on the same
// socket, one move a second. It prints the students' ack latency, how late the dashboard's
// table summaries follow the commands, and the server's CPU; the last line is the one the
// issue quotes.
import type { ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import { io as connectClient } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { botActions, botCommand, botMovie } from '../shared/bots.ts';
import type { TableSummary } from '../shared/class/types.ts';
import type {
  Ack,
  ClassCreated,
  ClassFanned,
  ClassJoined,
  ClassResumed,
  ClassSeat,
  Done,
  Resumed,
  Synced,
} from '../shared/protocol/index.ts';
import { PROTOCOL_VERSION } from '../shared/protocol/index.ts';
import { evolveRoom } from '../shared/room/evolve.ts';
import type { Envelope, RoomCommand, RoomState } from '../shared/room/types.ts';
import { seatView } from '../shared/room/visibility.ts';
import { percentile } from './bots.ts';
import { LIFTED_ADDRESS_LIMITS, Processes } from './processes.ts';

const { values: flags } = parseArgs({
  options: {
    students: { type: 'string', default: '200' },
    table: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '20' },
    rate: { type: 'string', default: '1' },
    warmup: { type: 'string', default: '2' },
    'connect-rate': { type: 'string', default: '50' },
    'max-seconds': { type: 'string', default: '240' },
    'one-address': { type: 'boolean', default: false },
  },
});
const STUDENTS = Number(flags.students);
const TABLE = Number(flags.table);
const RATE = Number(flags.rate);
const WARMUP_MS = Number(flags.warmup) * 1000;
const MEASURE_MS = Number(flags.seconds) * 1000;
/** New sockets a second the bench opens; the server's connect limit is set twice as high. */
const CONNECT_RATE = Number(flags['connect-rate']);
/**
 * The server keeps its per-address limits (server/limits.ts) as `npm start` has them: the
 * whole class behind one school NAT address, as every socket here comes from 127.0.0.1.
 */
const ONE_ADDRESS = flags['one-address'];
const CALL_TIMEOUT_MS = 30_000;
/** After the window: how long to wait for the last acks and table summaries. */
const GRACE_MS = 3000;

const procs = new Processes(Number(flags['max-seconds']));

/** Ends the run with a sentence saying why (the class could not be created, joined or seated). */
class BenchFailure extends Error {}

interface Report {
  memory: NodeJS.MemoryUsage;
  cpu: NodeJS.CpuUsage;
  loopDelayMs?: { p99: number; max: number };
}

function startServer(): Promise<{ child: ChildProcess; url: string }> {
  return procs.server(
    // As `npm start` runs the server (package.json): the same young generation.
    ['--max-semi-space-size=32', '--import', 'tsx', 'server/main.ts'],
    {
      ...process.env,
      PORT: '0',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      DATA_DIR: procs.tempDir('mnp-bench-class-'),
      // A student acts once a second; raised only so that joining and seating cannot trip it.
      RATE_PER_SECOND: '100',
      RATE_BURST: '200',
      // Every student connects from 127.0.0.1, where a real class comes from many phones (or
      // one school NAT): the per-address limits (server/limits.ts) would count the whole class
      // as one client. They are lifted for this one address, the connects to twice the pace
      // the bench opens sockets at, so the run also shows it stays under what it set.
      ...(ONE_ADDRESS
        ? {}
        : {
            MAX_SOCKETS_PER_ADDRESS: String(STUDENTS + 100),
            CONNECTS_PER_SECOND: String(2 * CONNECT_RATE),
            CONNECTS_BURST: String(2 * CONNECT_RATE),
            ...LIFTED_ADDRESS_LIMITS,
          }),
    },
    'server',
  );
}

/** Asks the server child for its memory and CPU; answers come back in order. */
function reporter(child: ChildProcess): () => Promise<Report> {
  const queue: ((r: Report) => void)[] = [];
  child.on('message', (m) => queue.shift()?.(m as Report));
  return () =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('no report from the server in 30 s')),
        30_000,
      );
      queue.push((r) => {
        clearTimeout(timer);
        resolve(r);
      });
      child.send('memory');
    });
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
  procs.children.delete(child);
}

/** Opens sockets no faster than CONNECT_RATE a second, however many workers ask at once. */
let nextConnect = 0;
async function open(url: string): Promise<Socket> {
  const now = performance.now();
  const at = Math.max(now, nextConnect);
  nextConnect = at + 1000 / CONNECT_RATE;
  if (at > now) await new Promise((r) => setTimeout(r, at - now));
  const socket = connectClient(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    auth: { protocol: PROTOCOL_VERSION },
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) =>
      reject(new BenchFailure(`a socket could not connect: ${err.message}`)),
    );
  });
}

async function call<T>(socket: Socket, event: string, payload: object): Promise<Ack<T>> {
  return (await socket.timeout(CALL_TIMEOUT_MS).emitWithAck(event, payload)) as Ack<T>;
}

const refusal = (ack: Ack<unknown>): string =>
  ack.ok ? 'ok' : `${ack.error.code}: ${ack.error.message}`;

/** Runs `fn` over `items` with at most `concurrency` at once. */
async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/**
 * One table as the bench follows it: the room folded once for its students (they all hear
 * the same events, so each batch is folded by whichever socket delivers it first), and the
 * commands waiting for the dashboard to show them.
 */
interface Table {
  code: string;
  state: RoomState | null;
  /** The highest seq an ack of this table carried: a command acked above it wrote events. */
  maxAcked: number;
  /** Summaries the dashboard received: [seq, time], oldest first (the last few). */
  summaries: [number, number][];
  /** Acked commands the dashboard has not shown yet: [seq, sent at, counted]. */
  waiting: [number, number, boolean][];
  /** Summaries received inside the window. */
  summariesInWindow: number;
}

interface Student {
  index: number;
  name: string;
  socket: Socket;
  table: Table | null;
  seat: string | null;
  pending: number;
  timer?: NodeJS.Timeout;
}

const samples = {
  ack: [] as number[],
  dashboard: [] as number[],
  sent: 0,
  refused: {} as Record<string, number>,
  unanswered: 0,
  /** Acked commands inside the window that wrote events (their seq rose). */
  wrote: 0,
  /** Gaps in a table's events (folded again from `room:sync`). */
  gaps: 0,
  /** Moves picked by the bots' policy, and the fallback new proposals. */
  policy: 0,
  fallback: 0,
};
let window: [number, number] = [Infinity, Infinity];
const inWindow = (t: number) => t >= window[0] && t < window[1];

const tables = new Map<string, Table>();
function tableOf(code: string): Table {
  let t = tables.get(code);
  if (!t) {
    t = { code, state: null, maxAcked: 0, summaries: [], waiting: [], summariesInWindow: 0 };
    tables.set(code, t);
  }
  return t;
}

/** Folds a batch into its table; a gap asks the server for what is missing, from this socket. */
function fold(table: Table, events: Envelope[], socket: Socket): void {
  for (const envelope of events) {
    const state = table.state;
    if (!state || envelope.seq <= state.seq) continue;
    if (envelope.seq !== state.seq + 1) {
      samples.gaps++;
      void resync(table, socket);
      return;
    }
    table.state = evolveRoom(state, envelope);
  }
}

async function resync(table: Table, socket: Socket): Promise<void> {
  const since = table.state?.seq ?? 0;
  const synced = await call<Synced>(socket, 'room:sync', { since }).catch(() => null);
  if (!synced?.ok) return;
  if ('snapshot' in synced.data) {
    if (synced.data.snapshot.state.seq > (table.state?.seq ?? 0)) {
      table.state = synced.data.snapshot.state;
    }
  } else fold(table, synced.data.events, socket);
}

/** The dashboard showed a table at `seq`: every command acked at or below it is matched. */
function summaryArrived(summary: TableSummary, now: number): void {
  const table = tableOf(summary.code);
  table.summaries.push([summary.seq, now]);
  if (table.summaries.length > 16) table.summaries.shift();
  if (inWindow(now)) table.summariesInWindow++;
  table.waiting = table.waiting.filter(([seq, t0, counted]) => {
    if (seq > summary.seq) return true;
    if (counted) samples.dashboard.push(now - t0);
    return false;
  });
}

/** A command acked at `seq`: shown already by a summary that arrived first, or waiting for one. */
function commandAcked(table: Table, seq: number, t0: number, counted: boolean): void {
  const shown = table.summaries.find(([s]) => s >= seq);
  if (shown) {
    if (counted) samples.dashboard.push(shown[1] - t0);
  } else table.waiting.push([seq, t0, counted]);
}

/**
 * The student's move: what a steady bot in their seat would do now (shared/bots.ts, from
 * the room as their seat sees it), else a new proposal of their movie. The rounds keep being
 * played after a choice (`endWhenChosen: false`), so a new proposal is always a valid move.
 */
function move(student: Student): RoomCommand {
  const state = student.table?.state;
  const seat = student.seat!;
  if (state) {
    const action = botActions('steady', seatView(state, seat), seat, botMovie(state, seat))[0];
    if (action) {
      samples.policy++;
      return botCommand(action);
    }
  }
  samples.fallback++;
  return { type: 'node:newProposal', value: state ? botMovie(state, seat) : 'Dune' };
}

function act(student: Student): void {
  const { type, ...payload } = move(student);
  const t0 = performance.now();
  const counted = inWindow(t0);
  if (counted) samples.sent++;
  student.pending++;
  student.socket
    .timeout(CALL_TIMEOUT_MS)
    .emit(type, payload, (err: Error | null, ack: Ack<Done>) => {
      student.pending--;
      if (err) {
        if (counted) samples.unanswered++;
        return;
      }
      if (counted) samples.ack.push(performance.now() - t0);
      if (!ack.ok) {
        if (counted) samples.refused[ack.error.code] = (samples.refused[ack.error.code] ?? 0) + 1;
        return;
      }
      const table = student.table!;
      // A command that wrote nothing answers the seq the table was already at.
      if (ack.data.seq <= table.maxAcked) return;
      table.maxAcked = ack.data.seq;
      if (counted) samples.wrote++;
      commandAcked(table, ack.data.seq, t0, counted);
    });
}

const ms = (n: number) => (Number.isFinite(n) ? `${n.toFixed(1)} ms` : 'n/a');
const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const pct = (part: number, whole: number) =>
  whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : 'n/a';

async function main(): Promise<void> {
  if (!(STUDENTS >= 1 && TABLE >= 3 && RATE > 0 && MEASURE_MS > 0 && CONNECT_RATE > 0)) {
    throw new BenchFailure('expected --students ≥ 1, --table ≥ 3, --rate > 0, --seconds > 0');
  }
  console.log(
    `bench:class: ${STUDENTS} students at tables of ${TABLE}, ${RATE} move/s each ` +
      `(the steady bots' policy, else a new proposal; rounds go on after a choice), ` +
      `warmup ${WARMUP_MS / 1000} s, measured ${MEASURE_MS / 1000} s, node ${process.version}, ` +
      `students and dashboard in this process`,
  );
  const { child, url } = await startServer();
  const report = reporter(child);
  const sockets: Socket[] = [];
  try {
    // The instructor: creates the class and stays connected, hearing its table summaries.
    const dashboard = await open(url);
    sockets.push(dashboard);
    let dashboardBytes = 0;
    let dashboardRoomEvents = 0;
    let tableBatches = 0;
    dashboard.io.engine.on('data', (data: unknown) => {
      if (inWindow(performance.now())) {
        dashboardBytes += typeof data === 'string' ? data.length : (data as ArrayBuffer).byteLength;
      }
    });
    dashboard.on('room:events', () => dashboardRoomEvents++);
    dashboard.on('class:tables', (batch: { tables: TableSummary[] }) => {
      const now = performance.now();
      if (inWindow(now)) tableBatches++;
      for (const summary of batch.tables) summaryArrived(summary, now);
    });
    const created = await call<ClassCreated>(dashboard, 'class:create', {
      title: 'Bench class',
      // Tables of --table; rounds are played on after a choice so that every move is valid.
      settings: { seats: TABLE, rules: { endWhenChosen: false } },
    });
    if (!created.ok) throw new BenchFailure(`cannot create the class: ${refusal(created)}`);
    const { code } = created.data.state;
    const hostToken = created.data.hostToken;

    // The projector: the same class's host token on a second socket.
    const projector = await open(url);
    sockets.push(projector);
    const resumed = await call<ClassResumed>(projector, 'class:resume', {
      code,
      token: hostToken,
    });
    if (!resumed.ok || resumed.data.role !== 'host') {
      throw new BenchFailure(`the projector cannot open the class: ${refusal(resumed)}`);
    }

    // The students join, one socket each, paced under the connect limit.
    const t0 = performance.now();
    const students: Student[] = [];
    let joined = 0;
    const step = Math.max(1, Math.round(STUDENTS / 10));
    await pool(
      Array.from({ length: STUDENTS }, (_, i) => i),
      20,
      async (index) => {
        const socket = await open(url);
        sockets.push(socket);
        const name = `Student ${index + 1}`;
        const ack = await call<ClassJoined>(socket, 'class:join', { code, name });
        if (!ack.ok) throw new BenchFailure(`${name} cannot join the class: ${refusal(ack)}`);
        const student: Student = { index, name, socket, table: null, seat: null, pending: 0 };
        socket.on('room:events', (batch: { code: string; events: Envelope[] }) => {
          if (student.table?.code === batch.code) fold(student.table, batch.events, socket);
        });
        students.push(student);
        joined++;
        if (joined % step === 0 || joined === STUDENTS) {
          console.error(`joined ${joined}/${STUDENTS}`);
        }
      },
    );
    const joinSeconds = (performance.now() - t0) / 1000;

    // The instructor starts the round: the students are seated at tables, bots fill the rest.
    const t1 = performance.now();
    const started = await call<ClassFanned>(dashboard, 'class:startRound', {});
    if (!started.ok) throw new BenchFailure(`cannot start the class round: ${refusal(started)}`);
    const fanned = started.data;
    if (fanned.refused.length > 0) {
      const first = fanned.refused[0]!;
      console.log(
        `class:startRound: ${fanned.refused.length} of ${fanned.tables} tables refused ` +
          `(${first.table}: ${first.message})`,
      );
    }

    // Every student asks for their seat and opens their table on the same socket.
    let seated = 0;
    await pool(students, 20, async (student) => {
      const seat = await call<ClassSeat>(student.socket, 'class:seat', {});
      if (!seat.ok) {
        throw new BenchFailure(`${student.name} was not seated: ${refusal(seat)}`);
      }
      const table = tableOf(seat.data.code);
      student.table = table;
      const room = await call<Resumed>(student.socket, 'room:resume', {
        code: seat.data.code,
        token: seat.data.token,
      });
      if (!room.ok) {
        throw new BenchFailure(
          `${student.name} cannot open table ${seat.data.code}: ${refusal(room)}`,
        );
      }
      student.seat = room.data.identity.seat;
      if (student.seat === null) {
        throw new BenchFailure(`${student.name} has no seat at table ${seat.data.code}`);
      }
      const snapshot = room.data.snapshot.state;
      if (!table.state || snapshot.seq > table.state.seq) table.state = snapshot;
      seated++;
    });
    const seatSeconds = (performance.now() - t1) / 1000;
    const playing = [...tables.values()].filter((t) => t.state?.round?.status === 'playing').length;
    console.log(
      `joined ${STUDENTS} students in ${joinSeconds.toFixed(1)} s; seated ${seated} at ` +
        `${tables.size} tables (${fanned.tables} took the round start, ${playing} playing) ` +
        `in ${seatSeconds.toFixed(1)} s`,
    );
    if (playing < tables.size) {
      throw new BenchFailure(`${tables.size - playing} tables are not playing a round`);
    }

    // Play: every student moves `RATE` times a second from a random start, open loop.
    const period = 1000 / RATE;
    const start = performance.now();
    window = [start + WARMUP_MS, start + WARMUP_MS + MEASURE_MS];
    for (const student of students) {
      const tick = () => {
        if (performance.now() >= window[1]) return;
        act(student);
        // ±10% jitter keeps the students from falling into step.
        student.timer = setTimeout(tick, period * (0.9 + Math.random() * 0.2));
      };
      student.timer = setTimeout(tick, Math.random() * period);
    }
    let loopMax = 0;
    let peakRss = 0;
    const sampler = setInterval(() => {
      report().then(
        (r) => {
          peakRss = Math.max(peakRss, r.memory.rss);
          if (r.loopDelayMs) loopMax = Math.max(loopMax, r.loopDelayMs.max);
        },
        () => {},
      );
    }, 1000);
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    const cpuStart = await report();
    const cpuStartAt = performance.now();
    const benchStart = process.cpuUsage();
    await new Promise((r) => setTimeout(r, Math.max(0, window[1] - performance.now())));
    const cpuEnd = await report();
    const wallMs = performance.now() - cpuStartAt;
    const bench = process.cpuUsage(benchStart);
    clearInterval(sampler);
    // The last answers and summaries of commands sent inside the window.
    const until = performance.now() + GRACE_MS;
    const busy = () =>
      students.some((s) => s.pending > 0) ||
      [...tables.values()].some((t) => t.waiting.some(([, , counted]) => counted));
    while (busy() && performance.now() < until) await new Promise((r) => setTimeout(r, 50));
    for (const s of students) clearTimeout(s.timer);

    const serverCpu =
      (cpuEnd.cpu.user + cpuEnd.cpu.system - cpuStart.cpu.user - cpuStart.cpu.system) / 10 / wallMs;
    const benchCpu = (bench.user + bench.system) / 10 / wallMs;
    const seconds = MEASURE_MS / 1000;
    const ack = sorted(samples.ack);
    const dash = sorted(samples.dashboard);
    const refused = Object.values(samples.refused).reduce((a, b) => a + b, 0);
    const refusedBy = Object.entries(samples.refused)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    const unmatched = [...tables.values()].reduce(
      (n, t) => n + t.waiting.filter(([, , counted]) => counted).length,
      0,
    );
    const perTable = [...tables.values()].map((t) => t.summariesInWindow / seconds);
    const moves = samples.policy + samples.fallback;
    console.log(
      `commands: ${samples.sent} sent in the window (${(samples.sent / seconds).toFixed(0)}/s), ` +
        `${ack.length} acked, ${refused} refused (${pct(refused, ack.length)} of acks` +
        `${refusedBy ? `: ${refusedBy}` : ''}), ${samples.unanswered} unanswered; ` +
        `moves by the bots' policy ${pct(samples.policy, moves)}, fallback new proposals ` +
        `${pct(samples.fallback, moves)}${samples.gaps ? `; ${samples.gaps} gaps re-synced` : ''}`,
    );
    console.log(
      `ack (emit → ack of the students' room commands): p50 ${ms(percentile(ack, 50))} ` +
        `p99 ${ms(percentile(ack, 99))} max ${ms(ack.at(-1) ?? NaN)}`,
    );
    console.log(
      `dashboard (emit → a class:tables summary of that table at the ack's seq or later): ` +
        `${samples.wrote} acked commands wrote events, ${dash.length} matched, ${unmatched} ` +
        `never shown; p50 ${ms(percentile(dash, 50))} p99 ${ms(percentile(dash, 99))} ` +
        `max ${ms(dash.at(-1) ?? NaN)}`,
    );
    console.log(
      `dashboard traffic: ${(tableBatches / seconds).toFixed(1)} class:tables batches/s, ` +
        `summaries per table per second mean ${(perTable.reduce((a, b) => a + b, 0) / Math.max(1, perTable.length)).toFixed(1)} ` +
        `max ${Math.max(0, ...perTable).toFixed(1)}, ${(dashboardBytes / 1024 / seconds).toFixed(1)} KB/s, ` +
        `room events received ${dashboardRoomEvents}`,
    );
    console.log(
      `server cpu: the child's CPU time (process.cpuUsage, over IPC) over the ` +
        `${(wallMs / 1000).toFixed(1)} s window / wall time = ${serverCpu.toFixed(0)}% of ONE core; ` +
        `rss ${(Math.max(peakRss, cpuEnd.memory.rss) / 2 ** 20).toFixed(0)} MB, ` +
        `loop stall max ${ms(loopMax)}; this process (students + dashboard) ${benchCpu.toFixed(0)}% ` +
        `(2 cores shared)`,
    );
    console.log(
      `class: ${STUDENTS} students, ${tables.size} tables, ack p99 ${percentile(ack, 99).toFixed(0)} ms, ` +
        `dashboard p99 ${percentile(dash, 99).toFixed(0)} ms, server cpu ${serverCpu.toFixed(0)}%`,
    );
  } finally {
    for (const s of sockets) s.disconnect();
    await stopServer(child);
  }
}

main().then(
  () => {
    procs.cleanup();
    process.exit(0);
  },
  (err: unknown) => {
    if (err instanceof BenchFailure) console.error(`bench:class: ${err.message}`);
    else console.error(err);
    procs.cleanup();
    process.exit(1);
  },
);
