// npm run bench:engine
//
// How fast the Paxos engine folds a room's log, and how long it takes to rebuild
// the state at an arbitrary point (what a late joiner, a replay slider or a server
// restart costs), from scratch and from checkpoints, for one Paxos instance's events
// (section 3) and for a whole room's envelope log (section 4). Logs are made by
// playing random commands through `decide`, with a seeded PRNG so every run measures
// the same log.
//
// A room log is a sequence of rounds; each round starts a fresh Paxos instance
// (instant or manual delivery, seed or lamport rule, several proposers) and its
// events fold into that instance, as shared/room does on `roundStarted`.
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { decide } from '../shared/paxos/decide.ts';
import type { PaxosCommand, PaxosEvent } from '../shared/paxos/events.ts';
import { evolve, initialPaxosState } from '../shared/paxos/evolve.ts';
import { hasPromiseQuorum } from '../shared/paxos/proposer.ts';
import type { Checkpoints } from '../shared/paxos/replay.ts';
import { checkpoints, stateAt } from '../shared/paxos/replay.ts';
import type { PaxosConfig, PaxosState } from '../shared/paxos/types.ts';
import { prng } from '../shared/prng.ts';
import type { Rng } from '../shared/prng.ts';
import { evolveRoom, roomCheckpoints, roomStateAt } from '../shared/room/index.ts';
import type { Envelope, RoomState } from '../shared/room/index.ts';
import { randomRoomLog } from '../test/room/random-room-log.ts';

const SEED = Number(process.env.BENCH_SEED ?? 20261127);
const NAMES = ['Amy', 'Ben', 'Cal', 'Dan', 'Eva', 'Fay', 'Gus'];
const MOVIES = ['Openhimer', 'Barbie', 'Heat', 'Up', 'Alien', 'Amélie'];

type LogEntry = { type: 'roundStarted'; config: PaxosConfig } | PaxosEvent;

function randomConfig(rng: Rng, delivery?: PaxosConfig['delivery']): PaxosConfig {
  const size = 3 + rng.int(NAMES.length - 2);
  const majority = Math.floor(size / 2) + 1;
  return {
    nodes: NAMES.slice(0, size),
    // Mostly a majority; now and then the lesson about a minority quorum.
    quorum: rng.next() < 0.85 ? majority : 1 + rng.int(majority - 1),
    delivery: delivery ?? (rng.next() < 0.4 ? 'instant' : 'manual'),
    valueRule: rng.next() < 0.5 ? 'seed' : 'lamport',
  };
}

/** What a player (or the host's network panel) might do next. */
function randomCommand(rng: Rng, s: PaxosState): PaxosCommand {
  const { nodes } = s.config;
  const proposers = nodes.slice(0, 2 + rng.int(3));
  const node = rng.pick(proposers);
  const to = rng.pick(nodes);
  // Players deliver most of what is in flight: the more there is, the likelier a network
  // action, so a round keeps a handful to a few dozen messages in flight, as in a game.
  if (s.inFlight.length > 0 && rng.next() < Math.min(0.97, 0.45 + s.inFlight.length / 25)) {
    const m = s.inFlight[rng.int(s.inFlight.length)]!;
    const q = rng.next();
    if (q < 0.9) return { type: 'deliver', messageId: m.id };
    if (q < 0.95) return { type: 'drop', messageId: m.id };
    if (q < 0.98) return { type: 'duplicate', messageId: m.id };
    const answer = rng.next() < 0.5 ? 'grant' : 'reject';
    return m.kind === 'promiseRequest' || m.kind === 'acceptRequest'
      ? { type: 'deliver', messageId: m.id, answer }
      : { type: 'deliver', messageId: m.id };
  }
  const r = rng.next();
  if (r < 0.1 || s.proposers[node]!.proposalId === null) {
    return { type: 'newProposal', node, value: rng.pick(MOVIES) };
  }
  if (r < 0.2) {
    const targets = nodes.filter(() => rng.next() < 0.8);
    return { type: 'propose', node, value: rng.pick(MOVIES), to: targets.length ? targets : nodes };
  }
  const ready = proposers.filter((p) => hasPromiseQuorum(s.proposers[p]!, s.config));
  if (ready.length > 0 && r < 0.6) return { type: 'acceptRequest', node: rng.pick(ready), to };
  return { type: 'promiseRequest', node, to };
}

/** A room log of about `target` events: rounds of `roundSize()` events each. */
function buildLog(
  rng: Rng,
  target: number,
  roundSize: () => number,
  delivery?: PaxosConfig['delivery'],
): { log: LogEntry[]; events: number; rounds: number; refused: number } {
  const log: LogEntry[] = [];
  let events = 0;
  let rounds = 0;
  let refused = 0;
  while (events < target) {
    const config = randomConfig(rng, delivery);
    log.push({ type: 'roundStarted', config });
    rounds++;
    let state = initialPaxosState(config);
    const end = Math.min(target, events + roundSize());
    while (events < end) {
      const decision = decide(state, randomCommand(rng, state));
      if (!decision.ok) {
        refused++;
        continue;
      }
      for (const event of decision.events.slice(0, end - events)) {
        state = evolve(state, event);
        log.push(event);
        events++;
      }
    }
  }
  return { log, events, rounds, refused };
}

