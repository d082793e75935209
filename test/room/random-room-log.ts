// Random room logs for the replay tests and bench/engine.ts: a room's whole
// envelope log (players coming and going, settings, rounds of Paxos played
// through the engine's `decide`, turns, pauses, mistakes, notes), from a seeded
// PRNG, so every run builds the same logs. The room events are written as the
// room engine would log them; the Paxos events are decided by shared/paxos.
import { decide, hasPromiseQuorum } from '../../shared/paxos/index.ts';
import type { PaxosCommand, PaxosConfig, PaxosState } from '../../shared/paxos/index.ts';
import { prng } from '../../shared/prng.ts';
import type { Rng } from '../../shared/prng.ts';
import { DEFAULT_RULES, FRIENDS, evolveRoom } from '../../shared/room/index.ts';
import type {
  Envelope,
  RoomEvent,
  RoomSettings,
  RoomState,
  RoundRules,
} from '../../shared/room/index.ts';

const MOVIES = ['Oppenheimer', 'Barbie', 'Dune', 'Past Lives', 'Spider-Verse'];

function randomSettings(rng: Rng): RoomSettings {
  const seats = 3 + rng.int(FRIENDS.length - 2);
  const majority = Math.floor(seats / 2) + 1;
  const rules: RoundRules = {
    ...DEFAULT_RULES,
    mode: rng.next() < 0.3 ? 'turns' : 'realtime',
    visibility: rng.next() < 0.3 ? 'fog' : 'open',
    acceptors: rng.next() < 0.3 ? 'players' : 'engine',
    wrongAnswers: rng.next() < 0.5 ? 'refuse' : 'apply',
    endWhenChosen: rng.next() < 0.7,
  };
  return {
    movies: MOVIES,
    seats,
    quorum: rng.next() < 0.8 ? null : 1 + rng.int(majority),
    delivery: rng.next() < 0.4 ? 'instant' : 'manual',
    valueRule: rng.next() < 0.5 ? 'seed' : 'lamport',
    rules,
  };
}

function paxosCommand(rng: Rng, s: PaxosState): PaxosCommand {
  const { nodes } = s.config;
  const node = rng.pick(nodes.slice(0, 2 + rng.int(3)));
  if (s.inFlight.length > 0 && rng.next() < Math.min(0.95, 0.45 + s.inFlight.length / 25)) {
    const m = rng.pick(s.inFlight);
    const q = rng.next();
    if (q < 0.85) return { type: 'deliver', messageId: m.id };
    if (q < 0.92) return { type: 'drop', messageId: m.id };
    if (q < 0.96) return { type: 'duplicate', messageId: m.id };
    const isRequest = m.kind === 'promiseRequest' || m.kind === 'acceptRequest';
    return isRequest
      ? { type: 'deliver', messageId: m.id, answer: rng.next() < 0.6 ? 'grant' : 'reject' }
      : { type: 'deliver', messageId: m.id };
  }
  const r = rng.next();
  if (r < 0.1 || s.proposers[node]!.proposalId === null) {
    return { type: 'newProposal', node, value: rng.pick(MOVIES) };
  }
  if (r < 0.2) {
    const to = nodes.filter(() => rng.next() < 0.8);
    return { type: 'propose', node, value: rng.pick(MOVIES), to: to.length ? to : nodes };
  }
  if (r < 0.6 && hasPromiseQuorum(s.proposers[node]!, s.config)) {
    return { type: 'acceptRequest', node, to: rng.pick(nodes) };
  }
  return { type: 'promiseRequest', node, to: rng.pick(nodes) };
}

/** Builds a room's log of at least `target` envelopes, numbered from seq 1. */
class LogBuilder {
  readonly log: Envelope[] = [];
  state: RoomState | null = null;
  now = 1_700_000_000_000;
  private nextPlayer = 1;

  constructor(private readonly rng: Rng) {}

  push(event: RoomEvent): void {
    this.now += this.rng.int(3000);
    const envelope: Envelope = { seq: this.log.length + 1, at: this.now, event };
    this.log.push(envelope);
    this.state = evolveRoom(this.state, envelope);
  }

  get room(): RoomState {
    return this.state!;
  }

