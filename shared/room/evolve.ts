import type { PaxosEvent, PaxosState } from '../paxos/index.ts';
import { evolve as evolvePaxos, initialPaxosState } from '../paxos/index.ts';
import type { RoundStats } from './game.ts';
import { DEFAULT_RULES, emptyStats } from './game.ts';
import { scoreRound } from './scoring.ts';
import { evolveDemo, isDemoEvent } from './demo-fold.ts';
import type {
  Envelope,
  Player,
  Round,
  RoomEvent,
  RoomState,
  RoundEndReason,
  RoundSummary,
} from './types.ts';

function mapPlayer(state: RoomState, id: string, change: (p: Player) => Player): RoomState {
  return { ...state, players: state.players.map((p) => (p.id === id ? change(p) : p)) };
}

function nameOf(state: RoomState, playerId: string | null, fallback: string): string {
  if (playerId === null) return fallback;
  return (
    state.players.find((p) => p.id === playerId)?.name ??
    state.scoreboard.find((s) => s.playerId === playerId)?.name ??
    fallback
  );
}

/** Counts what a round's Paxos events did: messages, rejections, proposals, who learned first. */
function countStats(
  stats: RoundStats,
  event: PaxosEvent,
  by: string | null,
  before: PaxosState,
  after: PaxosState,
): RoundStats {
  switch (event.type) {
    case 'requestSent': {
      const from = event.message.from;
      return {
        ...stats,
        messages: stats.messages + 1,
        requestsBy: { ...stats.requestsBy, [from]: (stats.requestsBy[from] ?? 0) + 1 },
      };
    }
    case 'requestDelivered':
      return {
        ...stats,
        messages: stats.messages + 1,
        rejections: stats.rejections + (event.reply.granted ? 0 : 1),
      };
    case 'messageDuplicated':
      return { ...stats, messages: stats.messages + 1 };
    case 'proposalStarted':
      return {
        ...stats,
        proposals: [
          ...stats.proposals,
          { node: event.node, proposalId: event.proposalId, value: event.value, by },
        ],
      };
    case 'replyDelivered': {
      if (stats.learned) return stats;
      const reply = before.inFlight.find((m) => m.id === event.messageId);
      const proposer = reply ? after.proposers[reply.to] : undefined;
      if (!reply || !proposer || proposer.choice === null || proposer.proposalId === null) {
        return stats;
      }
      const started = stats.proposals.find(
        (p) => p.node === reply.to && p.proposalId === proposer.proposalId,
      );
      return {
        ...stats,
        learned: {
          node: reply.to,
          proposalId: proposer.proposalId,
          value: proposer.choice,
          by: started?.by ?? null,
        },
      };
    }
    default:
      return stats;
  }
}

function summarize(
  state: RoomState,
  round: Round,
  reason: RoundEndReason,
  at: number,
): RoundSummary {
  const { stats, paxos } = round;
  const first = paxos.chosen[0];
  const owner = first ? stats.proposals.find((p) => p.value === first.value) : undefined;
  const { learned } = stats;
  return {
    number: round.number,
    reason,
    chosen: paxos.chosen,
    findings: paxos.findings.length,
    messages: stats.messages,
    rejections: stats.rejections,
    wastedProposals: stats.proposals.length - (learned ? 1 : 0),
    originalOwner: owner ? { node: owner.node, name: nameOf(state, owner.by, owner.node) } : null,
    chosenBy: learned
      ? { node: learned.node, name: nameOf(state, learned.by, learned.node) }
      : null,
    scores: scoreRound(stats, paxos.chosen, paxos.config.quorum, (id) =>
      nameOf(state, id, 'someone who left'),
    ),
    endedAt: at,
  };
}

