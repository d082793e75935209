import { z } from 'zod';
import type { FindingKind, PaxosCommand, PaxosState } from './paxos/index.ts';
import {
  DELIVERY,
  MEMORY,
  MESSAGE_KINDS,
  VALUE_RULES,
  checkInvariants,
  decide,
  evolve,
  initialPaxosState,
  renderEvent,
} from './paxos/index.ts';
import { NODE_NAME_MAX } from './names.ts';
import type { CallStep, Pick } from './scenario-command.ts';
import { PICK_FIELDS, toCommand } from './scenario-command.ts';

// The step → command code has no zod in it (the browser's room engine plays demos with it).
export { toCommand } from './scenario-command.ts';

/*
 * Scenario files: the public JSON format instructors write (docs/SCENARIOS.md).
 * A scenario is a list of steps, each a seed notebook call or a `print`.
 */

/**
 * Names that would collide with JavaScript's object machinery when used as
 * keys of a plain record. Node names are keys of the engine's state records.
 */
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

const name = z
  .string()
  .min(1)
  .max(NODE_NAME_MAX)
  .refine((n) => !RESERVED_NAMES.has(n), 'is a reserved word');
const value = z.string().min(1);
const messageId = z.number().int().positive();
const pick = {
  message: messageId.optional(),
  to: name.optional(),
  from: name.optional(),
  kind: z.enum(MESSAGE_KINDS).optional(),
};

/** Which messages a hold or a delay matches (shared/paxos MessageFilter); none: every message. */
const filter = {
  from: name.optional(),
  to: name.optional(),
  node: name.optional(),
  kind: z.enum(MESSAGE_KINDS).optional(),
};

const STEP_SCHEMAS = {
  newProposal: z.strictObject({ node: name, do: z.literal('newProposal'), value }),
  promiseRequest: z.strictObject({ node: name, do: z.literal('promiseRequest'), to: name }),
  acceptRequest: z.strictObject({ node: name, do: z.literal('acceptRequest'), to: name }),
  propose: z.strictObject({
    node: name,
    do: z.literal('propose'),
    value,
    to: z.array(name).min(1),
  }),
  deliver: z.strictObject({
    do: z.literal('deliver'),
    ...pick,
    answer: z.enum(['grant', 'reject']).optional(),
  }),
  drop: z.strictObject({ do: z.literal('drop'), ...pick }),
  duplicate: z.strictObject({ do: z.literal('duplicate'), ...pick }),
  hold: z.strictObject({ do: z.literal('hold'), ...filter, message: messageId.optional() }),
  release: z.strictObject({ do: z.literal('release') }),
  partition: z.strictObject({
    do: z.literal('partition'),
    groups: z.array(z.array(name).min(1)).min(1),
  }),
  heal: z.strictObject({ do: z.literal('heal') }),
  crash: z.strictObject({ do: z.literal('crash'), node: name }),
  recover: z.strictObject({ do: z.literal('recover'), node: name, memory: z.enum(MEMORY) }),
  // A room's delays and its network clock (saved rounds: shared/room/to-scenario.ts).
  delay: z.strictObject({ do: z.literal('delay'), steps: z.number().int().min(0), ...filter }),
  step: z.strictObject({ do: z.literal('step'), message: messageId.optional() }),
} as const;

const sayStep = z.strictObject({ say: z.string() });

/**
 * Predict, then reveal (a guided demo in a room): a question every player answers before the
 * next step. `answer`, if given, is one of the choices. The CLI prints nothing for it.
 */
const askStep = z
  .strictObject({
    ask: z.string().min(1).max(300),
    choices: z.array(z.string().min(1).max(60)).min(2).max(6),
    answer: z.string().optional(),
  })
  .refine((a) => new Set(a.choices).size === a.choices.length, {
    message: 'the choices must differ',
    path: ['choices'],
  })
  .refine((a) => a.answer === undefined || a.choices.includes(a.answer), {
    message: 'must be one of the choices',
    path: ['answer'],
  });

export type AskStep = z.infer<typeof askStep>;

export type ScenarioStep =
  z.infer<(typeof STEP_SCHEMAS)[keyof typeof STEP_SCHEMAS]> | z.infer<typeof sayStep>;

/** The parsed calls are the steps scenario-command.ts plays (a compile-time check). */
type ParsedCalls = Exclude<ScenarioStep, { say: string }>;
export const CALLS_ARE_PLAYABLE: ParsedCalls extends CallStep ? true : never = true;

const header = z.strictObject({
  title: z.string().max(200).optional(),
  description: z.string().max(2000).optional(),
  quorum: z.number().int().positive(),
  nodes: z.array(name).min(1).max(26),
  delivery: z.enum(DELIVERY).default('instant'),
  valueRule: z.enum(VALUE_RULES).default('seed'),
  /** "Be the acceptor": requests to these nodes wait in flight until a `deliver` step answers them. */
  inbox: z.array(name).optional(),
  steps: z.array(z.unknown()),
});

/** A step of a scenario file: a notebook call, a network or fault step, a `say` or an `ask`. */
export type ScriptStep = ScenarioStep | AskStep;

export interface Scenario extends Omit<z.infer<typeof header>, 'steps'> {
  steps: ScriptStep[];
}

export class ScenarioError extends Error {
  /** `step` is 1-based; absent when the problem is in the file's header. */
  constructor(
    message: string,
    readonly step?: number,
  ) {
    super(step === undefined ? message : `step ${step}: ${message}`);
  }
}

/**
 * The problem to report: an unknown key first (a misspelt key is usually why a
 * required one is missing: `vlaue` explains the missing `value`), else zod's first.
 */
