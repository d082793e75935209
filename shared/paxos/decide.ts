import { acceptorAfter, acceptorGrants } from './acceptor.ts';
import type { Decision, PaxosCommand, PaxosError, PaxosEvent } from './events.ts';
import { isRequest } from './events.ts';
import { evolve } from './evolve.ts';
import { fate, networkPolicy } from './network.ts';
import { hasPromiseQuorum, promiserAccMax, valueToCarry } from './proposer.ts';
import type { Message, PaxosState, Reply, Request } from './types.ts';

/**
 * The seed's `propose` retries for ever; ours stops after this many proposals
 * in one loop. With the seed's rules and instant delivery the first attempt
 * always succeeds, so the cap only matters once messages can be lost.
 */
export const MAX_PROPOSE_ATTEMPTS = 20;

export const SEED_LINES = {
  noProposal: 'Proposal not initiated, Cannot send promise request',
  noPromiseQuorum: 'No promise quorum - cannot send accept request',
} as const;

type Unsent<R> = R extends Request ? Omit<R, 'id'> : never;

class Refused extends Error {
  constructor(readonly error: PaxosError) {
    super(error.message);
  }
}

function refuse(error: PaxosError): never {
  throw new Refused(error);
}

/** Collects events and folds each one at once, so later steps see its effect. */
class Emitter {
  readonly events: PaxosEvent[] = [];
  constructor(public state: PaxosState) {}

  emit(event: PaxosEvent): void {
    this.events.push(event);
    this.state = evolve(this.state, event);
  }

  node(name: string, role = 'node'): void {
    if (!this.state.config.nodes.includes(name)) {
      refuse({
        code: 'not_found',
        reason: 'unknown_node',
        message: `There is no ${role} called "${name}" in this round (nodes: ${this.state.config.nodes.join(', ')}).`,
      });
    }
  }

  proposer(name: string) {
    this.node(name);
    return this.state.proposers[name]!;
  }

  /** Sends a request; the network decides whether it is answered at once (see network.ts). */
  send(request: Unsent<Request>, auto: boolean): void {
    const id = this.state.nextMessageId;
    // Field by field, not `{ ...request, id }`: on Node 20 every object made by a spread
    // plus a new key gets a hidden class of its own, and a fold over thousands of such
    // messages runs megamorphic (3x slower, see bench/engine.ts). Same keys, same order.
    const { from, to, proposalId } = request;
    const message: Request =
      request.kind === 'promiseRequest'
        ? { kind: request.kind, from, to, proposalId, id }
        : {
            kind: request.kind,
            from,
            to,
            proposalId,
            value: request.value,
            ownValue: request.ownValue,
            promiserAccMax: request.promiserAccMax,
            id,
          };
    this.emit({ type: 'requestSent', message, auto });
    if (this.arrivesNow(message)) this.answer(message.id);
  }

  /** Delivers a request; its reply travels as the network decides. */
  answer(messageId: number, answer?: 'grant' | 'reject'): void {
    const reply = this.deliverRequest(messageId, answer);
    if (this.arrivesNow(reply)) this.emit({ type: 'replyDelivered', messageId: reply.id });
  }

  /** Asks the network about a message that just entered flight: true if it is delivered at once. */
  arrivesNow(message: Message): boolean {
    const f = fate(networkPolicy(this.state), message);
    switch (f) {
      case 'deliver':
        return true;
      case 'hold':
      case 'inbox':
        return false; // it stays in flight until a deliver command (a person, a bot, the host)
      default: {
        const never: never = f;
        throw new Error(`unknown fate ${JSON.stringify(never)}`);
      }
    }
  }

  /** The receiver answers a request: by the acceptor's rule, or as a human said. */
  deliverRequest(messageId: number, answer?: 'grant' | 'reject'): Reply {
    const request = this.state.inFlight.find((m) => m.id === messageId);
    if (!request || !isRequest(request)) throw new Error(`no request ${messageId} in flight`);
    const before = this.state.acceptors[request.to]!;
    const granted = answer ? answer === 'grant' : acceptorGrants(before, request.proposalId);
    const after = acceptorAfter(before, request, granted);
    const id = this.state.nextMessageId;
    const { to: from, from: to } = request;
    const promisedBefore = before.promisedId;
    // Literals, not `{ ...base, kind, ... }`: see `send`.
    const reply: Reply =
      request.kind === 'promiseRequest'
        ? {
            id,
            from,
            to,
            granted,
            promisedBefore,
            kind: 'promiseReply',
            request,
            promisedId: after.promisedId,
            accepted: after.accepted,
          }
        : {
            id,
            from,
            to,
            granted,
            promisedBefore,
            kind: 'acceptReply',
            request,
            accepted: after.accepted,
          };
    this.emit({ type: 'requestDelivered', messageId, reply });
    return reply;
  }