function addScores(state: RoomState, summary: RoundSummary): RoomState['scoreboard'] {
  const board = [...state.scoreboard];
  for (const line of summary.scores) {
    const i = board.findIndex((e) => e.playerId === line.playerId);
    if (i < 0) board.push({ playerId: line.playerId, name: line.name, points: line.points });
    else board[i] = { ...board[i]!, name: line.name, points: board[i]!.points + line.points };
  }
  return board.sort((a, b) => b.points - a.points);
}

/** The round with auto-play off (the same object when it was off: old logs fold as before). */
function withoutAutoplay(round: Round): Round {
  if (round.autoplay === undefined) return round;
  const still = { ...round };
  delete still.autoplay;
  return still;
}

function withRound(state: RoomState, change: (round: Round) => Round): RoomState {
  if (!state.round) throw new Error('event outside a round');
  return { ...state, round: change(state.round) };
}

/**
 * Folds one stored event into the room. Pure. The first event of every room
 * is `roomCreated`; folding anything into no room is a corrupt log.
 */
export function evolveRoom(state: RoomState | null, envelope: Envelope): RoomState {
  const { event, at, seq } = envelope;
  if (state === null) {
    if (event.type !== 'roomCreated') throw new Error(`room log starts with ${event.type}`);
    return {
      code: event.code,
      status: 'open',
      settings: event.settings,
      createdAt: at,
      players: [],
      round: null,
      history: [],
      scoreboard: [],
      paused: false,
      seq,
    };
  }
  const s: RoomState = { ...state, seq };
  // A guided demo's events (all named demo…): shared/room/demo-fold.ts.
  if (isDemoEvent(event)) return withRound(s, (round) => evolveDemo(round, event, seq));
  switch (event.type) {
    case 'roomCreated':
      throw new Error('room created twice');
    case 'playerJoined':
      return { ...s, players: [...s.players, event.player] };
    case 'playerRenamed':
      return {
        ...s,
        players: s.players.map((p) => (p.id === event.playerId ? { ...p, name: event.name } : p)),
      };
    case 'extraTimeGiven': {
      const extra = { ...s.extraSeconds };
      if (event.seconds > 0) extra[event.playerId] = event.seconds;
      else delete extra[event.playerId];
      return { ...s, extraSeconds: extra };
    }
    case 'playerLeft': {
      const gone = s.players.find((p) => p.id === event.playerId);
      const left = { ...s, players: s.players.filter((p) => p.id !== event.playerId) };
      // A kicked person is remembered until the host lets them back in (a bot is just gone).
      if (event.reason !== 'kicked' || !gone || gone.bot !== undefined) return left;
      return { ...left, removed: [...(s.removed ?? []), { playerId: gone.id, name: gone.name }] };
    }
    case 'playerAllowedBack':
      return { ...s, removed: (s.removed ?? []).filter((r) => r.playerId !== event.playerId) };
    case 'roomLocked':
      return { ...s, locked: event.locked };
    case 'presenceChanged':
      return mapPlayer(s, event.playerId, (p) => ({ ...p, connected: event.connected }));
    case 'settingsChanged':
      return { ...s, settings: event.settings };
    case 'roomRenamed':
      return { ...s, title: event.title };
    case 'roundStarted': {
      const rules = event.rules ?? DEFAULT_RULES;
      return {
        ...s,
        paused: false,
        round: {
          number: event.number,
          paxos: initialPaxosState(event.config),
          rules,
          status: 'playing',
          startedAt: at,
          endedAt: null,
          turn:
            rules.mode === 'turns'
              ? {
                  order: event.config.nodes,
                  seat: null,
                  number: 0,
                  actionsLeft: 0,
                  endsAt: null,
                  leftMs: null,
                }
              : null,
          stats: emptyStats(),
        },
      };
    }
    case 'paxos':
      return withRound(s, (round) => {
        const paxos = evolvePaxos(round.paxos, event.event);
        const stats = countStats(round.stats, event.event, event.by, round.paxos, paxos);
        const e = event.event;
        const spends =
          round.turn !== null &&
          e.type === 'requestSent' &&
          !e.auto &&
          e.message.from === round.turn.seat;
        const turn = spends
          ? { ...round.turn!, actionsLeft: round.turn!.actionsLeft - 1 }
          : round.turn;
        return { ...round, paxos, stats, turn };
      });
    case 'roundEnded': {
      if (!s.round) throw new Error('roundEnded outside a round');
      const summary = summarize(s, s.round, event.reason, at);
      const turn = s.round.turn && { ...s.round.turn, seat: null, endsAt: null, leftMs: null };
      return {
        ...s,
        // Auto-play ends with its round.
        round: { ...withoutAutoplay(s.round), status: 'ended', endedAt: at, turn },
        history: [...s.history, summary],
        scoreboard: addScores(s, summary),
      };
    }
    case 'turnStarted':
      return withRound(s, (round) => {
        // A player the host gave extra time has that much longer on each of their turns.
        const player = s.players.find((p) => p.seat === event.seat);
        const extra = (player && s.extraSeconds?.[player.id]) ?? 0;
        const ms = (round.rules.turnSeconds + extra) * 1000;
        return {
          ...round,
          turn: {
            ...round.turn!,
            seat: event.seat,
            number: event.number,
            actionsLeft: round.rules.actionsPerTurn,
            endsAt: s.paused ? null : at + ms,
            leftMs: s.paused ? ms : null,
          },
        };
      });
    case 'turnEnded':
      return withRound(s, (round) => ({
        ...round,
        turn: { ...round.turn!, seat: null, endsAt: null, leftMs: null },
      }));
    case 'paused': {
      const next = { ...s, paused: true };
      const turn = s.round?.turn;
      if (!turn || turn.endsAt === null) return next;
      return withRound(next, (round) => ({
        ...round,
        turn: { ...turn, endsAt: null, leftMs: Math.max(0, turn.endsAt! - at) },
      }));
    }
    case 'resumed': {
      const next = { ...s, paused: false };
      const turn = s.round?.turn;
      if (!turn || turn.leftMs === null) return next;
      return withRound(next, (round) => ({
        ...round,
        turn: { ...turn, endsAt: at + turn.leftMs!, leftMs: null },
      }));
    }
    case 'mistake':
      return withRound(s, (round) => ({
        ...round,
        stats: {
          ...round.stats,
          mistakes: {
            ...round.stats.mistakes,
            [event.playerId]: (round.stats.mistakes[event.playerId] ?? 0) + 1,
          },
        },
      }));
    case 'note':
      return s;
    case 'autoplayChanged':
      return withRound(s, (round) =>
        event.speed > 0 ? { ...round, autoplay: event.speed } : withoutAutoplay(round),
      );
    case 'roomForked':
      return { ...s, forkedFrom: { code: event.parent, at: event.at } };
    case 'roomClosed':
      return { ...s, status: 'closed' };
    default: {
      const never: never = event;
      throw new Error(`unknown room event ${JSON.stringify(never)}`);
    }
  }
}

export function foldRoom(envelopes: readonly Envelope[], from: RoomState | null = null): RoomState {
  let state = from;
  for (const e of envelopes) state = evolveRoom(state, e);
  if (!state) throw new Error('an empty log is no room');
  return state;
}

/**
 * Where a decision's events become history: each is numbered after the
 * room's last event, stamped `at` (the server's clock) and folded. The server,
 * the tests and the engine's own look-ahead (`preview`) all go through here.
 */
export function stamp(
  state: RoomState,
  events: readonly RoomEvent[],
  at: number,
): { envelopes: Envelope[]; state: RoomState } {
  const envelopes: Envelope[] = [];
  let s = state;
  for (const event of events) {
    const envelope: Envelope = { seq: s.seq + 1, at, event };
    envelopes.push(envelope);
    s = evolveRoom(s, envelope);
  }
  return { envelopes, state: s };
}