  join(): void {
    const seats = FRIENDS.slice(0, this.room.settings.seats);
    const taken = new Set(this.room.players.map((p) => p.seat));
    const seat = this.rng.next() < 0.15 ? null : (seats.find((s) => !taken.has(s)) ?? null);
    const id = `p${this.nextPlayer++}`;
    const bot = this.rng.next() < 0.2 ? { bot: 'steady' as const } : {};
    this.push({
      type: 'playerJoined',
      player: { id, name: `Player ${id}`, seat, connected: true, ...bot },
    });
  }

  startRound(): void {
    const { settings, round, players } = this.room;
    if (round?.status === 'playing') this.push({ type: 'roundEnded', reason: 'restart' });
    const rules = { ...DEFAULT_RULES, ...settings.rules };
    const nodes = FRIENDS.slice(0, settings.seats);
    const config: PaxosConfig = {
      nodes,
      quorum: settings.quorum ?? Math.floor(nodes.length / 2) + 1,
      delivery: settings.delivery,
      valueRule: settings.valueRule,
    };
    if (rules.acceptors === 'players') {
      config.inbox = nodes.filter((n) => players.some((p) => p.seat === n));
    }
    this.push({ type: 'roundStarted', number: (round?.number ?? 0) + 1, config, rules });
    if (rules.mode === 'turns') this.push({ type: 'turnStarted', seat: nodes[0]!, number: 1 });
  }

  /** One Paxos command of the round, by the seat's player (or the host's network panel). */
  paxosMove(): void {
    const round = this.room.round!;
    const decision = decide(round.paxos, paxosCommand(this.rng, round.paxos));
    if (!decision.ok) return;
    const by = this.rng.pick([null, ...this.room.players.map((p) => p.id)]);
    for (const event of decision.events) this.push({ type: 'paxos', event, by });
    const after = this.room.round!;
    if (after.rules.endWhenChosen && after.stats.learned && after.paxos.chosen.length > 0) {
      this.push({ type: 'roundEnded', reason: 'chosen' });
    }
  }

  /** Something else a room does during a round: turns, pauses, mistakes, notes, presence. */
  roomMove(): void {
    const { round, players, paused } = this.room;
    const r = this.rng.next();
    const turn = round?.status === 'playing' ? round.turn : null;
    if (turn && r < 0.3) {
      if (turn.seat) this.push({ type: 'turnEnded', seat: turn.seat, reason: 'passed' });
      else
        this.push({
          type: 'turnStarted',
          seat: this.rng.pick(turn.order),
          number: turn.number + 1,
        });
    } else if (round?.status === 'playing' && r < 0.4) {
      this.push(paused ? { type: 'resumed' } : { type: 'paused' });
    } else if (round?.status === 'playing' && r < 0.5 && players.length > 0) {
      const player = this.rng.pick(players);
      const request = round.paxos.inFlight[0];
      if (player.seat && request) {
        this.push({
          type: 'mistake',
          playerId: player.id,
          seat: player.seat,
          messageId: request.id,
          answer: 'grant',
          explanation: 'You promised more.',
          applied: false,
        });
      }
    } else if (r < 0.65 && players.length > 0) {
      const player = this.rng.pick(players);
      this.push({ type: 'presenceChanged', playerId: player.id, connected: !player.connected });
    } else if (r < 0.75 && players.length > 0) {
      this.push({ type: 'playerLeft', playerId: this.rng.pick(players).id, reason: 'left' });
    } else if (r < 0.85) {
      this.join();
    } else if (round?.status === 'playing' && r < 0.9) {
      this.push({ type: 'roundEnded', reason: 'host' });
    } else {
      this.push({ type: 'note', text: `Note at ${this.log.length}` });
    }
  }
}

/**
 * A room's log of `target` envelopes or a few more (one decision's events are
 * kept together): the room created, players joining, then rounds of play with
 * the room's own events mixed in, settings changed between rounds.
 */
export function randomRoomLog(seed: number, target: number): Envelope[] {
  const rng = prng(seed);
  const b = new LogBuilder(rng);
  b.push({ type: 'roomCreated', code: 'ABCDE', settings: randomSettings(rng) });
  for (let i = 2 + rng.int(6); i > 0; i--) b.join();
  while (b.log.length < target) {
    const round = b.room.round;
    if (round?.status !== 'playing') {
      if (rng.next() < 0.3) b.push({ type: 'settingsChanged', settings: randomSettings(rng) });
      b.startRound();
    } else if (rng.next() < 0.92) {
      b.paxosMove();
    } else {
      b.roomMove();
    }
  }
  return b.log;
}
