// Guided demos and predictions (issue 10): loading, stepping, Back, Live, refusals, predictions.
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { botActions } from '../../shared/bots.ts';
import { parsePayload } from '../../shared/protocol/schemas.ts';
import type { Scenario } from '../../shared/scenario.ts';
import { parseScenario, runScenario } from '../../shared/scenario.ts';
import type { Envelope, RoomCommand, RoomState } from '../../shared/room/index.ts';
import {
  COMMANDS,
  foldRoom,
  publicLog,
  roomTranscript,
  transcriptText,
} from '../../shared/room/index.ts';
import {
  DEMO_PLAYING,
  demoShownSeq,
  eventWithoutScript,
  withoutScript,
} from '../../shared/room/demo.ts';
import type { TestRoom } from './harness.ts';
import { HOST, SYSTEM, player, seated } from './harness.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

/** Every scenario file of the repository (scenarios/ and its folders). */
function scenarioFiles(dir = join(ROOT, 'scenarios')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory()
      ? scenarioFiles(join(dir, d.name))
      : d.name.endsWith('.json')
        ? [join(dir, d.name)]
        : [],
  );
}

const raw = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));
const demo = (name: string): Scenario =>
  parseScenario(raw(join(ROOT, 'scenarios/demos', `${name}.json`)));

/** The scenario as the edge parses `host:loadScenario`'s payload: the CLI's checks included. */
function edgeParse(
  scenario: unknown,
): { ok: true; data: Scenario } | { ok: false; message: string } {
  const parsed = parsePayload('host:loadScenario', COMMANDS['host:loadScenario'].payload, {
    scenario,
  });
  return parsed.ok ? { ok: true, data: parsed.data.scenario } : parsed;
}

const load = (room: TestRoom, scenario: Scenario) =>
  room.must({ type: 'host:loadScenario', scenario }, HOST);
const next = (room: TestRoom) => room.must({ type: 'host:demoNext' }, HOST);

/** Presses Next until the demo is over; returns how many presses it took. */
function playThrough(room: TestRoom): number {
  let presses = 0;
  for (;;) {
    const d = room.run({ type: 'host:demoNext' }, HOST);
    if (!d.ok) {
      expect(d.error.message).toMatch(/^The demo is over/);
      return presses;
    }
    presses++;
  }
}

const demoOf = (state: RoomState) => state.round!.demo!;

describe('loading a scenario', () => {
  it('starts a new round with the scenario’s config, ending the one being played', () => {
    const room = seated();
    room.must({ type: 'host:startRound' }, HOST);
    const d = load(room, demo('two-movies'));
    expect(d.events.map((e) => e.type)).toEqual(['roundEnded', 'roundStarted', 'demoLoaded']);
    expect(room.round.number).toBe(2);
    expect(room.round.paxos.config).toMatchObject({
      nodes: ['Amy', 'Ben', 'Cal'],
      quorum: 2,
      delivery: 'manual',
    });
    expect(room.round.rules.endWhenChosen).toBe(false);
    expect(demoOf(room.state)).toMatchObject({ played: 0, cursor: 0, caption: null, ask: null });
    expect(demoOf(room.state).total).toBe(demo('two-movies').steps.length);
  });

  it('refuses an invalid file with the CLI’s one-line error naming the step', () => {
    const bad = {
      quorum: 3,
      nodes: ['Amy', 'Ben', 'Cal'],
      steps: [
        { node: 'Amy', do: 'newProposal', value: 'Heat' },
        { node: 'Amy', do: 'promiseRequest', to: 'Zed' },
      ],
    };
    const parsed = edgeParse(bad);
    expect(parsed.ok).toBe(false);
    const message = (parsed as { message: string }).message;
    expect(message).toContain('step 2: unknown node "Zed"');
    expect(message.split('\n')).toHaveLength(1);
    // A step that parses but cannot play is refused as the CLI refuses it.
    const stuck = { quorum: 2, nodes: ['Amy', 'Ben'], steps: [{ do: 'deliver', to: 'Ben' }] };
    expect((edgeParse(stuck) as { message: string }).message).toContain(
      'step 1: no message in flight matches to "Ben"',
    );
    const ask = {
      quorum: 2,
      nodes: ['Amy', 'Ben'],
      steps: [{ ask: 'Q?', choices: ['a', 'b'], answer: 'c' }],
    };
    expect((edgeParse(ask) as { message: string }).message).toContain(
      'step 1: "answer" must be one of the choices',
    );
  });

  it('keeps to the room: its friends, its seats, at least one step', () => {
    const room = seated();
    const refuse = (s: Scenario, words: RegExp) => {
      const d = room.run({ type: 'host:loadScenario', scenario: s }, HOST);
      expect(d.ok).toBe(false);
      expect(!d.ok && d.error.message).toMatch(words);
    };
    const base = demo('case-1');
    refuse(
      { ...base, nodes: ['Amy', 'Zed'], steps: [{ say: 'hi' }] },
      /not one of the room's friends/,
    );
    refuse({ ...base, steps: [] }, /at least one step/);
    expect(room.refused({ type: 'host:loadScenario', scenario: base }, player('amy'))).toBe(
      'forbidden',
    );
  });
});

