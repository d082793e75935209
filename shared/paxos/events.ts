import type { Message, Reply, Request } from './types.ts';

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
  | { type: 'duplicate'; messageId: number };

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
  | { type: 'proposeGaveUp'; node: string; attempts: number };

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
    | 'bad_value';
  message: string;
  seedLine?: string;
}

export type Decision = { ok: true; events: PaxosEvent[] } | { ok: false; error: PaxosError };

export function isRequest(m: Message): m is Request {
  return m.kind === 'promiseRequest' || m.kind === 'acceptRequest';
}