function mainIssue(error: z.ZodError): string {
  const issue = error.issues.find((i) => i.code === 'unrecognized_keys') ?? error.issues[0]!;
  const where = issue.path.length ? `"${issue.path.join('.')}" ` : '';
  if (issue.code === 'unrecognized_keys') {
    // zod says `Unrecognized key: "vlaue"`; a scenario's author reads `unrecognized key "vlaue"`.
    const keys = issue.keys.map((k) => JSON.stringify(k)).join(', ');
    return `${where}unrecognized key${issue.keys.length > 1 ? 's' : ''} ${keys}`;
  }
  return `${where}${issue.message}`;
}

/** Parses an already-JSON-decoded scenario, or throws a ScenarioError naming the step. */
export function parseScenario(input: unknown): Scenario {
  const head = header.safeParse(input);
  if (!head.success) throw new ScenarioError(mainIssue(head.error));
  const { nodes } = head.data;
  const dup = nodes.find((n, i) => nodes.indexOf(n) !== i);
  if (dup) throw new ScenarioError(`node "${dup}" is listed twice`);
  const outside = head.data.inbox?.find((n) => !nodes.includes(n));
  if (outside !== undefined) {
    throw new ScenarioError(`"inbox": unknown node "${outside}" (nodes: ${nodes.join(', ')})`);
  }
  // A quorum above the number of nodes is allowed, as in the notebook: nothing can be chosen.
  const steps = head.data.steps.map((raw, i): ScriptStep => {
    const n = i + 1;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new ScenarioError('a step must be an object', n);
    }
    if ('say' in raw) {
      const say = sayStep.safeParse(raw);
      if (!say.success) throw new ScenarioError(mainIssue(say.error), n);
      return say.data;
    }
    if ('ask' in raw) {
      const ask = askStep.safeParse(raw);
      if (!ask.success) throw new ScenarioError(mainIssue(ask.error), n);
      return ask.data;
    }
    const kind = (raw as { do?: unknown }).do;
    if (typeof kind !== 'string' || !Object.hasOwn(STEP_SCHEMAS, kind)) {
      throw new ScenarioError(
        `unknown step ${JSON.stringify(kind ?? null)} (expected "say" or "do": ${Object.keys(STEP_SCHEMAS).join(', ')})`,
        n,
      );
    }
    const parsed = STEP_SCHEMAS[kind as keyof typeof STEP_SCHEMAS].safeParse(raw);
    if (!parsed.success) throw new ScenarioError(mainIssue(parsed.error), n);
    const step = parsed.data;
    if (
      (step.do !== 'hold' && 'message' in step) ||
      step.do === 'deliver' ||
      step.do === 'drop' ||
      step.do === 'duplicate'
    ) {
      const p = step as Pick;
      const fields = PICK_FIELDS.filter((f) => p[f] !== undefined);
      if (p.message === undefined && fields.length === 0) {
        throw new ScenarioError(
          'say which message: "message", or at least one of "to", "from", "kind"',
          n,
        );
      }
      if (p.message !== undefined && fields.length > 0) {
        throw new ScenarioError(`give either "message" or "to", "from", "kind", not both`, n);
      }
    }
    const named = [
      'node' in step ? step.node : undefined,
      ...('to' in step ? [step.to].flat() : []),
      'from' in step ? step.from : undefined,
      ...('groups' in step ? step.groups.flat() : []),
    ];
    const unknown = named.find((x) => x !== undefined && !nodes.includes(x));
    if (unknown !== undefined) {
      throw new ScenarioError(`unknown node "${unknown}" (nodes: ${nodes.join(', ')})`, n);
    }
    return step;
  });
  return { ...head.data, steps };
}

export interface ScenarioRun {
  /** Everything the seed notebook would print, `print` by `print`. */
  transcript: string;
  state: PaxosState;
}

/**
 * Plays a scenario from a fresh proposal counter. A refusal the seed answers
 * with a printed line prints that line; one it answers with silence (propose
 * to fewer nodes than the quorum) prints nothing; any other refusal is an
 * error in the scenario.
 */
export function runScenario(scenario: Scenario): ScenarioRun {
  let state = initialPaxosState({
    nodes: scenario.nodes,
    quorum: scenario.quorum,
    delivery: scenario.delivery,
    valueRule: scenario.valueRule,
    ...(scenario.inbox ? { inbox: scenario.inbox } : {}),
  });
  let transcript = '';
  scenario.steps.forEach((step, i) => {
    if ('say' in step) {
      transcript += `${step.say}\n`;
      return;
    }
    // A question for the room (guided demos): the notebook prints nothing for it.
    if ('ask' in step) return;
    let command: PaxosCommand;
    try {
      command = toCommand(state, step);
    } catch (err) {
      throw new ScenarioError((err as Error).message, i + 1);
    }
    const decision = decide(state, command);
    if (!decision.ok) {
      const { error } = decision;
      if (error.seedLine !== undefined) transcript += `${error.seedLine}\n`;
      else if (error.reason !== 'too_few_nodes') throw new ScenarioError(error.message, i + 1);
      return;
    }
    for (const event of decision.events) {
      const next = evolve(state, event);
      for (const line of renderEvent(state, event, next)) transcript += `${line}\n`;
      state = next;
    }
  });
  return { transcript, state };
}

/** What `--json` prints: the transcript, the distinct chosen values in the order chosen, the findings. */
export interface ScenarioReport {
  transcript: string;
  chosen: string[];
  findings: { kind: FindingKind; explanation: string }[];
}

export function scenarioReport(run: ScenarioRun): ScenarioReport {
  return {
    transcript: run.transcript,
    chosen: [...new Set(run.state.chosen.map((c) => c.value))],
    findings: checkInvariants(run.state).map(({ kind, explanation }) => ({ kind, explanation })),
  };
}
