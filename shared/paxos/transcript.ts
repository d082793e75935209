import type { PaxosEvent } from './events.ts';
import { evolve } from './evolve.ts';
import { list } from './observer.ts';
import type {
  AcceptorState,
  DelayRule,
  Message,
  MessageFilter,
  MessageKind,
  PaxosState,
  Reply,
} from './types.ts';

/*
 * Renders events as the seed notebook prints them, character for character
 * (including its spelling `last_acepted`). Lines that the seed never prints,
 * because its network is instant, start with "~ ": the network's lines appear
 * when messages are held in flight (manual delivery, or from the round's first
 * fault on), and the faults' own lines always (docs/PROTOCOL.md, "Faults").
 */

/** Python's f-string of an optional value: `None` when absent. */
export function py(value: string | number | null | undefined): string {
  return value === null || value === undefined ? 'None' : String(value);
}

const status = (granted: boolean) => (granted ? '[ACC]' : '[REJ]');

function describe(m: Message): string {
  switch (m.kind) {
    case 'promiseRequest':
      return `PROMISE Request(p: ${m.proposalId}) from ${m.from} to ${m.to}`;
    case 'acceptRequest':
      return `ACCEPT Request(p: ${m.proposalId}, val: ${m.value}) from ${m.from} to ${m.to}`;
    case 'promiseReply':
      return `${status(m.granted)} Promise reply from ${m.from} to ${m.to}`;
    case 'acceptReply':
      return `${status(m.granted)} Accept reply from ${m.from} to ${m.to}`;
  }
}

/** The two lines the seed prints when a proposer has handled a reply. */
export function replyLines(reply: Reply, after: PaxosState): string[] {
  const proposer = after.proposers[reply.to]!;
  const quorum = after.config.quorum;
  const stale =
    reply.request.proposalId !== proposer.proposalId
      ? ` (stale: ${reply.to} is now on proposal ${py(proposer.proposalId)}; reply ignored)`
      : '';
  if (reply.kind === 'promiseReply') {
    const req = reply.request;
    const last = reply.accepted
      ? `(val: ${reply.accepted.value}, p: ${reply.accepted.proposalId})`
      : '()';
    return [
      `PROMISE Request from ${req.from}(p: ${req.proposalId}) to ${req.to}(acc_p: ${py(reply.promisedBefore)})`,
      `    > ${status(reply.granted)} Promise(${py(reply.promisedId)}, last_acepted${last}), ` +
        `${req.from}(promisers: ${proposer.promisers.length}, quorum_size: ${quorum}, ` +
        `promiser_acc_max: ${py(proposer.highestAccepted?.value)})${stale}`,
    ];
  }
  const req = reply.request;
  const choice = stale ? null : proposer.acceptors.length >= quorum ? req.value : null;
  return [
    `ACCEPT  Request from ${req.from}(p: ${req.proposalId}, val: ${req.ownValue}, ` +
      `promiser_acc_max: ${py(req.promiserAccMax)}) to ${req.to}(acc_p: ${py(reply.promisedBefore)})`,
    `    > ${status(reply.granted)} Accept(${py(reply.accepted?.proposalId)}, ${py(reply.accepted?.value)}), ` +
      `${req.from}(acceptors: ${proposer.acceptors.length}, quorum_size: ${quorum}, choice: ${py(choice)})${stale}`,
  ];
}

const KIND_WORDS: Record<MessageKind, string> = {
  promiseRequest: 'promise requests',
  acceptRequest: 'accept requests',
  promiseReply: 'promise replies',
  acceptReply: 'accept replies',
};

/** `every message`, `messages to or from Cal`, `accept requests from Amy to Ben`. */
function filterWords(filter: MessageFilter): string {
  const { from, to, node, kind } = filter;
  if (from === undefined && to === undefined && node === undefined && kind === undefined) {
    return 'every message';
  }
  return (
    (kind === undefined ? 'messages' : KIND_WORDS[kind]) +
    (from === undefined ? '' : ` from ${from}`) +
    (to === undefined ? '' : ` to ${to}`) +
    (node === undefined ? '' : ` to or from ${node}`)
  );
}

