import type { PaxosCommand } from '../paxos/index.ts';
import type { Who } from './commands.ts';
import { COMMANDS } from './commands.ts';
import {
  MAX_PLAYERS,
  botName,
  freeSeat,
  paxosConfig,
  quorumOf,
  sameName,
  seatNames,
} from './rules.ts';
import { answerMove, consequences, fail, nodeMove, ok, paxosEvents, preview } from './play.ts';
import { passTurn, rulesOf, startNextTurn, waitingForTurn } from './turns.ts';
import { autoplaySpeed, somethingToStep } from './autoplay.ts';
import {
  demoAutoStep,
  demoBack,
  demoCanGoOn,
  demoLive,
  demoNext,
  demoRefusal,
  loadDemo,
  playingDemo,
  predict,
} from './demo.ts';
import type { Actor, Player, RoomCommand, RoomDecision, RoomEvent, RoomState } from './types.ts';

const REFUSALS: Record<Exclude<Who, 'anyone'>, string> = {
  host: 'Only the host can do that.',
  system: 'That is done by the server, not by a player.',
  player: 'Only a player in this room can do that.',
};

/** The refusal of a join (or a watch without the screen key) while the host locked the room. */
export const ROOM_LOCKED = 'This room is locked by its host.';

type FaultName =
  | 'host:hold'
  | 'host:release'
  | 'host:delay'
  | 'host:step'
  | 'host:partition'
  | 'host:heal'
  | 'host:crash'
  | 'host:recover';

/** The host's fault command as the Paxos engine's command. */
function faultCommand(command: Extract<RoomCommand, { type: FaultName }>): PaxosCommand {
  switch (command.type) {
    case 'host:hold': {
      const { from, to, node, kind, messageId } = command;
      return { type: 'hold', from, to, node, kind, messageId };
    }
    case 'host:delay': {
      const { from, to, node, kind, steps } = command;
      return { type: 'delay', from, to, node, kind, steps };
    }
    case 'host:step':
      return command.messageId === undefined
        ? { type: 'step' }
        : { type: 'step', messageId: command.messageId };
    case 'host:partition':
      return { type: 'partition', groups: command.groups };
    case 'host:crash':
      return { type: 'crash', node: command.node };
    case 'host:recover':
      return { type: 'recover', node: command.node, memory: command.memory };
    case 'host:release':
      return { type: 'release' };
    case 'host:heal':
      return { type: 'heal' };
  }
}

/** Who may send each command is written in its catalogue entry; this only compares. */
function authorize(command: RoomCommand, actor: Actor): RoomDecision | null {
  const who = COMMANDS[command.type].who as Who;
  if (who === 'anyone' || who === actor.role) return null;
  return fail('forbidden', REFUSALS[who]);
}

function actingPlayer(state: RoomState, actor: Actor): Player | RoomDecision {
  const id = actor.role === 'player' ? actor.playerId : null;
  const player = state.players.find((p) => p.id === id);
  if (!player) return fail('forbidden', 'You are not in this room.');
  if (player.seat === null)
    return fail('forbidden', 'You are watching without a seat, so you cannot act as a node.');
  return player;
}

/** A seated newcomer may be the one a waiting turn-based round was waiting for. */
function joined(state: RoomState, player: Player): RoomEvent[] {
  const events: RoomEvent[] = [{ type: 'playerJoined', player }];
  const after = preview(state, events);
  return waitingForTurn(after) ? [...events, ...startNextTurn(after, null)] : events;
}

/** A player leaves (or is kicked); if it was their turn, the turn passes. */
function departed(state: RoomState, playerId: string, reason: 'left' | 'kicked'): RoomEvent[] {
  const seat = state.players.find((p) => p.id === playerId)?.seat ?? null;
  const events: RoomEvent[] = [{ type: 'playerLeft', playerId, reason }];
  const after = preview(state, events);
  return seat !== null && after.round?.turn?.seat === seat && after.round.status === 'playing'
    ? [...events, ...passTurn(after, 'left')]
    : events;
}

