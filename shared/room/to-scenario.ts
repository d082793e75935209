import type { PaxosConfig, PaxosEvent, PaxosState } from '../paxos/index.ts';
import { decide, evolve, initialPaxosState } from '../paxos/index.ts';
import type { AskStep, Scenario, ScenarioStep, ScriptStep } from '../scenario.ts';
import { toCommand } from '../scenario.ts';
import type { Envelope } from './types.ts';

/*
 * "Save as scenario": a round played in a room as a scenario file
 * (docs/SCENARIOS.md) that replays it exactly. The file has the round's own
 * network (delivery, value rule, quorum, nodes, the players' inboxes) and one
 * step per command that moved the round: every request, delivery (with the
 * `answer` when a player-acceptor's answer decided it), drop, duplicate, hold,
 * release, delay, step, partition, heal, crash and recover, and the host's
 * notes as `say`. Its engine events are the round's, event for event, so
 * `runScenario` prints the round's lines of the room's transcript (less the
 * room's own: the round header and the wrong answers of players).
 *
 * The log holds events, not commands: each step is found by replaying. The
 * first event of the round not yet replayed names the command that caused it
 * (a `requestSent` that no loop sent is a promise or accept request, a
 * `replyDelivered` a delivery…); the step is decided by the same engine, and
 * the events it gives must be the log's next ones, or the save fails loudly.
 */

/** A scenario file as saved: what `parseScenario` reads back. */
export type SavedScenario = Omit<Scenario, 'steps'> & { steps: ScriptStep[] };

export class SaveError extends Error {}

type Command = Exclude<ScenarioStep, { say: string }>;

/** JSON with object keys sorted: two events are the same when these are. */
function canon(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>)
            .filter(([, x]) => x !== undefined)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/** Only the given fields (a step has no `undefined` keys: it is written to a file). */
function defined<T extends object>(step: T): T {
  return Object.fromEntries(Object.entries(step).filter(([, v]) => v !== undefined)) as T;
}

/** The steps that could have caused `event` as their first event, likeliest first. */
function candidates(event: PaxosEvent): Command[] {
  switch (event.type) {
    case 'proposalStarted':
      return event.auto ? [] : [{ node: event.node, do: 'newProposal', value: event.value }];
    case 'proposeStarted':
      return [{ node: event.node, do: 'propose', value: event.value, to: [...event.to] }];
    case 'requestSent': {
      if (event.auto) return [];
      const { kind, from, to } = event.message;
      return [{ node: from, do: kind, to }];
    }
    case 'requestDelivered':
      return [
        { do: 'deliver', message: event.messageId },
        {
          do: 'deliver',
          message: event.messageId,
          answer: event.reply.granted ? 'grant' : 'reject',
        },
      ];
    case 'replyDelivered':
    case 'messageLost':
      return [{ do: 'deliver', message: event.messageId }];
    case 'messageDropped':
      return [{ do: 'drop', message: event.messageId }];
    case 'messageDuplicated':
      return [{ do: 'duplicate', message: event.messageId }];
    case 'held': {
      const { messageId, ...rest } = event.rule;
      return [defined({ do: 'hold' as const, ...rest, message: messageId })];
    }
    case 'released':
      return [{ do: 'release' }];
    case 'delayed':
      return [defined({ do: 'delay' as const, ...event.rule })];
    case 'partitioned':
      return [{ do: 'partition', groups: event.groups.map((g) => [...g]) }];
    case 'healed':
      return [{ do: 'heal' }];
    case 'nodeCrashed':
      return [{ do: 'crash', node: event.node }];
    case 'nodeRecovered':
      return [{ do: 'recover', node: event.node, memory: event.memory }];
    case 'stepped':
      return event.messageId === null
        ? [{ do: 'step' }]
        : [{ do: 'step' }, { do: 'step', message: event.messageId }];
    // Only ever the consequence of another command's events.
    case 'proposeFailed':
    case 'proposeChose':
    case 'proposeGaveUp':
    case 'messageDelayed':
      return [];
  }
}

