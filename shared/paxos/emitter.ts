import { acceptorAfter, acceptorGrants } from './acceptor.ts';
import type { PaxosEvent } from './events.ts';
import { isRequest } from './events.ts';
import { evolve } from './evolve.ts';
import { currentStep, delayOf, fate, isCrashed, lossOf, networkPolicy } from './network.ts';
import type { NetworkPolicy } from './network.ts';
import { hasPromiseQuorum, promiserAccMax, valueToCarry } from './proposer.ts';
import { refuse } from './refusal.ts';
import type { Message, PaxosState, Reply, Request } from './types.ts';

/*
 * What `decide` does with one command, step by step: the Emitter emits each
 * event and folds it at once, so that the next step sees its effect. The
 * commands themselves are read in decide.ts and decide-faults.ts.
 */

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

/** Collects events and folds each one at once, so later steps see its effect. */
export class Emitter {
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

  /** A node that acts (sends, proposes) must be up: a crashed node sends nothing. */
  alive(name: string): void {
    this.node(name);
    if (isCrashed(this.state, name)) {
      refuse({
        code: 'conflict',
        reason: 'crashed',
        message: `${name} has crashed: a crashed node sends nothing until it recovers.`,
      });
    }
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
    const policy = networkPolicy(this.state);
    const f = fate(policy, message);
    switch (f) {
      case 'deliver':
        return true;
      case 'hold': {
        // It stays in flight until a deliver or step command; a delay says from which step.
        const steps = delayOf(policy, message);
        if (steps !== null) {
          const until = currentStep(this.state) + 1 + steps; // the next step, then `steps` more
          this.emit({ type: 'messageDelayed', messageId: message.id, until });
        }
        return false;
      }
      case 'inbox':
        return false; // it waits for its node's player
      case 'lost':
        this.lose(policy, message);
        return false;
      default: {
        const never: never = f;
        throw new Error(`unknown fate ${JSON.stringify(never)}`);
      }
    }
  }

  /** The network loses `message` to the loss entry of `policy` that matches it. */
  lose(policy: NetworkPolicy, message: Message): void {
    const rule = lossOf(policy, message);
    const crashed = rule?.type === 'crashed' ? message.to : null;
    this.emit({ type: 'messageLost', messageId: message.id, crashed });
  }

  /**
   * Delivers a message in flight (a request is answered, a reply handled),
   * unless a partition or a crash that began while it was in flight loses it.
   */
  deliverHeld(message: Message, answer?: 'grant' | 'reject'): void {
    if (answer && !isRequest(message)) {
      refuse({
        code: 'bad_request',
        reason: 'unknown_message',
        message: `Message ${message.id} is a reply; only requests are answered.`,
      });
    }
    const policy = networkPolicy(this.state);
    if (lossOf(policy, message)) this.lose(policy, message);
    else if (isRequest(message)) this.answer(message.id, answer);
    else this.emit({ type: 'replyDelivered', messageId: message.id });
  }

  /** The message in flight with this id, or a not_found refusal. */
  inFlight(messageId: number): Message {
    const message = this.state.inFlight.find((m) => m.id === messageId);
    if (!message) {
      refuse({
        code: 'not_found',
        reason: 'unknown_message',
        message: `Message ${messageId} is not in flight.`,
      });
    }
    return message;
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