/**
 * Auto-play's step: the host's `step` while auto-play is on (else nothing: the driver was
 * late), and auto-play stops in the same batch once nothing is left to deliver.
 */
function autoplayStep(state: RoomState): RoomDecision {
  if (autoplaySpeed(state) === 0) return ok();
  if (playingDemo(state)) return demoAutoStep(state);
  const stop: RoomEvent = { type: 'autoplayChanged', speed: 0, reason: 'done' };
  if (!somethingToStep(state)) return ok(stop);
  const moved = paxosEvents(state, { type: 'step' }, null);
  if (!moved.ok) return moved;
  const events = consequences(state, moved.events);
  const after = preview(state, events);
  // A round that ended (a movie was chosen) took its auto-play with it.
  return after.round?.status === 'playing' && !somethingToStep(after)
    ? ok(...events, stop)
    : ok(...events);
}

/**
 * A fork's own first events: it remembers its parent; auto-play stops (a what-if starts
 * still); a locked room opens; the people of the prefix leave their seats (their tokens open
 * the parent, not the fork), so newcomers can take them with each node's Paxos state as it
 * was. Bots stay.
 */
function forked(state: RoomState, parent: string, at: number): RoomDecision {
  const events: RoomEvent[] = [{ type: 'roomForked', parent, at }];
  if (state.round?.autoplay !== undefined) {
    events.push({ type: 'autoplayChanged', speed: 0, reason: 'forked' });
  }
  if (state.locked) events.push({ type: 'roomLocked', locked: false });
  for (const p of state.players) {
    if (p.bot === undefined) events.push(...departed(preview(state, events), p.id, 'left'));
  }
  return ok(...events);
}

function newName(state: RoomState, name: string): RoomDecision | null {
  if (state.players.some((p) => sameName(p.name, name))) {
    return fail('conflict', `Someone in this room is already called "${name}".`);
  }
  if (state.players.length >= MAX_PLAYERS) return fail('conflict', 'This room is full.');
  return null;
}

/**
 * What a command does to a room: events, or a typed refusal that changes
 * nothing. Pure: identities and ids come in the command, time in `tick`
 * commands and the server's envelope. Who may do what is decided here.
 */