describe('playing a demo', () => {
  it('plays each step as the room’s usual events and records where each ended', () => {
    const room = seated();
    load(room, demo('case-2'));
    const say = next(room);
    expect(say.events).toEqual([
      {
        type: 'note',
        text: demo('case-2').steps[0] && (demo('case-2').steps[0] as { say: string }).say,
      },
      expect.objectContaining({ type: 'demoStepped', step: 1 }),
    ]);
    expect(demoOf(room.state).caption).toMatch(/^Five friends/);
    const move = next(room);
    expect(move.events[0]).toMatchObject({
      type: 'paxos',
      by: null,
      event: { type: 'proposalStarted' },
    });
    expect(demoOf(room.state)).toMatchObject({ played: 2, cursor: 2 });
    expect(demoOf(room.state).ends).toEqual([
      room.log.find((e) => e.event.type === 'demoLoaded')!.seq,
      room.log.find((e) => e.event.type === 'demoStepped')!.seq,
      room.state.seq,
    ]);
  });

  it('turns a refusal the notebook prints into a note, as the CLI does', () => {
    const room = seated();
    const scenario = edgeParse({
      quorum: 3,
      nodes: ['Amy', 'Ben', 'Cal'],
      steps: [
        { node: 'Amy', do: 'promiseRequest', to: 'Ben' },
        { node: 'Amy', do: 'newProposal', value: 'Heat' },
      ],
    });
    expect(scenario.ok).toBe(true);
    load(room, (scenario as { data: Scenario }).data);
    const refused = next(room);
    expect(refused.events[0]).toEqual({
      type: 'note',
      text: 'Proposal not initiated, Cannot send promise request',
    });
    next(room);
    expect(transcriptText(roomTranscript(room.log))).toBe(
      runScenario((scenario as { data: Scenario }).data).transcript,
    );
  });

  it.each(scenarioFiles().map((f) => [f.slice(ROOT.length), f]))(
    'a room’s transcript of %s is the CLI’s',
    (_name, file) => {
      const scenario = parseScenario(raw(file));
      const room = seated();
      load(room, scenario);
      playThrough(room);
      expect(demoOf(room.state).played).toBe(scenario.steps.length);
      expect(transcriptText(roomTranscript(room.log))).toBe(runScenario(scenario).transcript);
    },
  );

  // The command itself, once per built-in demo: what `npm run --silent scenario -- FILE` prints.
  it.each(scenarioFiles(join(ROOT, 'scenarios/demos')).map((f) => [f.slice(ROOT.length), f]))(
    '%s plays with the CLI, which prints what the room prints',
    { timeout: 60_000 },
    async (_name, file) => {
      const stdout = await new Promise<string>((resolve, reject) =>
        execFile(
          'npm',
          ['run', '--silent', 'scenario', '--', file],
          { cwd: ROOT, encoding: 'utf8' },
          (error, out) => (error ? reject(error) : resolve(out)),
        ),
      );
      const room = seated();
      load(room, parseScenario(raw(file)));
      playThrough(room);
      expect(stdout).toBe(transcriptText(roomTranscript(room.log)));
    },
  );

  it('Back moves the shared cursor; every screen shows the room as it was; Next comes forward again', () => {
    const room = seated();
    load(room, demo('case-3'));
    for (let i = 0; i < 7; i++) next(room);
    const played = room.state;
    const back = room.must({ type: 'host:demoBack' }, HOST);
    expect(back.events).toEqual([{ type: 'demoMoved', cursor: 6 }]);
    const shown = demoShownSeq(demoOf(room.state));
    expect(shown).toBe(demoOf(played).ends[6]);
    // The room as it was after step 6: Amy's accept request to Ben not sent yet.
    const then = foldRoom(room.log.filter((e) => e.seq <= shown!));
    expect(then.round!.paxos.acceptors.Ben!.accepted).toBeNull();
    expect(played.round!.paxos.acceptors.Ben!.accepted).not.toBeNull();
    expect(demoOf(then).caption).toMatch(/^Amy has a promise quorum/);
    // Paxos did not move: the log is append-only.
    expect(room.round.paxos).toEqual(played.round!.paxos);
    for (let i = 0; i < 6; i++) room.must({ type: 'host:demoBack' }, HOST);
    expect(demoOf(room.state).cursor).toBe(0);
    expect(room.refused({ type: 'host:demoBack' }, HOST)).toBe('conflict');
    // Live is refused while the screens show the past.
    expect(room.refused({ type: 'host:demoLive' }, HOST)).toBe('conflict');
    for (let i = 0; i < 7; i++) expect(next(room).events[0]!.type).toBe('demoMoved');
    expect(demoShownSeq(demoOf(room.state))).toBeNull();
    // At the frontier, Next plays the next step.
    expect(next(room).events.at(-1)).toMatchObject({ type: 'demoStepped', step: 8 });
  });

  it('refuses node moves and the host’s network while a demo plays; Live hands the round over', () => {
    const room = seated();
    load(room, demo('case-1'));
    next(room);
    next(room);
    const moves: RoomCommand[] = [
      { type: 'node:promiseRequest', to: 'Ben' },
      { type: 'node:newProposal', value: 'Heat' },
    ];
    for (const m of moves) {
      const d = room.run(m, player('amy'));
      expect(!d.ok && d.error.message).toBe(DEMO_PLAYING);
    }
    expect(room.refused({ type: 'host:crash', node: 'Ben' }, HOST)).toBe('conflict');
    expect(room.refused({ type: 'host:network', action: 'drop', messageId: 1 }, HOST)).toBe(
      'conflict',
    );
    // Bots wait too: the demo plays the round.
    expect(botActions('steady', room.state, 'Cal', 'Heat')).toEqual([]);
    room.must({ type: 'host:demoLive' }, HOST);
    expect(room.round.demo).toBeUndefined();
    expect(botActions('steady', room.state, 'Cal', 'Heat')).not.toEqual([]);
    // Amy's proposal 1 from the demo goes on in her hands.
    room.must({ type: 'node:promiseRequest', to: 'Ben' }, player('amy'));
    expect(room.round.paxos.acceptors.Ben!.promisedId).toBe(1);
    expect(room.refused({ type: 'host:demoNext' }, HOST)).toBe('conflict');
  });
});

