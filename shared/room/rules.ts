import type { PaxosConfig } from '../paxos/index.ts';
import type { Envelope, Player, RoomEvent, RoomSettings, RoomState } from './types.ts';
import { FRIENDS } from './settings.ts';

export const MAX_PLAYERS = 60;

export function seatNames(seats: number): string[] {
  return FRIENDS.slice(0, seats);
}

export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}

export function quorumOf(settings: RoomSettings): number {
  return settings.quorum ?? majority(settings.seats);
}

export function paxosConfig(settings: RoomSettings): PaxosConfig {
  return {
    nodes: seatNames(settings.seats),
    quorum: quorumOf(settings),
    delivery: settings.delivery,
    valueRule: settings.valueRule,
  };
}

/** The nodes of the round being played, else of the next round. */
export function roomNodes(state: RoomState): string[] {
  return state.round?.paxos.config.nodes ?? seatNames(state.settings.seats);
}

export function freeSeat(state: RoomState): string | null {
  const taken = new Set(state.players.map((p) => p.seat));
  return roomNodes(state).find((n) => !taken.has(n)) ?? null;
}

/** Names compare without case and without accents' spelling variants. */
export function sameName(a: string, b: string): boolean {
  return a.normalize('NFKC').toLowerCase() === b.normalize('NFKC').toLowerCase();
}

export function playerAt(state: RoomState, seat: string): Player | undefined {
  return state.players.find((p) => p.seat === seat);
}

/** A bot is named after its seat, so players can tell who is who. */
export const botName = (seat: string): string => `${seat || 'A'} (bot)`;

/**
 * A live room is driven by the server on its own: a round is being played
 * with turns (a timer passes them), with bots, or with auto-play on (its
 * driver steps it). A restart loads these rooms at once so their timers, bots
 * and auto-play carry on.
 */
export function isLive(state: RoomState): boolean {
  const round = state.round;
  return (
    state.status === 'open' &&
    round?.status === 'playing' &&
    (round.turn !== null ||
      state.players.some((p) => p.bot !== undefined) ||
      round.autoplay !== undefined)
  );
}

/** Events after which a room may start or stop being live. */
const LIVENESS = new Set<RoomEvent['type']>([
  'roundStarted',
  'roundEnded',
  'playerJoined',
  'playerLeft',
  'roomClosed',
  'autoplayChanged',
]);

export const mayChangeLiveness = (events: readonly Envelope[]): boolean =>
  events.some((e) => LIVENESS.has(e.event.type));
