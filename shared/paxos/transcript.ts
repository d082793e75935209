import type { PaxosEvent } from './events.ts';
import { evolve } from './evolve.ts';
import type { Message, PaxosState, Reply } from './types.ts';

/*
 * Renders events as the seed notebook prints them, character for character
 * (including its spelling `last_acepted`). Lines that the seed never prints,
 * because its network is instant, start with "~ " and appear only when
 * messages are held in flight.
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

export interface RenderOptions {
  /** Print "~ " lines for sends, deliveries, drops and duplicates. Default: when delivery is manual. */
  network?: boolean;
}

/** The printed lines of one event, given the state before and after it. */
export function renderEvent(
  before: PaxosState,
  event: PaxosEvent,
  after: PaxosState,
  options: RenderOptions = {},
): string[] {
  const network = options.network ?? before.config.delivery === 'manual';
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
