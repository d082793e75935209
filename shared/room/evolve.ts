import { evolve as evolvePaxos, initialPaxosState } from '../paxos/index.ts';
import type { Envelope, Player, Round, RoomState } from './types.ts';

function endRound(
  round: Round,
  at: number,
): { round: Round; summary: RoomState['history'][number] } {
  return {
    round: { ...round, status: 'ended', endedAt: at },
    summary: {
      number: round.number,
      chosen: round.paxos.chosen,
      findings: round.paxos.findings.length,
      messages: round.paxos.nextMessageId - 1,
      endedAt: at,
    },
  };
}

function mapPlayer(state: RoomState, id: string, change: (p: Player) => Player): RoomState {
  return { ...state, players: state.players.map((p) => (p.id === id ? change(p) : p)) };
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
      seq,
    };
  }
  const s: RoomState = { ...state, seq };
  switch (event.type) {
    case 'roomCreated':
      throw new Error('room created twice');
    case 'playerJoined':
      return { ...s, players: [...s.players, event.player] };
    case 'playerLeft':
      return { ...s, players: s.players.filter((p) => p.id !== event.playerId) };
    case 'presenceChanged':
      return mapPlayer(s, event.playerId, (p) => ({ ...p, connected: event.connected }));
    case 'settingsChanged':
      return { ...s, settings: event.settings };
    case 'roundStarted':
      return {
        ...s,
        round: {
          number: event.number,
          paxos: initialPaxosState(event.config),
          status: 'playing',
          startedAt: at,
          endedAt: null,
        },
      };
    case 'paxos': {
      if (!s.round) throw new Error('paxos event outside a round');
      return { ...s, round: { ...s.round, paxos: evolvePaxos(s.round.paxos, event.event) } };
    }
    case 'roundEnded': {
      if (!s.round) throw new Error('roundEnded outside a round');
      const { round, summary } = endRound(s.round, at);
      return { ...s, round, history: [...s.history, summary] };
    }
    case 'note':
      return s;
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