export function decideRoom(state: RoomState, command: RoomCommand, actor: Actor): RoomDecision {
  const denied = authorize(command, actor);
  if (denied) return denied;
  if (state.status === 'closed') {
    return command.type === 'system:presence' ||
      command.type === 'system:tick' ||
      command.type === 'system:step'
      ? ok()
      : fail('conflict', 'This room is closed.');
  }
  const round = state.round?.status === 'playing' ? state.round : null;
  const demoRefused = demoRefusal(state, command);
  if (demoRefused) return demoRefused;

  switch (command.type) {
    case 'room:join': {
      if (state.locked) return fail('forbidden', ROOM_LOCKED);
      const refused = newName(state, command.name);
      if (refused) return refused;
      const seat = command.spectator ? null : freeSeat(state);
      return ok(...joined(state, { id: command.newId, name: command.name, seat, connected: true }));
    }
    case 'host:addBot': {
      const seat = command.seat ?? freeSeat(state);
      const refused = newName(state, botName(seat ?? ''));
      if (refused) return refused;
      if (seat === null) return fail('conflict', 'Every seat is taken.');
      if (
        !seatNames(state.settings.seats).includes(seat) &&
        !state.round?.paxos.config.nodes.includes(seat)
      ) {
        return fail('not_found', `There is no seat ${seat} in this room.`);
      }
      if (state.players.some((p) => p.seat === seat)) return fail('conflict', `${seat} is taken.`);
      const bot: Player = {
        id: command.newId,
        name: botName(seat),
        seat,
        connected: true,
        bot: command.kind,
      };
      return ok(...joined(state, bot));
    }
    case 'room:leave': {
      const id = (actor as { playerId: string }).playerId;
      if (!command.bot) {
        if (!state.players.some((p) => p.id === id)) return fail('not_found', 'No such player.');
        return ok(...departed(state, id, 'left'));
      }
      const player = actingPlayer(state, actor);
      if ('ok' in player) return player;
      const refused = newName(state, botName(player.seat ?? ''));
      if (refused) return refused;
      const bot: Player = {
        id: command.newId,
        name: botName(player.seat ?? ''),
        seat: player.seat,
        connected: true,
        bot: command.bot,
      };
      // The bot sits down in the same event batch, so a turn in progress stays with the seat.
      return ok(
        { type: 'playerLeft', playerId: player.id, reason: 'left' },
        { type: 'playerJoined', player: bot },
      );
    }
    case 'host:lock':
      return command.locked === (state.locked ?? false)
        ? ok()
        : ok({ type: 'roomLocked', locked: command.locked });
    case 'host:allowBack':
      if (!state.removed?.some((r) => r.playerId === command.playerId)) {
        return fail('not_found', 'That player is not among the removed players.');
      }
      return ok({ type: 'playerAllowedBack', playerId: command.playerId });
    case 'host:kick': {
      const id = command.playerId;
      if (!state.players.some((p) => p.id === id)) return fail('not_found', 'No such player.');
      return ok(...departed(state, id, 'kicked'));
    }
    case 'system:presence': {
      const player = state.players.find((p) => p.id === command.playerId);
      if (!player || player.connected === command.connected) return ok();
      const events: RoomEvent[] = [
        { type: 'presenceChanged', playerId: player.id, connected: command.connected },
      ];
      const after = preview(state, events);
      // The server stopping or restarting is not the player going: their turn keeps its
      // deadline and its actions, and the timer passes it if they are not back in time.
      const gone = !command.connected && command.restart !== true;
      if (gone && round?.turn?.seat === player.seat && player.seat !== null) {
        return ok(...events, ...passTurn(after, 'disconnected'));
      }
      if (command.connected && waitingForTurn(after))
        return ok(...events, ...startNextTurn(after, null));
      return ok(...events);
    }
    case 'host:settings': {
      const { settings } = command;
      if (quorumOf(settings) > settings.seats + 1) {
        return fail(
          'bad_request',
          `A quorum of ${settings.quorum} is more than one above the ${settings.seats} seats.`,
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
    case 'host:rename':
      return command.title === state.title
        ? ok()
        : ok({ type: 'roomRenamed', title: command.title });
    case 'host:startRound': {
      const number = (state.round?.number ?? 0) + 1;
      const rules = rulesOf(state.settings);
      const config = paxosConfig(state.settings);
      if (rules.acceptors === 'players') {
        config.inbox = config.nodes.filter((n) => state.players.some((p) => p.seat === n));
      }
      const events: RoomEvent[] = round ? [{ type: 'roundEnded', reason: 'restart' }] : [];
      events.push({ type: 'roundStarted', number, config, rules });
      return ok(...events, ...startNextTurn(preview(state, events), null));
    }
    case 'host:endRound':
      return round
        ? ok({ type: 'roundEnded', reason: 'host' })
        : fail('conflict', 'No round is being played.');
    case 'host:say':
      return ok({ type: 'note', text: command.text });
    case 'host:close':
      return round
        ? ok({ type: 'roundEnded', reason: 'host' }, { type: 'roomClosed' })
        : ok({ type: 'roomClosed' });
    case 'host:pause':
      if (!round) return fail('conflict', 'No round is being played.');
      return state.paused
        ? fail('conflict', 'The game is already paused.')
        : ok({ type: 'paused' });
    case 'host:resume':
      return state.paused ? ok({ type: 'resumed' }) : fail('conflict', 'The game is not paused.');
    case 'host:skipTurn':
      if (!round?.turn?.seat) return fail('conflict', 'No turn is being played.');
      return ok(...passTurn(state, 'skipped'));
    case 'system:tick': {
      const turn = round?.turn;
      if (!turn?.seat || state.paused || turn.endsAt === null || command.now < turn.endsAt)
        return ok();
      return ok(...passTurn(state, 'timeout'));
    }
    case 'node:endTurn': {
      const player = actingPlayer(state, actor);
      if ('ok' in player) return player;
      if (!round?.turn) return fail('conflict', 'This round is not turn-based.');
      if (round.turn.seat !== player.seat) return fail('conflict', 'It is not your turn.');
      return ok(...passTurn(state, 'passed'));
    }
    case 'node:newProposal':
    case 'node:promiseRequest':
    case 'node:acceptRequest':
    case 'node:propose': {
      const player = actingPlayer(state, actor);
      if ('ok' in player) return player;
      return nodeMove(state, player, command);
    }
    case 'node:answer': {
      const player = actingPlayer(state, actor);
      if ('ok' in player) return player;
      return answerMove(state, player, command.messageId, command.answer);
    }
    case 'host:network': {
      if (!round) return fail('conflict', 'No round is being played.');
      const { action, messageId, answer } = command;
      const paxosCommand: PaxosCommand =
        action === 'deliver' ? { type: 'deliver', messageId, answer } : { type: action, messageId };
      const moved = paxosEvents(state, paxosCommand, null);
      return moved.ok ? ok(...consequences(state, moved.events)) : moved;
    }
    case 'host:hold':
    case 'host:release':
    case 'host:delay':
    case 'host:step':
    case 'host:partition':
    case 'host:heal':
    case 'host:crash':
    case 'host:recover': {
      // The rules of each fault are the engine's (shared/paxos/decide-faults.ts).
      if (!round) return fail('conflict', 'No round is being played.');
      const moved = paxosEvents(state, faultCommand(command), null);
      return moved.ok ? ok(...consequences(state, moved.events)) : moved;
    }
    case 'host:autoplay': {
      if (!round) return fail('conflict', 'No round is being played.');
      const { speed } = command;
      if (speed === (round.autoplay ?? 0)) return ok();
      if (speed > 0 && round.demo) {
        if (!demoCanGoOn(round.demo)) return fail('conflict', 'The demo is over: nothing to play.');
      } else if (speed > 0 && !somethingToStep(state)) {
        return fail(
          'conflict',
          "Nothing to play: no message is in flight outside the players' inboxes. Hold the network, let the players send, then play.",
        );
      }
      return ok({ type: 'autoplayChanged', speed, reason: 'host' });
    }
    case 'system:step':
      return autoplayStep(state);
    case 'host:loadScenario':
      return loadDemo(state, command.scenario);
    case 'host:demoNext':
      return demoNext(state);
    case 'host:demoBack':
      return demoBack(state);
    case 'host:demoLive':
      return demoLive(state);
    case 'player:predict':
      return predict(state, (actor as { playerId: string }).playerId, command.choice);
    case 'system:fork':
      return forked(state, command.parent, command.at);
    case 'host:renamePlayer': {
      const player = state.players.find((p) => p.id === command.playerId);
      if (!player) return fail('not_found', 'No such player.');
      const name = command.name.trim();
      if (player.name === name) return ok();
      if (state.players.some((p) => p.id !== player.id && sameName(p.name, name))) {
        return fail('conflict', `Someone in this room is already called "${name}".`);
      }
      return ok({ type: 'playerRenamed', playerId: player.id, name });
    }
    case 'host:extraTime': {
      const player = state.players.find((p) => p.id === command.playerId);
      if (!player) return fail('not_found', 'No such player.');
      if ((state.extraSeconds?.[player.id] ?? 0) === command.seconds) return ok();
      return ok({ type: 'extraTimeGiven', playerId: player.id, seconds: command.seconds });
    }
    default: {
      const never: never = command;
      throw new Error(`unknown room command ${JSON.stringify(never)}`);
    }
  }
}
