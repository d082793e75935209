import type { PaxosCommand } from '../paxos/index.ts';
import { decide as decidePaxos } from '../paxos/index.ts';
import { MAX_PLAYERS, freeSeat, paxosConfig, quorumOf, sameName, seatNames } from './rules.ts';
import type {
  Actor,
  NodeCommand,
  RoomCommand,
  RoomDecision,
  RoomError,
  RoomEvent,
  RoomState,
} from './types.ts';

const fail = (code: RoomError['code'], message: string, seedLine?: string): RoomDecision => ({
  ok: false,
  error: seedLine === undefined ? { code, message } : { code, message, seedLine },
});
const ok = (...events: RoomEvent[]): RoomDecision => ({ ok: true, events });

const HOST_ONLY = new Set<RoomCommand['type']>([
  'kick',
  'updateSettings',
  'startRound',
  'endRound',
  'say',
  'close',
  'network',
]);
const SYSTEM_ONLY = new Set<RoomCommand['type']>(['join', 'presence']);
const PLAYER_ONLY = new Set<RoomCommand['type']>(['node', 'leave']);

function authorize(command: RoomCommand, actor: Actor): RoomDecision | null {
  if (HOST_ONLY.has(command.type) && actor.role !== 'host') {
    return fail('forbidden', 'Only the host can do that.');
  }
  if (SYSTEM_ONLY.has(command.type) && actor.role !== 'system') {
    return fail('forbidden', 'That is done by the server, not by a player.');
  }
  if (PLAYER_ONLY.has(command.type) && actor.role !== 'player') {
    return fail('forbidden', 'Only a player in this room can do that.');
  }
  return null;
}

function toPaxos(node: string, command: NodeCommand): PaxosCommand {
  return { ...command, node };
}

/**
 * What a command does to a room: events, or a typed refusal that changes
 * nothing. Pure: identities and ids come in the command, time in the server's
 * envelope. Who may do what is decided here, not in the server.
 */
export function decideRoom(state: RoomState, command: RoomCommand, actor: Actor): RoomDecision {
  const denied = authorize(command, actor);
  if (denied) return denied;
  if (state.status === 'closed') {
    return command.type === 'presence' ? ok() : fail('conflict', 'This room is closed.');
  }
  const round = state.round?.status === 'playing' ? state.round : null;

  switch (command.type) {
    case 'join': {
      if (state.players.some((p) => sameName(p.name, command.name))) {
        return fail('conflict', `Someone in this room is already called "${command.name}".`);
      }
      if (state.players.length >= MAX_PLAYERS) return fail('conflict', 'This room is full.');
      const seat = command.spectator ? null : freeSeat(state);
      return ok({
        type: 'playerJoined',
        player: { id: command.playerId, name: command.name, seat, connected: true },
      });
    }
    case 'leave':
    case 'kick': {
      const id =
        command.type === 'leave' ? (actor as { playerId: string }).playerId : command.playerId;
      if (!state.players.some((p) => p.id === id)) return fail('not_found', 'No such player.');
      return ok({
        type: 'playerLeft',
        playerId: id,
        reason: command.type === 'leave' ? 'left' : 'kicked',
      });
    }
    case 'presence': {
      const player = state.players.find((p) => p.id === command.playerId);
      if (!player || player.connected === command.connected) return ok();
      return ok({ type: 'presenceChanged', playerId: player.id, connected: command.connected });
    }
    case 'updateSettings': {
      const { settings } = command;
      if (quorumOf(settings) > settings.seats) {
        return fail(
          'bad_request',
          `A quorum of ${settings.quorum} needs at least that many seats.`,
        );
      }
      const seats = seatNames(settings.seats);
      const outside = state.players.find((p) => p.seat !== null && !seats.includes(p.seat));
      if (outside) {
        return fail(
          'conflict',
          `${outside.name} sits at ${outside.seat}, which ${settings.seats} seats would remove.`,
        );
      }
      return ok({ type: 'settingsChanged', settings });
    }
    case 'startRound': {
      const number = (state.round?.number ?? 0) + 1;
      const start: RoomEvent = {
        type: 'roundStarted',
        number,
        config: paxosConfig(state.settings),
      };
      return round ? ok({ type: 'roundEnded', reason: 'restart' }, start) : ok(start);
    }
    case 'endRound':
      return round
        ? ok({ type: 'roundEnded', reason: 'host' })
        : fail('conflict', 'No round is being played.');
    case 'say':
      return ok({ type: 'note', text: command.text });
    case 'close':
      return round
        ? ok({ type: 'roundEnded', reason: 'host' }, { type: 'roomClosed' })
        : ok({ type: 'roomClosed' });
    case 'node': {
      const playerId = (actor as { playerId: string }).playerId;
      const player = state.players.find((p) => p.id === playerId);
      if (!player) return fail('forbidden', 'You are not in this room.');
      if (player.seat === null)
        return fail('forbidden', 'Spectators watch; they cannot act as a node.');
      if (!round) return fail('conflict', 'The round has not started yet: wait for the host.');
      return paxos(round.paxos, toPaxos(player.seat, command.command), player.id);
    }
    case 'network': {
      if (!round) return fail('conflict', 'No round is being played.');
      const { action, messageId, answer } = command;
      const paxosCommand: PaxosCommand =
        action === 'deliver' ? { type: 'deliver', messageId, answer } : { type: action, messageId };
      return paxos(round.paxos, paxosCommand, null);
    }
    default: {
      const never: never = command;
      throw new Error(`unknown room command ${JSON.stringify(never)}`);
    }
  }
}

function paxos(
  state: NonNullable<RoomState['round']>['paxos'],
  command: PaxosCommand,
  by: string | null,
): RoomDecision {
  const decision = decidePaxos(state, command);
  if (!decision.ok)
    return fail(decision.error.code, decision.error.message, decision.error.seedLine);
  return ok(...decision.events.map((event): RoomEvent => ({ type: 'paxos', event, by })));
}