describe('predict, then reveal', () => {
  /** Case 2 with players amy..eva seated and a spectator `sam`, at its first question. */
  function atFirstAsk(): TestRoom {
    const room = seated();
    room.must(
      { type: 'room:join', code: 'ABCDE', newId: 'sam', name: 'sam', spectator: true },
      SYSTEM,
    );
    load(room, demo('case-2'));
    while (!demoOf(room.state).ask) next(room);
    return room;
  }

  it('opens a question everyone answers, closes it at the reveal and counts who was right', () => {
    const room = atFirstAsk();
    const ask = demoOf(room.state).ask!;
    expect(ask).toMatchObject({ choices: ['grant', 'reject'], revealed: false, answer: null });
    expect(room.refused({ type: 'player:predict', choice: 'maybe' }, player('amy'))).toBe(
      'bad_request',
    );
    room.must({ type: 'player:predict', choice: 'reject' }, player('amy'));
    room.must({ type: 'player:predict', choice: 'grant' }, player('amy')); // changed her mind
    room.must({ type: 'player:predict', choice: 'reject' }, player('ben'));
    room.must({ type: 'player:predict', choice: 'grant' }, player('sam')); // a spectator too
    // The same answer again changes nothing.
    expect(room.must({ type: 'player:predict', choice: 'grant' }, player('sam')).events).toEqual(
      [],
    );
    expect(room.refused({ type: 'player:predict', choice: 'grant' }, player('nobody'))).toBe(
      'forbidden',
    );
    expect(demoOf(room.state).ask!.answers).toEqual({ amy: 'grant', ben: 'reject', sam: 'grant' });
    // The next Next reveals, and plays nothing.
    const reveal = next(room);
    expect(reveal.events).toEqual([{ type: 'demoRevealed', step: ask.step, answer: 'grant' }]);
    expect(demoOf(room.state).ask).toMatchObject({ revealed: true, answer: 'grant' });
    expect(room.round.stats.predictions).toEqual({
      amy: { answered: 1, right: 1 },
      ben: { answered: 1, right: 0 },
      sam: { answered: 1, right: 1 },
    });
    expect(room.refused({ type: 'player:predict', choice: 'reject' }, player('ben'))).toBe(
      'conflict',
    );
    // The press after plays the step the question was about; the question closes.
    expect(next(room).events[0]).toMatchObject({ type: 'paxos' });
    expect(demoOf(room.state).ask).toBeNull();
    // The second question adds to the tallies.
    while (!demoOf(room.state).ask) next(room);
    room.must({ type: 'player:predict', choice: 'Openhimer' }, player('ben'));
    next(room);
    expect(room.round.stats.predictions!.ben).toEqual({ answered: 2, right: 1 });
    expect(room.round.stats.predictions!.amy).toEqual({ answered: 1, right: 1 });
  });

  it('a question without an answer has no right or wrong', () => {
    const room = seated();
    const parsed = edgeParse({
      quorum: 2,
      nodes: ['Amy', 'Ben'],
      steps: [{ ask: 'Which do you like?', choices: ['Heat', 'Up'] }],
    });
    load(room, (parsed as { data: Scenario }).data);
    next(room);
    room.must({ type: 'player:predict', choice: 'Up' }, player('amy'));
    expect(next(room).events).toEqual([{ type: 'demoRevealed', step: 1, answer: null }]);
    expect(room.round.stats.predictions).toEqual({ amy: { answered: 1, right: 0 } });
  });

  it('auto-play plays the demo and stops at a question, and at the end', () => {
    const room = seated();
    load(room, demo('case-2'));
    room.must({ type: 'host:autoplay', speed: 2 }, HOST);
    let steps = 0;
    while (room.round.autoplay !== undefined) {
      room.must({ type: 'system:step' }, SYSTEM);
      steps++;
    }
    expect(demoOf(room.state).ask).toMatchObject({ revealed: false });
    expect(steps).toBe(demoOf(room.state).played);
    expect(room.log.at(-1)!.event).toEqual({ type: 'autoplayChanged', speed: 0, reason: 'done' });
    // Auto again: it reveals, plays on to the next question.
    room.must({ type: 'host:autoplay', speed: 2 }, HOST);
    while (room.round.autoplay !== undefined) room.must({ type: 'system:step' }, SYSTEM);
    expect(demoOf(room.state).ask!.question).toMatch(/^Eva wanted Barbie/);
  });
});

describe('the script stays the host’s', () => {
  it('non-host copies of the log carry no steps and fold to the same room without them', () => {
    const room = seated();
    load(room, demo('case-2'));
    while (!demoOf(room.state).ask) next(room);
    const hidden: Envelope[] = room.log.map((e) => ({ ...e, event: eventWithoutScript(e.event) }));
    expect(JSON.stringify(hidden)).not.toContain('"answer":"grant"');
    expect(JSON.stringify(hidden)).not.toContain('Eva wanted Barbie');
    expect(foldRoom(hidden)).toEqual(withoutScript(room.state));
    expect(JSON.stringify(publicLog(room.log))).not.toContain('"answer"');
    expect(JSON.stringify(withoutScript(room.state))).not.toContain('"answer":"grant"');
  });

  it('old logs fold exactly as before: a round without a demo has no demo and no predictions', () => {
    const room = seated();
    room.must({ type: 'host:startRound' }, HOST);
    room.must({ type: 'node:newProposal', value: 'Heat' }, player('amy'));
    expect(room.round.demo).toBeUndefined();
    expect(room.round.stats.predictions).toBeUndefined();
    expect(withoutScript(room.state)).toBe(room.state);
  });
});
