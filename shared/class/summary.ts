import { FRIENDS } from '../room/settings.ts';
import type { RoomState } from '../room/types.ts';
import type { ClassTable, TableSummary } from './types.ts';

/*
 * One table as the instructor's dashboard sees it: a few numbers folded from
 * the table's room, small enough to send for forty tables several times a second.
 */

/** A seat with no command for this long, in a round being played, shows as idle. */
export const IDLE_MS = 60_000;

export function tableSummary(
  table: ClassTable,
  room: RoomState,
  lastActive: ReadonlyMap<string, number>,
  now: number,
): TableSummary {
  const round = room.round;
  const playing = round?.status === 'playing';
  const status: TableSummary['status'] = !round ? 'lobby' : playing ? 'playing' : 'ended';
  const mistakes = round ? Object.values(round.stats.mistakes).reduce((a, b) => a + b, 0) : 0;
  return {
    code: table.code,
    index: table.index,
    seq: room.seq,
    round: round?.number ?? 0,
    status,
    paused: room.paused,
    turn: playing ? (round.turn?.seat ?? null) : null,
    chosen: round ? round.paxos.chosen.map((c) => c.value) : [],
    findings: round ? round.paxos.findings.length : 0,
    mistakes,
    messages: round ? round.paxos.nextMessageId - 1 : 0,
    players: room.players
      .filter((p) => p.seat !== null)
      // In seat order (Amy first): a bot that takes a kicked student's seat joins last.
      .sort((a, b) => seatOrder(a.seat!) - seatOrder(b.seat!))
      .map((p) => {
        // A player never seen acting counts from the round's start: a silent seat is idle too.
        const last = lastActive.get(p.id) ?? round?.startedAt ?? now;
        const sitsOut = round !== null && !round.paxos.config.nodes.includes(p.seat!);
        return {
          seat: p.seat!,
          name: p.name,
          playerId: p.id,
          bot: p.bot !== undefined,
          connected: p.connected,
          idle: playing && !p.bot && !sitsOut && !room.paused && now - last >= IDLE_MS,
          sitsOut,
        };
      }),
  };
}

const seatOrder = (seat: string): number => (FRIENDS as readonly string[]).indexOf(seat);

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) => k in b && same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

/** Whether the dashboard must be told: anything but the seq differs. */
export function summaryChanged(a: TableSummary | undefined, b: TableSummary): boolean {
  if (!a) return true;
  return !same({ ...a, seq: 0 }, { ...b, seq: 0 });
}

/**
 * Why a table needs the instructor, in words, most urgent first (empty: it does not): safety
 * broken or a finding, students who lost their connection, students idle in a round. Mistakes
 * are part of learning, not a call for help.
 */
export function attention(summary: TableSummary): string[] {
  const reasons: string[] = [];
  if (summary.chosen.length > 1) reasons.push('safety broken');
  else if (summary.findings > 0)
    reasons.push(`${summary.findings} finding${summary.findings === 1 ? '' : 's'}`);
  const people = summary.players.filter((p) => !p.bot);
  const off = people.filter((p) => !p.connected).length;
  const idle = people.filter((p) => p.connected && p.idle).length;
  if (off) reasons.push(`${off} offline`);
  if (idle) reasons.push(`${idle} idle`);
  return reasons;
}
