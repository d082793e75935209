import type { PaxosConfig } from '../paxos/index.ts';
import type { Player, RoomSettings, RoomState } from './types.ts';
import { FRIENDS } from './types.ts';

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
