import type { DelayRule, Message, MessageFilter, Reply, Request } from './types.ts';

/** How a node recovers: with its disk (promise and accepted kept) or with amnesia. */
export const MEMORY = ['kept', 'lost'] as const;
export type Memory = (typeof MEMORY)[number];

/**
 * Commands ask; events record what happened. `decide(state, command)` turns a
 * command into events (or a typed error), `evolve(state, event)` folds one event.
 */
export type PaxosCommand =
  /** `amy.init_new_proposal("Openhimer")` */
  | { type: 'newProposal'; node: string; value: string }
  /** `amy.promise_request(ben)` */
  | { type: 'promiseRequest'; node: string; to: string }
  /** `amy.accept_request(ben)` */
  | { type: 'acceptRequest'; node: string; to: string }
  /** `eva.propose("Barbie", cal, dan, eva)`; `to` may repeat a node, as in Python. */
  | { type: 'propose'; node: string; value: string; to: string[] }
  /** Network control (manual delivery): deliver a message in flight to its receiver. */
  | { type: 'deliver'; messageId: number; answer?: 'grant' | 'reject' }
  | { type: 'drop'; messageId: number }
  | { type: 'duplicate'; messageId: number }
  /**
   * The host's faults (network.ts). `hold`: from now on, messages matching the
   * filter stay in flight (no field: every message), e.g. `{ type: 'hold', node: 'Cal' }`.
   */
  | ({ type: 'hold' } & MessageFilter)
  /** Back to the round's delivery policy: the host's holds and delays end; nothing is delivered. */
  | { type: 'release' }
  /** From now on, matching messages wait `steps` steps before `step` delivers them (0: no longer). */
  | ({ type: 'delay' } & DelayRule)
  /** A message between two groups is lost; nodes in no group form one more group. */
  | { type: 'partition'; groups: string[][] }
  | { type: 'heal' }
  /** The node answers nothing and sends nothing; messages to it are lost. */
  | { type: 'crash'; node: string }
  | { type: 'recover'; node: string; memory: Memory }
  /**
   * One step of the network's clock: delivers the oldest due message in flight
   * (or `messageId`), outside players' inboxes. A server timer issues these to auto-play.
   */
  | { type: 'step'; messageId?: number };

export type PaxosCommandType = PaxosCommand['type'];

export type PaxosEvent =
  /** `Amy generated a new proposal id 1 for value : Openhimer`. `auto`: started by a propose loop. */
  | { type: 'proposalStarted'; node: string; proposalId: number; value: string; auto: boolean }
  /** A propose loop begins (the seed's `propose`): prints nothing. */
  | { type: 'proposeStarted'; node: string; value: string; to: string[] }
  | { type: 'requestSent'; message: Request; auto: boolean }
  /** The receiver handled a request; its reply is now in flight. */
  | { type: 'requestDelivered'; messageId: number; reply: Reply }
  /** The proposer handled a reply. Prints the seed's two lines. */
  | { type: 'replyDelivered'; messageId: number }
  | { type: 'messageDropped'; messageId: number }
  | { type: 'messageDuplicated'; messageId: number; copy: Message }
  /** `Unable to reach quorum on promises` / `... on accepts`; the loop retries. */
  | { type: 'proposeFailed'; node: string; phase: 'promise' | 'accept' }
  /** `Amy chose : Openhimer`: the propose loop ends. */
  | { type: 'proposeChose'; node: string; value: string }
  /** The loop stopped retrying (only reachable when the seed itself would loop forever). */
  | { type: 'proposeGaveUp'; node: string; attempts: number }
  /** The host's faults, one event each (their lines: docs/PROTOCOL.md, "Faults"). */
  | { type: 'held'; rule: MessageFilter }
  | { type: 'released' }
  | { type: 'delayed'; rule: DelayRule }
  | { type: 'partitioned'; groups: string[][] }
  | { type: 'healed' }
  | { type: 'nodeCrashed'; node: string }
  | { type: 'nodeRecovered'; node: string; memory: Memory }
  /** The network's clock reached `step`; `messageId` is the message this step delivers next, if any. */
  | { type: 'stepped'; step: number; messageId: number | null }
  /** A message that just entered flight may not be stepped before step `until`. */
  | { type: 'messageDelayed'; messageId: number; until: number }
  /** The network lost a message: to `crashed` (a crashed receiver) or, when null, to the partition. */
  | { type: 'messageLost'; messageId: number; crashed: string | null };

export type PaxosEventType = PaxosEvent['type'];

/**
 * Why a command was refused. `seedLine` is what the seed notebook prints in
 * that situation (some refusals it answers with a line, some with silence).
 */
export interface PaxosError {
  code: 'not_found' | 'conflict' | 'bad_request';
  reason:
    | 'unknown_node'
    | 'unknown_message'
    | 'no_proposal'
    | 'no_promise_quorum'
    | 'too_few_nodes'
    | 'not_manual'
    | 'bad_value'
    | 'crashed'
    | 'not_crashed'
    | 'bad_partition'
    | 'not_partitioned'
    | 'nothing_held'
    | 'nothing_in_flight'
    | 'in_inbox';
  message: string;
  seedLine?: string;
}

export type Decision = { ok: true; events: PaxosEvent[] } | { ok: false; error: PaxosError };

export function isRequest(m: Message): m is Request {
  return m.kind === 'promiseRequest' || m.kind === 'acceptRequest';
}
