import type { Emitter } from './emitter.ts';
import type { PaxosCommand } from './events.ts';
import { MEMORY } from './events.ts';
import { currentStep, fate, isCrashed, networkPolicy, nextToStep, steppable } from './network.ts';
import { refuse } from './refusal.ts';
import type { Message, MessageFilter } from './types.ts';
import { MESSAGE_KINDS } from './types.ts';

/*
 * The host's fault commands (events.ts): each is checked here and becomes one
 * event (and, for `step`, the delivery it makes). What a fault does to messages
 * is decided by network.ts, when they enter flight or are delivered.
 */

export type FaultCommand = Extract<
  PaxosCommand,
  { type: 'hold' | 'release' | 'delay' | 'partition' | 'heal' | 'crash' | 'recover' | 'step' }
>;

/** The filter of a hold or delay, checked, with its fields in one order. */
function filterOf(e: Emitter, given: MessageFilter, withId: boolean): MessageFilter {
  const filter: MessageFilter = {};
  if (given.from !== undefined) e.node((filter.from = given.from), 'sender');
  if (given.to !== undefined) e.node((filter.to = given.to), 'receiver');
  if (given.node !== undefined) e.node((filter.node = given.node));
  if (given.kind !== undefined) {
    if (!MESSAGE_KINDS.includes(given.kind)) {
      refuse({
        code: 'bad_request',
        reason: 'bad_value',
        message: `There is no kind of message "${String(given.kind)}" (kinds: ${MESSAGE_KINDS.join(', ')}).`,
      });
    }
    filter.kind = given.kind;
  }
  if (withId && given.messageId !== undefined) filter.messageId = e.inFlight(given.messageId).id;
  return filter;
}

/** The groups of a partition as the event records them: checked, and the nodes left out as one more group. */
function partitionGroups(e: Emitter, groups: readonly (readonly string[])[]): string[][] {
  const bad = (message: string): never =>
    refuse({ code: 'bad_request', reason: 'bad_partition', message });
  const seen = new Set<string>();
  const out: string[][] = [];
  for (const group of groups) {
    if (group.length === 0) bad('A group of a partition cannot be empty.');
    for (const node of group) {
      e.node(node);
      if (seen.has(node)) bad(`${node} is in two groups of the partition.`);
      seen.add(node);
    }
    out.push([...group]);
  }
  const rest = e.state.config.nodes.filter((n) => !seen.has(n));
  if (rest.length > 0) out.push(rest);
  if (out.length < 2) bad('A partition needs at least two groups: here every node is in one.');
  return out;
}

function stepTo(e: Emitter, messageId: number | undefined): Message | null {
  const { state } = e;
  if (messageId !== undefined) {
    const message = e.inFlight(messageId);
    if (fate(networkPolicy(state), message) === 'inbox') {
      refuse({
        code: 'conflict',
        reason: 'in_inbox',
        message: `Message ${messageId} waits in ${message.to}'s inbox for its player's answer.`,
      });
    }
    return message;
  }
  if (steppable(state).length === 0) {
    refuse({
      code: 'conflict',
      reason: 'nothing_in_flight',
      message: "Nothing to step: no message is in flight outside the players' inboxes.",
    });
  }
  return nextToStep(state, currentStep(state) + 1);
}

export function runFault(e: Emitter, command: FaultCommand): void {
  switch (command.type) {
    case 'hold':
      e.emit({ type: 'held', rule: filterOf(e, command, true) });
      return;
    case 'release': {
      const net = e.state.network;
      if (!net || (net.holds.length === 0 && net.delays.length === 0)) {
        refuse({
          code: 'conflict',
          reason: 'nothing_held',
          message: 'The network holds and delays nothing: there is nothing to release.',
        });
      }
      e.emit({ type: 'released' });
      return;
    }
    case 'delay': {
      const { steps } = command;
      if (!Number.isInteger(steps) || steps < 0) {
        refuse({
          code: 'bad_request',
          reason: 'bad_value',
          message: 'A delay is a whole number of steps, 0 or more.',
        });
      }
      const filter = filterOf(e, command, false);
      const rule = { ...filter, steps };
      const net = e.state.network;
      const same = net?.delays.some(
        (d) =>
          d.from === rule.from && d.to === rule.to && d.node === rule.node && d.kind === rule.kind,
      );
      if (steps === 0 && !same) {
        refuse({
          code: 'conflict',
          reason: 'nothing_held',
          message: 'No delay with these fields is set, so there is none to end.',
        });
      }
      e.emit({ type: 'delayed', rule });
      return;
    }
    case 'partition':
      e.emit({ type: 'partitioned', groups: partitionGroups(e, command.groups) });
      return;
    case 'heal':
      if (!e.state.network?.partition) {
        refuse({
          code: 'conflict',
          reason: 'not_partitioned',
          message: 'The network is not partitioned.',
        });
      }
      e.emit({ type: 'healed' });
      return;
    case 'crash':
      e.node(command.node);
      if (isCrashed(e.state, command.node)) {
        refuse({
          code: 'conflict',
          reason: 'crashed',
          message: `${command.node} has already crashed.`,
        });
      }
      e.emit({ type: 'nodeCrashed', node: command.node });
      return;
    case 'recover':
      e.node(command.node);
      if (!isCrashed(e.state, command.node)) {
        refuse({
          code: 'conflict',
          reason: 'not_crashed',
          message: `${command.node} has not crashed, so it cannot recover.`,
        });
      }
      if (!MEMORY.includes(command.memory)) {
        refuse({
          code: 'bad_request',
          reason: 'bad_value',
          message: `A node recovers with its memory "kept" or "lost", not "${String(command.memory)}".`,
        });
      }
      e.emit({ type: 'nodeRecovered', node: command.node, memory: command.memory });
      return;
    case 'step': {
      const message = stepTo(e, command.messageId);
      const step = currentStep(e.state) + 1;
      e.emit({ type: 'stepped', step, messageId: message?.id ?? null });
      if (message) e.deliverHeld(message);
      e.advanceLoops();
      return;
    }
    default: {
      const never: never = command;
      throw new Error(`unknown fault command ${JSON.stringify(never)}`);
    }
  }
}