/** Folds entries [0, end): what a server does to rebuild a room. */
function fold(log: readonly LogEntry[], end = log.length): PaxosState | null {
  let state: PaxosState | null = null;
  for (let i = 0; i < end; i++) {
    const entry = log[i]!;
    if (entry.type === 'roundStarted') state = initialPaxosState(entry.config);
    else state = evolve(state!, entry);
  }
  return state;
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const ms = (x: number) => `${x.toFixed(2)} ms`;
const rate = (events: number, t: number) =>
  `${Math.round(events / (t / 1000)).toLocaleString('en-US')} events/s`;

/** Folds the whole log `reps` times; wall-clock best and median, and CPU time of the best. */
function timeFolds(label: string, log: LogEntry[], events: number, reps: number): number {
  fold(log); // warm-up
  const runs: { wall: number; cpu: number }[] = [];
  let sink = 0;
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    sink += fold(log)!.nextMessageId;
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    runs.push({ wall, cpu: (c.user + c.system) / 1000 });
  }
  runs.sort((a, b) => a.wall - b.wall);
  const best = runs[0]!;
  const median = runs[Math.floor(reps / 2)]!.wall;
  console.log(label);
  console.log(
    `  fold, best of ${reps}:   ${ms(best.wall).padStart(11)}  = ${rate(events, best.wall)}`,
  );
  console.log(`  fold, median of ${reps}: ${ms(median).padStart(11)}  = ${rate(events, median)}`);
  console.log(
    `  CPU time of the best:  ${ms(best.cpu).padStart(11)}  (goal: >= 1,000,000 events/s)`,
  );
  if (sink === 0) console.log('(unreachable)');
  return events / (best.wall / 1000);
}

function describeLog(log: LogEntry[], built: ReturnType<typeof buildLog>): string {
  const counts = new Map<string, number>();
  for (const e of log) counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
  const final = fold(log)!;
  return (
    `${built.events.toLocaleString('en-US')} events in ${built.rounds} rounds ` +
    `(${built.refused.toLocaleString('en-US')} refused commands not logged); ` +
    [...counts].map(([k, v]) => `${k} ${v}`).join(', ') +
    `; last round: ${final.inFlight.length} in flight, ${final.chosen.length} chosen`
  );
}

/** Milliseconds each call of `run` took, one per point, sorted. */
function timeEach(points: number[], run: (p: number) => unknown): number[] {
  const times: number[] = [];
  let sink = 0;
  for (const p of points) {
    const t0 = performance.now();
    if (run(p)) sink++;
    times.push(performance.now() - t0);
  }
  if (sink < 0) console.log('(unreachable)');
  return times.sort((a, b) => a - b);
}

const summary = (sorted: number[]) =>
  `p50 ${ms(quantile(sorted, 0.5))}, p99 ${ms(quantile(sorted, 0.99))}, max ${ms(sorted.at(-1)!)}`;

/** Events between two checkpoints of the replay in section 3. */
const EVERY = Number(process.env.BENCH_CHECKPOINT_EVERY ?? 1000);

interface RoundReplay {
  /** Index of the round's `roundStarted` entry in the room log. */
  start: number;
  events: PaxosEvent[];
  cps: Checkpoints;
}

/** What a replay slider keeps: each round's events and their checkpoints. */
function roomReplay(log: readonly LogEntry[], every: number): RoundReplay[] {
  const rounds: { start: number; config: PaxosConfig; events: PaxosEvent[] }[] = [];
  log.forEach((entry, i) => {
    if (entry.type === 'roundStarted') rounds.push({ start: i, config: entry.config, events: [] });
    else rounds.at(-1)!.events.push(entry);
  });
  return rounds.map(({ start, config, events }) => ({
    start,
    events,
    cps: checkpoints(initialPaxosState(config), events, every),
  }));
}

/** The same state as `fold(log, end)`, from the nearest checkpoint. */
function rebuildAt(replay: RoundReplay[], end: number): PaxosState | null {
  let r = replay.length - 1;
  while (r >= 0 && replay[r]!.start >= end) r--;
  if (r < 0) return null;
  const round = replay[r]!;
  return stateAt(round.cps, round.events, end - round.start - 1);
}

/**
 * Heap that one result of `make` keeps in use, after full GCs: the mean over 20
 * results kept at once, as one is too small to see in the heap's own noise.
 */
function retainedKB(make: () => unknown): string {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = Array.from({ length: 20 }, make);
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  if (kept.length === 0) console.log('(unreachable)');
  return `${Math.round((after - before) / 20 / 1024).toLocaleString('en-US')} KB`;
}

const rng = prng(SEED);
console.log(`Paxos engine benchmark (node ${process.version}, seed ${SEED})`);
console.log(
  `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ` +
    `load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} (other work on the machine slows every figure)`,
);
console.log('');

