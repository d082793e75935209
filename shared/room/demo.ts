import type { PaxosCommand } from '../paxos/index.ts';
import { decide as decidePaxos } from '../paxos/index.ts';
import type { Scenario, ScriptStep } from '../scenario.ts';
import { toCommand } from '../scenario-command.ts';
import type { DemoEvent, DemoState } from './demo-types.ts';
import { DEFAULT_RULES } from './game.ts';
import type { RoundRules } from './game.ts';
import { consequences, fail, ok, preview } from './play.ts';
import { FRIENDS, MAX_SEATS } from './settings.ts';
import { MAX_DEMO_STEPS } from './demo-limits.ts';
import type { RoomCommand, RoomDecision, RoomEvent, RoomState } from './types.ts';

export { demoShownSeq, eventWithoutScript, withoutScript } from './demo-fold.ts';

/*
 * Guided demos (issue 10): the host loads a scenario file into the room and
 * plays it step by step on every screen. Each step becomes the room's usual
 * events (`paxos` with `by: null`, a `note` for a `say` or for a refusal the
 * notebook prints), followed by `demoStepped`; so a demo's transcript is the
 * CLI's (`npm run scenario`). The log is append-only: Back moves a shared
 * cursor (`demoMoved`) and every screen shows the room as it was after that
 * step. "From here on, you play" (`demoLive`) drops the rest. An `ask` step
 * opens a question every player answers (`predicted`) until the next Next
 * reveals it (`demoRevealed`), which counts each player's predictions.
 */

export { MAX_DEMO_STEPS };

/** A demo round's rules: the engine answers, everybody sees all, and choosing ends nothing. */
export const DEMO_RULES: RoundRules = { ...DEFAULT_RULES, endWhenChosen: false };

/** The refusal of a move while a demo plays. */
export const DEMO_PLAYING =
  'A demo is playing: the host steps it. Once the host presses "From here on, you play", the round is yours.';

/** The commands a demo refuses while it plays: every node's move and the host's network. */
const BLOCKED = new Set<RoomCommand['type']>([
  'node:newProposal',
  'node:promiseRequest',
  'node:acceptRequest',
  'node:propose',
  'node:answer',
  'node:endTurn',
  'host:network',
  'host:hold',
  'host:release',
  'host:delay',
  'host:step',
  'host:partition',
  'host:heal',
  'host:crash',
  'host:recover',
  'host:skipTurn',
]);

/** The demo of the round being played, if one is loaded. */
export function playingDemo(state: RoomState): DemoState | null {
  const round = state.round;
  return round?.status === 'playing' ? (round.demo ?? null) : null;
}

/** The refusal of `command` because a demo is playing, or null. */
export function demoRefusal(state: RoomState, command: RoomCommand): RoomDecision | null {
  return playingDemo(state) && BLOCKED.has(command.type) ? fail('conflict', DEMO_PLAYING) : null;
}

/** A scenario a room can play: the room's friends, at most its seats, a bounded length. */
function roomProblem(scenario: Scenario): string | null {
  const friends: readonly string[] = FRIENDS;
  const stranger = scenario.nodes.find((n) => !friends.includes(n));
  if (stranger !== undefined) {
    return `node "${stranger}" is not one of the room's friends (${FRIENDS.join(', ')})`;
  }
  if (scenario.nodes.length > MAX_SEATS) return `a room has at most ${MAX_SEATS} nodes`;
  if (scenario.steps.length === 0) return 'a demo needs at least one step';
  if (scenario.steps.length > MAX_DEMO_STEPS) {
    return `a demo has at most ${MAX_DEMO_STEPS} steps (this one has ${scenario.steps.length})`;
  }
  return null;
}

/**
 * Loads a scenario: the round being played ends, a new one starts with the scenario's
 * Paxos configuration and the demo's rules. (The edge parsed the file and played it through
 * once, as the CLI does, so a step that cannot play was refused there with the CLI's words:
 * FIELDS.scenario in shared/protocol/schemas.ts.)
 */
export function loadDemo(state: RoomState, scenario: Scenario): RoomDecision {
  const problem = roomProblem(scenario);
  if (problem) return fail('bad_request', problem);
  const playing = state.round?.status === 'playing';
  const events: RoomEvent[] = playing ? [{ type: 'roundEnded', reason: 'restart' }] : [];
  events.push(
    {
      type: 'roundStarted',
      number: (state.round?.number ?? 0) + 1,
      config: {
        nodes: [...scenario.nodes],
        quorum: scenario.quorum,
        delivery: scenario.delivery,
        valueRule: scenario.valueRule,
        ...(scenario.inbox ? { inbox: [...scenario.inbox] } : {}),
      },
      rules: DEMO_RULES,
    },
    {
      type: 'demoLoaded',
      title: scenario.title ?? null,
      total: scenario.steps.length,
      steps: scenario.steps,
    },
  );
  return ok(...events);
}

