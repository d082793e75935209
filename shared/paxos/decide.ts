import type { Decision, PaxosCommand } from './events.ts';
import { runFault } from './decide-faults.ts';
import type { FaultCommand } from './decide-faults.ts';
import { Emitter } from './emitter.ts';
import { Refused, refuse } from './refusal.ts';
import type { PaxosState } from './types.ts';

export { MAX_PROPOSE_ATTEMPTS, SEED_LINES } from './emitter.ts';

function validValue(value: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    refuse({ code: 'bad_request', reason: 'bad_value', message: 'A movie title cannot be empty.' });
  }
}

function run(e: Emitter, command: PaxosCommand): void {
  switch (command.type) {
    case 'newProposal':
      e.alive(command.node);
      validValue(command.value);
      e.emit({
        type: 'proposalStarted',
        node: command.node,
        proposalId: e.state.proposalCounter + 1,
        value: command.value,
        auto: false,
      });
      return;
    case 'promiseRequest':
      e.alive(command.node);
      e.node(command.to, 'receiver');
      e.promiseRequest(command.node, command.to, false);
      return;
    case 'acceptRequest':
      e.alive(command.node);
      e.node(command.to, 'receiver');
      e.acceptRequest(command.node, command.to, false);
      return;
    case 'propose': {
      e.alive(command.node);
      validValue(command.value);
      for (const to of command.to) e.node(to, 'receiver');
      const distinct = new Set(command.to).size;
      const { quorum } = e.state.config;
      if (distinct < quorum) {
        // The seed's `while len(set(nodes)) >= self.quorum` never runs: it prints nothing.
        refuse({
          code: 'bad_request',
          reason: 'too_few_nodes',
          message: `Propose needs at least ${quorum} different nodes (the quorum); got ${distinct}.`,
        });
      }
      e.emit({ type: 'proposeStarted', node: command.node, value: command.value, to: command.to });
      e.startAttempt(command.node);
      e.advanceLoops();
      return;
    }
    case 'deliver':
    case 'drop':
    case 'duplicate': {
      const message = e.inFlight(command.messageId);
      if (command.type === 'drop') {
        e.emit({ type: 'messageDropped', messageId: message.id });
      } else if (command.type === 'duplicate') {
        e.emit({
          type: 'messageDuplicated',
          messageId: message.id,
          copy: { ...message, id: e.state.nextMessageId },
        });
      } else {
        e.deliverHeld(message, command.answer);
      }
      e.advanceLoops();
      return;
    }
    case 'hold':
    case 'release':
    case 'delay':
    case 'partition':
    case 'heal':
    case 'crash':
    case 'recover':
    case 'step':
      runFault(e, command satisfies FaultCommand);
      return;
    default: {
      const never: never = command;
      throw new Error(`unknown command ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Decides what a command does: the events it causes, or why it is refused.
 * Pure: the same state and command always give the same answer, and a refused
 * command changes nothing.
 */
export function decide(state: PaxosState, command: PaxosCommand): Decision {
  const e = new Emitter(state);
  try {
    run(e, command);
  } catch (err) {
    if (err instanceof Refused) return { ok: false, error: err.error };
    throw err;
  }
  return { ok: true, events: e.events };
}
