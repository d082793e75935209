import type { Memory, Message, PaxosCommand, PaxosState } from './paxos/index.ts';

/*
 * A scenario step as the engine's command (shared/scenario.ts parses the file). Apart from
 * the parser so that it has no zod in it: the room engine plays guided demos with it.
 */

/** Which message a deliver, drop or duplicate step acts on: its id, or the oldest matching one. */
export type Pick = { message?: number; to?: string; from?: string; kind?: Message['kind'] };
export const PICK_FIELDS = ['to', 'from', 'kind'] as const;

/** Which messages a hold or a delay matches; none: every message. */
type Filter = { from?: string; to?: string; node?: string; kind?: Message['kind'] };

/**
 * A step that is a call (not `say`, not `ask`), as shared/scenario.ts parses it. Written out
 * here rather than imported, so that this file does not import the parser (no import circle);
 * scenario.ts checks at compile time that its parsed steps are these.
 */
export type CallStep =
  | { node: string; do: 'newProposal'; value: string }
  | { node: string; do: 'promiseRequest' | 'acceptRequest'; to: string }
  | { node: string; do: 'propose'; value: string; to: string[] }
  | ({ do: 'deliver'; answer?: 'grant' | 'reject' | undefined } & Pick)
  | ({ do: 'drop' | 'duplicate' } & Pick)
  | ({ do: 'hold'; message?: number | undefined } & Filter)
  | { do: 'release' | 'heal' }
  | { do: 'partition'; groups: string[][] }
  | { do: 'crash'; node: string }
  | { do: 'recover'; node: string; memory: Memory }
  | ({ do: 'delay'; steps: number } & Filter)
  | { do: 'step'; message?: number | undefined };

/** The message a step picks: by id, or the oldest in flight matching its fields (a problem if none). */
function picked(state: PaxosState, p: Pick): number {
  if (p.message !== undefined) return p.message;
  const found = state.inFlight.find(
    (m) =>
      (p.to === undefined || m.to === p.to) &&
      (p.from === undefined || m.from === p.from) &&
      (p.kind === undefined || m.kind === p.kind),
  );
  if (!found) {
    const fields = PICK_FIELDS.filter((f) => p[f] !== undefined)
      .map((f) => `${f} "${p[f]!}"`)
      .join(' and ');
    throw new Error(`no message in flight matches ${fields}`);
  }
  return found.id;
}

/** The engine command a (non-`say`) step gives in `state`; throws when a pick matches nothing. */
export function toCommand(state: PaxosState, step: CallStep): PaxosCommand {
  switch (step.do) {
    case 'newProposal':
      return { type: step.do, node: step.node, value: step.value };
    case 'promiseRequest':
    case 'acceptRequest':
      return { type: step.do, node: step.node, to: step.to };
    case 'propose':
      return { type: step.do, node: step.node, value: step.value, to: step.to };
    case 'deliver':
      return { type: 'deliver', messageId: picked(state, step), answer: step.answer };
    case 'drop':
    case 'duplicate':
      return { type: step.do, messageId: picked(state, step) };
    case 'hold': {
      const { from, to, node, kind, message } = step;
      return { type: 'hold', from, to, node, kind, messageId: message };
    }
    case 'delay': {
      const { from, to, node, kind, steps } = step;
      return { type: 'delay', from, to, node, kind, steps };
    }
    case 'step':
      return step.message === undefined
        ? { type: 'step' }
        : { type: 'step', messageId: step.message };
    case 'release':
    case 'heal':
      return { type: step.do };
    case 'partition':
      return { type: 'partition', groups: step.groups };
    case 'crash':
      return { type: 'crash', node: step.node };
    case 'recover':
      return { type: 'recover', node: step.node, memory: step.memory };
  }
}