/** The events that play step `n` (1-based) of the script. */
function playStep(state: RoomState, step: ScriptStep, n: number): RoomDecision {
  const done: DemoEvent = { type: 'demoStepped', step: n };
  if ('say' in step) return ok({ type: 'note', text: step.say }, { ...done, say: step.say });
  if ('ask' in step) {
    return ok({ ...done, ask: { question: step.ask, choices: [...step.choices] } });
  }
  const paxos = state.round!.paxos;
  let command: PaxosCommand;
  try {
    command = toCommand(paxos, step);
  } catch (err) {
    return fail('conflict', `step ${n}: ${(err as Error).message}`);
  }
  const decision = decidePaxos(paxos, command);
  if (!decision.ok) {
    // As the CLI: the notebook's printed refusal prints; a propose to too few nodes is silent.
    const { error } = decision;
    if (error.seedLine !== undefined) return ok({ type: 'note', text: error.seedLine }, done);
    if (error.reason === 'too_few_nodes') return ok(done);
    return fail('conflict', `step ${n}: ${error.message}`);
  }
  const events: RoomEvent[] = decision.events.map((event) => ({ type: 'paxos', event, by: null }));
  return ok(...consequences(state, events), done);
}

/** Next: forward when behind, else reveal the open question, else play the next step. */
export function demoNext(state: RoomState): RoomDecision {
  const demo = playingDemo(state);
  if (!demo) return fail('conflict', 'No demo is being played.');
  if (demo.cursor < demo.played) return ok({ type: 'demoMoved', cursor: demo.cursor + 1 });
  if (demo.ask && !demo.ask.revealed) {
    const answer = demo.steps?.[demo.ask.step - 1];
    return ok({
      type: 'demoRevealed',
      step: demo.ask.step,
      answer: answer && 'ask' in answer ? (answer.answer ?? null) : null,
    });
  }
  if (demo.played >= demo.total) {
    return fail(
      'conflict',
      'The demo is over: press "From here on, you play" to go on, or start a new round.',
    );
  }
  const step = demo.steps?.[demo.played];
  if (!step) return fail('conflict', 'This demo has no script here.');
  return playStep(state, step, demo.played + 1);
}

export function demoBack(state: RoomState): RoomDecision {
  const demo = playingDemo(state);
  if (!demo) return fail('conflict', 'No demo is being played.');
  if (demo.cursor === 0) return fail('conflict', 'This is the start of the demo.');
  return ok({ type: 'demoMoved', cursor: demo.cursor - 1 });
}

export function demoLive(state: RoomState): RoomDecision {
  const demo = playingDemo(state);
  if (!demo) return fail('conflict', 'No demo is being played.');
  if (demo.cursor < demo.played) {
    return fail(
      'conflict',
      `The screens show step ${demo.cursor} of the ${demo.played} played: go forward to step ${demo.played} first (what was played stays played).`,
    );
  }
  return ok({ type: 'demoLive' });
}

/** Whether Next has something to do (auto-play may run). */
export function demoCanGoOn(demo: DemoState): boolean {
  return demo.cursor < demo.played || demo.ask?.revealed === false || demo.played < demo.total;
}

/**
 * Auto-play's step in a demo: Next, and auto-play stops once a question opens (the room
 * answers it, the host reveals it) or the script is done.
 */
export function demoAutoStep(state: RoomState): RoomDecision {
  const stop: RoomEvent = { type: 'autoplayChanged', speed: 0, reason: 'done' };
  const demo = playingDemo(state)!;
  if (!demoCanGoOn(demo)) return ok(stop);
  const next = demoNext(state);
  if (!next.ok) return ok(stop);
  const after = preview(state, next.events);
  const now = playingDemo(after);
  if (!now || after.round?.autoplay === undefined) return next;
  const asking = now.ask !== null && !now.ask.revealed;
  return asking || !demoCanGoOn(now) ? ok(...next.events, stop) : next;
}

/** A player's prediction: any player of the room, seated or not, until the reveal. */
export function predict(state: RoomState, playerId: string, choice: string): RoomDecision {
  if (!state.players.some((p) => p.id === playerId)) {
    return fail('forbidden', 'You are not in this room.');
  }
  const ask = playingDemo(state)?.ask;
  if (!ask || ask.revealed) return fail('conflict', 'No question is open.');
  if (!ask.choices.includes(choice)) {
    return fail('bad_request', `Choose one of: ${ask.choices.join(', ')}.`);
  }
  if (ask.answers[playerId] === choice) return ok();
  return ok({ type: 'demoPredicted', playerId, choice });
}