function memoryWords(a: AcceptorState): string {
  const accepted = a.accepted ? `(${a.accepted.proposalId}, ${a.accepted.value})` : 'None';
  return `promised ${py(a.promisedId)}, accepted ${accepted}`;
}

function delayWords(rule: DelayRule): string {
  const what = filterWords(rule);
  return rule.steps === 0
    ? `~ the network no longer delays ${what}`
    : `~ from now on the network delays ${what} by ${rule.steps} step${rule.steps === 1 ? '' : 's'}`;
}

export interface RenderOptions {
  /**
   * Print "~ " lines for sends, deliveries, drops and duplicates. Default: when
   * delivery is manual or a fault command has been used in the round.
   */
  network?: boolean;
}

/** The printed lines of one event, given the state before and after it. */
export function renderEvent(
  before: PaxosState,
  event: PaxosEvent,
  after: PaxosState,
  options: RenderOptions = {},
): string[] {
  const network =
    options.network ?? (before.config.delivery === 'manual' || before.network !== undefined);
  const find = (id: number) => before.inFlight.find((m) => m.id === id)!;
  switch (event.type) {
    case 'proposalStarted':
      return [
        `${event.node} generated a new proposal id ${event.proposalId} for value : ${event.value}`,
      ];
    case 'proposeStarted':
      return [];
    case 'requestSent':
      return network ? [`~ #${event.message.id} ${describe(event.message)} is in flight`] : [];
    case 'requestDelivered':
      return network
        ? [
            `~ #${event.messageId} delivered to ${event.reply.from}; ` +
              `#${event.reply.id} ${describe(event.reply)} is in flight`,
          ]
        : [];
    case 'replyDelivered':
      return replyLines(find(event.messageId) as Reply, after);
    case 'messageDropped':
      return [`~ #${event.messageId} ${describe(find(event.messageId))} was dropped`];
    case 'messageDuplicated':
      return [
        `~ #${event.messageId} ${describe(find(event.messageId))} was duplicated as #${event.copy.id}`,
      ];
    case 'proposeFailed':
      return [`Unable to reach quorum on ${event.phase === 'promise' ? 'promises' : 'accepts'}`];
    case 'proposeChose':
      return [`${event.node} chose : ${event.value}`];
    case 'proposeGaveUp':
      return [`${event.node} gave up after ${event.attempts} proposals`];
    case 'held':
      return event.rule.messageId !== undefined
        ? [`~ the network holds #${event.rule.messageId}`]
        : [`~ from now on the network holds ${filterWords(event.rule)}`];
    case 'released':
      return [
        `~ the network releases its holds and delays: back to ${before.config.delivery} delivery`,
      ];
    case 'delayed':
      return [delayWords(event.rule)];
    case 'partitioned':
      return [
        `~ the network is partitioned into ${list(event.groups.map((g) => `{${g.join(', ')}}`))}`,
      ];
    case 'healed':
      return ['~ the partition is healed'];
    case 'nodeCrashed':
      return [`~ ${event.node} crashed`];
    case 'nodeRecovered': {
      const memory = memoryWords(before.acceptors[event.node]!);
      return event.memory === 'kept'
        ? [`~ ${event.node} recovered with its disk (${memory})`]
        : [`~ ${event.node} recovered with amnesia: it forgot (${memory})`];
    }
    case 'stepped':
      return [`~ step ${event.step}${event.messageId === null ? ': nothing is due yet' : ''}`];
    case 'messageDelayed':
      return [`~ #${event.messageId} is delayed until step ${event.until}`];
    case 'messageLost': {
      const m = find(event.messageId);
      const why =
        event.crashed !== null
          ? `${event.crashed} has crashed`
          : `${m.from} and ${m.to} are on different sides of the partition`;
      return [`~ #${m.id} ${describe(m)} was lost: ${why}`];
    }
    default: {
      const never: never = event;
      throw new Error(`unknown event ${JSON.stringify(never)}`);
    }
  }
}

/** Folds `events` from `state` and returns every printed line. */
export function renderTranscript(
  state: PaxosState,
  events: readonly PaxosEvent[],
  options: RenderOptions = {},
): string[] {
  const lines: string[] = [];
  let s = state;
  for (const event of events) {
    const next = evolve(s, event);
    lines.push(...renderEvent(s, event, next, options));
    s = next;
  }
  return lines;
}