type Item =
  | { seq: number; event: PaxosEvent }
  | { seq: number; say: string }
  /** A guided demo's question (the round was a demo loaded with `host:loadScenario`). */
  | { seq: number; ask: AskStep };

/** The round's engine events and the host's notes, from its `roundStarted` to the next one. */
function roundItems(
  log: readonly Envelope[],
  number: number,
): { config: PaxosConfig; items: Item[]; code: string; title?: string } | null {
  let code = '';
  let title: string | undefined;
  let config: PaxosConfig | null = null;
  const items: Item[] = [];
  for (const { seq, event } of log) {
    if (event.type === 'roomCreated') code = event.code;
    else if (event.type === 'roomRenamed' && config === null) title = event.title;
    else if (event.type === 'roundStarted') {
      if (config !== null) break;
      if (event.number === number) config = event.config;
    } else if (config !== null) {
      if (event.type === 'paxos') items.push({ seq, event: event.event });
      else if (event.type === 'note') items.push({ seq, say: event.text });
      else if (event.type === 'demoStepped' && event.ask) {
        const { question, choices } = event.ask;
        items.push({ seq, ask: { ask: question, choices: [...choices] } });
      } else if (event.type === 'demoRevealed' && event.answer !== null) {
        const asked = [...items].reverse().find((i) => 'ask' in i);
        if (asked && 'ask' in asked) asked.ask.answer = event.answer;
      }
    }
  }
  return config === null ? null : { config, items, code, title };
}

/** The step that replays the log from `items[i]`, and how many of its events it covers. */
function nextStep(state: PaxosState, items: readonly Item[], i: number): [Command, PaxosEvent[]] {
  const first = items[i] as { seq: number; event: PaxosEvent };
  for (const step of candidates(first.event)) {
    let decision;
    try {
      decision = decide(state, toCommand(state, step));
    } catch {
      continue;
    }
    if (!decision.ok) continue;
    const same = decision.events.every((e, k) => {
      const item = items[i + k];
      return item !== undefined && 'event' in item && canon(item.event) === canon(e);
    });
    if (same) return [step, decision.events];
  }
  throw new SaveError(
    `The round cannot be saved as a scenario: no step replays event ${first.seq} (${first.event.type}).`,
  );
}

/**
 * Round `number` of a room's log as a scenario file, or null when the log has
 * no such round. Throws a SaveError if the log cannot be replayed (a log the
 * engine did not write).
 */
export function roundScenario(log: readonly Envelope[], number: number): SavedScenario | null {
  const found = roundItems(log, number);
  if (!found) return null;
  const { config, items, code, title } = found;
  let state = initialPaxosState(structuredClone(config));
  const steps: ScriptStep[] = [];
  for (let i = 0; i < items.length;) {
    const item = items[i]!;
    if ('say' in item || 'ask' in item) {
      steps.push('say' in item ? { say: item.say } : item.ask);
      i++;
      continue;
    }
    const [step, events] = nextStep(state, items, i);
    for (const e of events) state = evolve(state, e);
    steps.push(step);
    i += events.length;
  }
  const name = title ? `${title} (room ${code})` : `Room ${code}`;
  return {
    title: `${name.slice(0, 180)}, round ${number}`,
    description: `Saved from room ${code}: round ${number} as it was played, step by step.`,
    quorum: config.quorum,
    nodes: [...config.nodes],
    delivery: config.delivery,
    valueRule: config.valueRule,
    ...(config.inbox && config.inbox.length > 0 ? { inbox: [...config.inbox] } : {}),
    steps,
  };
}

/** The round numbers a log has, in order. */
export function roundNumbers(log: readonly Envelope[]): number[] {
  return log.flatMap(({ event }) => (event.type === 'roundStarted' ? [event.number] : []));
}