// 1. A 100,000-event room log: rounds of a few hundred to a few thousand events.
{
  const t0 = performance.now();
  const built = buildLog(rng, 100_000, () => 300 + rng.int(2700));
  const buildMs = performance.now() - t0;
  console.log(`room log: ${describeLog(built.log, built)}`);
  console.log(`  built through decide in ${ms(buildMs)}`);
  timeFolds('100,000-event room log (mixed instant/manual rounds)', built.log, built.events, 9);
}
console.log('');

// 2. The worst case for one instance: a single 100,000-event manual round.
{
  const built = buildLog(rng, 100_000, () => 100_000, 'manual');
  console.log(`single round: ${describeLog(built.log, built)}`);
  timeFolds('100,000 events in ONE manual round (worst case)', built.log, built.events, 5);
}
console.log('');

// 3. Rebuilding the state at an arbitrary point of a 10,000-event log (what a replay
// slider does on every move): from scratch, and from checkpoints (shared/paxos/replay.ts).
{
  const built = buildLog(rng, 10_000, () => 300 + rng.int(2700));
  const { log } = built;
  const points = Array.from({ length: 200 }, () => 1 + rng.int(log.length));

  for (const p of points.slice(0, 20)) fold(log, p); // warm-up
  const scratch = timeEach(points, (p) => fold(log, p));

  const builds: number[] = [];
  let replay = roomReplay(log, EVERY);
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    replay = roomReplay(log, EVERY);
    builds.push(performance.now() - t0);
  }
  builds.sort((a, b) => a - b);
  const kept = replay.reduce((n, r) => n + r.cps.states.length, 0);
  for (const p of points.slice(0, 20)) rebuildAt(replay, p); // warm-up
  const viaCheckpoints = timeEach(points, (p) => rebuildAt(replay, p));
  for (const p of points) {
    if (JSON.stringify(rebuildAt(replay, p)) !== JSON.stringify(fold(log, p))) {
      throw new Error(`checkpoint rebuild at ${p} differs from the fold from scratch`);
    }
  }

  console.log(`10,000-event room log: ${built.rounds} rounds`);
  console.log(`rebuild the state at 200 random points of it (goal: < 16 ms each):`);
  console.log(`  from scratch (fold the log from its start to the point):`);
  console.log(`    ${summary(scratch)}`);
  console.log(`  via checkpoints every ${EVERY} events of a round (fold from the nearest one):`);
  console.log(`    ${summary(viaCheckpoints)}  (each checked against the fold from scratch)`);
  console.log(
    `  checkpoints: ${kept} states kept, built in ${ms(builds[0]!)} (best of 5, one fold ` +
      `of the log), ${retainedKB(() => roomReplay(log, EVERY))} of heap retained ` +
      `(the kept states and the per-round event lists)`,
  );
}
console.log('');

// 4. The same for a whole room (shared/room/replay.ts): its envelope log (players, settings,
// rounds, turns, pauses and the Paxos events) and the room state after any envelope of it,
// what a timeline slider and "fork from here" rebuild.
{
  const log = randomRoomLog(SEED, 10_000).slice(0, 10_000);
  const points = Array.from({ length: 200 }, () => 1 + rng.int(log.length));
  /** The room after the first `end` envelopes, folded from the room's creation. */
  const foldRoomTo = (envelopes: readonly Envelope[], end: number): RoomState => {
    let room: RoomState | null = null;
    for (let i = 0; i < end; i++) room = evolveRoom(room, envelopes[i]!);
    return room!;
  };

  for (const p of points.slice(0, 20)) foldRoomTo(log, p); // warm-up
  const scratch = timeEach(points, (p) => foldRoomTo(log, p));

  const builds: number[] = [];
  let cps = roomCheckpoints(log, EVERY);
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    cps = roomCheckpoints(log, EVERY);
    builds.push(performance.now() - t0);
  }
  builds.sort((a, b) => a - b);
  for (const p of points.slice(0, 20)) roomStateAt(cps, log, p); // warm-up
  const viaCheckpoints = timeEach(points, (p) => roomStateAt(cps, log, p));
  for (const p of points) {
    if (JSON.stringify(roomStateAt(cps, log, p)) !== JSON.stringify(foldRoomTo(log, p))) {
      throw new Error(`room checkpoint rebuild at ${p} differs from the fold from scratch`);
    }
  }

  const final = foldRoomTo(log, log.length);
  const paxos = log.filter((e) => e.event.type === 'paxos').length;
  console.log(
    `10,000-envelope room log: ${final.history.length} rounds ended, ` +
      `${paxos.toLocaleString('en-US')} Paxos events, ${log.length - paxos} room events`,
  );
  console.log(`rebuild the room at 200 random points of it (goal: < 16 ms each):`);
  console.log(`  from scratch (fold the envelopes from roomCreated to the point):`);
  console.log(`    ${summary(scratch)}`);
  console.log(`  via room checkpoints every ${EVERY} envelopes (fold from the nearest one):`);
  console.log(`    ${summary(viaCheckpoints)}  (each checked against the fold from scratch)`);
  console.log(
    `  checkpoints: ${cps.states.length} states kept, built in ${ms(builds[0]!)} (best of 5, ` +
      `one fold of the log), ${retainedKB(() => roomCheckpoints(log, EVERY))} of heap retained`,
  );
}