  startAttempt(node: string): void {
    const loop = this.state.proposers[node]!.propose!;
    this.emit({
      type: 'proposalStarted',
      node,
      proposalId: this.state.proposalCounter + 1,
      value: loop.value,
      auto: true,
    });
    for (const to of loop.targets) this.promiseRequest(node, to, true);
  }

  promiseRequest(node: string, to: string, auto: boolean): void {
    const proposalId = this.state.proposers[node]!.proposalId;
    if (proposalId === null) {
      refuse({
        code: 'conflict',
        reason: 'no_proposal',
        message: `${node} has no proposal yet: start a new proposal before asking for promises.`,
        seedLine: SEED_LINES.noProposal,
      });
    }
    this.send({ kind: 'promiseRequest', from: node, to, proposalId }, auto);
  }

  acceptRequest(node: string, to: string, auto: boolean): void {
    const proposer = this.state.proposers[node]!;
    const { config } = this.state;
    if (!hasPromiseQuorum(proposer, config)) {
      refuse({
        code: 'conflict',
        reason: 'no_promise_quorum',
        message:
          proposer.proposalId === null
            ? `${node} has no proposal yet, so it cannot send accept requests.`
            : `${node} has ${proposer.promisers.length} of the ${config.quorum} promises it needs before it can send accept requests.`,
        seedLine: SEED_LINES.noPromiseQuorum,
      });
    }
    this.send(
      {
        kind: 'acceptRequest',
        from: node,
        to,
        proposalId: proposer.proposalId!,
        value: valueToCarry(proposer, config),
        ownValue: proposer.value!,
        promiserAccMax: promiserAccMax(proposer),
      },
      auto,
    );
  }

  /**
   * Moves every propose loop whose phase is complete (nothing awaited) to its
   * next step, as the seed's `while` loop does after each `for` loop.
   */
  advanceLoops(): void {
    for (const node of this.state.config.nodes) {
      for (;;) {
        const proposer = this.state.proposers[node]!;
        const loop = proposer.propose;
        if (!loop || loop.awaiting.length > 0) break;
        const { quorum } = this.state.config;
        if (loop.phase === 'promise' && proposer.promisers.length >= quorum) {
          // With instant delivery the replies are already in, so the loop goes round again.
          for (const to of loop.targets) this.acceptRequest(node, to, true);
          continue;
        }
        if (loop.phase === 'accept' && proposer.acceptors.length >= quorum) {
          this.emit({ type: 'proposeChose', node, value: proposer.acceptors[0]!.accepted.value });
          break;
        }
        this.emit({ type: 'proposeFailed', node, phase: loop.phase });
        if (loop.attempts >= MAX_PROPOSE_ATTEMPTS) {
          this.emit({ type: 'proposeGaveUp', node, attempts: loop.attempts });
          break;
        }
        this.startAttempt(node);
      }
    }
  }
}

function validValue(value: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    refuse({ code: 'bad_request', reason: 'bad_value', message: 'A movie title cannot be empty.' });
  }
}

function run(e: Emitter, command: PaxosCommand): void {
  switch (command.type) {
    case 'newProposal':
      e.node(command.node);
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
      e.node(command.node);
      e.node(command.to, 'receiver');
      e.promiseRequest(command.node, command.to, false);
      return;
    case 'acceptRequest':
      e.node(command.node);
      e.node(command.to, 'receiver');
      e.acceptRequest(command.node, command.to, false);
      return;
    case 'propose': {
      e.node(command.node);
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
      const message = e.state.inFlight.find((m) => m.id === command.messageId);
      if (!message) {
        refuse({
          code: 'not_found',
          reason: 'unknown_message',
          message: `Message ${command.messageId} is not in flight.`,
        });
      }
      if (command.type === 'drop') {
        e.emit({ type: 'messageDropped', messageId: message.id });
      } else if (command.type === 'duplicate') {
        e.emit({
          type: 'messageDuplicated',
          messageId: message.id,
          copy: { ...message, id: e.state.nextMessageId },
        });
      } else if (isRequest(message)) {
        e.answer(message.id, command.answer);
      } else {
        if (command.answer) {
          refuse({
            code: 'bad_request',
            reason: 'unknown_message',
            message: `Message ${message.id} is a reply; only requests are answered.`,
          });
        }
        e.emit({ type: 'replyDelivered', messageId: message.id });
      }
      e.advanceLoops();
      return;
    }
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
