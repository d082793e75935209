// Save as scenario: a round played in a room → a scenario file → `runScenario` prints the
// round's lines of the room's transcript, on the seed cases and on random room logs.
import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario } from '../../shared/scenario.ts';
import type { Envelope } from '../../shared/room/index.ts';
import { roomTranscript, transcriptText } from '../../shared/room/index.ts';
import { SaveError, roundNumbers, roundScenario } from '../../shared/room/to-scenario.ts';
import { asRoomStep, seedCase } from './case3.ts';
import { HOST, TestRoom, player, seated } from './harness.ts';
import { randomRoomLog } from './random-room-log.ts';

/** Round `n`'s lines of the room's transcript, less the room's own (round header, wrong answers). */
function roundText(log: readonly Envelope[], n: number): string {
  const own = new Set(
    log
      .filter((e) => e.event.type === 'roundStarted' || e.event.type === 'mistake')
      .map((e) => e.seq),
  );
  return transcriptText(roomTranscript(log).filter((l) => l.round === n && !own.has(l.seq)));
}

/**
 * The saved file loaded into a fresh room as a guided demo (`host:loadScenario`) and
 * stepped to its end: that room's transcript of the round.
 */
function loadedIntoRoom(log: readonly Envelope[], n: number): string {
  const file = JSON.parse(JSON.stringify(roundScenario(log, n))) as unknown;
  const room = new TestRoom();
  room.must({ type: 'host:loadScenario', scenario: parseScenario(file) }, HOST);
  while (room.run({ type: 'host:demoNext' }, HOST).ok);
  return roundText(room.log, 1);
}

/** The saved file as a download would give it, read back and played. */
function replayed(log: readonly Envelope[], n: number): string {
  const file = JSON.parse(JSON.stringify(roundScenario(log, n))) as unknown;
  return runScenario(parseScenario(file)).transcript;
}

const IDS: Record<string, string> = { Amy: 'amy', Ben: 'ben', Cal: 'cal', Dan: 'dan', Eva: 'eva' };

describe('save a round as a scenario', () => {
  for (const n of [1, 2, 3] as const) {
    it(`replays the seed's case ${n} played in a room, line for line`, () => {
      const room = seated({ endWhenChosen: false });
      room.must({ type: 'host:startRound' }, HOST);
      for (const step of seedCase(n).map(asRoomStep)) {
        if ('say' in step) room.must({ type: 'host:say', text: step.say }, HOST);
        else room.must(step.command, player(IDS[step.node]!));
      }
      const saved = roundScenario(room.log, 1)!;
      expect(saved.delivery).toBe('instant');
      expect(saved.steps.some((s) => 'say' in s)).toBe(true);
      const text = roundText(room.log, 1);
      expect(text.length).toBeGreaterThan(200);
      expect(replayed(room.log, 1)).toBe(text);
      expect(loadedIntoRoom(room.log, 1)).toBe(text);
    });
  }

  it('replays inboxes, wrong answers, holds, delays, steps, partitions and crashes', () => {
    const room = seated(
      { endWhenChosen: false, acceptors: 'players', wrongAnswers: 'apply' },
      { quorum: 3 },
    );
    room.must({ type: 'host:startRound' }, HOST);
    room.must({ type: 'node:newProposal', value: 'Dune' }, player('amy'));
    room.must({ type: 'node:promiseRequest', to: 'Ben' }, player('amy'));
    room.must({ type: 'node:promiseRequest', to: 'Cal' }, player('amy'));
    room.must({ type: 'host:say', text: 'Ben answers by the rule, Cal against it.' }, HOST);
    room.must({ type: 'node:answer', messageId: 1, answer: 'grant' }, player('ben'));
    room.must({ type: 'node:answer', messageId: 2, answer: 'reject' }, player('cal'));
    room.must({ type: 'host:hold', to: 'Amy' }, HOST);
    room.must({ type: 'host:delay', kind: 'promiseReply', steps: 2 }, HOST);
    room.must({ type: 'node:promiseRequest', to: 'Dan' }, player('amy'));
    room.must({ type: 'node:answer', messageId: 5, answer: 'grant' }, player('dan'));
    room.must({ type: 'host:release' }, HOST);
    room.must({ type: 'host:step' }, HOST);
    const flying = () => room.state.round!.paxos.inFlight.map((m) => m.id);
    room.must({ type: 'host:network', action: 'duplicate', messageId: flying()[0]! }, HOST);
    room.must({ type: 'host:network', action: 'deliver', messageId: flying()[0]! }, HOST);
    room.must({ type: 'host:partition', groups: [['Amy', 'Ben'], ['Cal']] }, HOST);
    room.must({ type: 'host:crash', node: 'Eva' }, HOST);
    room.must({ type: 'node:promiseRequest', to: 'Eva' }, player('amy'));
    room.must({ type: 'node:promiseRequest', to: 'Cal' }, player('amy'));
    room.must({ type: 'host:heal' }, HOST);
    room.must({ type: 'host:recover', node: 'Eva', memory: 'lost' }, HOST);
    room.must({ type: 'host:network', action: 'drop', messageId: flying().at(-1)! }, HOST);
    const saved = roundScenario(room.log, 1)!;
    expect(saved.inbox).toEqual(['Amy', 'Ben', 'Cal', 'Dan', 'Eva']);
    const kinds = saved.steps.map((s) => ('say' in s ? 'say' : 'ask' in s ? 'ask' : s.do));
    for (const k of ['hold', 'delay', 'release', 'step', 'partition', 'crash', 'heal', 'recover'])
      expect(kinds).toContain(k);
    expect(saved.steps).toContainEqual({ do: 'deliver', message: 2, answer: 'reject' });
    expect(saved.steps).toContainEqual({ do: 'hold', to: 'Amy' });
    const text = roundText(room.log, 1);
    expect(text).toContain('~ from now on the network delays promise replies by 2 steps');
    expect(replayed(room.log, 1)).toBe(text);
    expect(loadedIntoRoom(room.log, 1)).toBe(text);
  });

  it("saves a guided demo's round with its questions and their answers", () => {
    const room = new TestRoom();
    const demo = parseScenario({
      quorum: 2,
      nodes: ['Amy', 'Ben', 'Cal'],
      steps: [
        { node: 'Amy', do: 'newProposal', value: 'Up' },
        { ask: 'Will Ben promise?', choices: ['yes', 'no'], answer: 'yes' },
        { node: 'Amy', do: 'promiseRequest', to: 'Ben' },
        { say: 'He did.' },
      ],
    });
    room.must({ type: 'host:loadScenario', scenario: demo }, HOST);
    while (room.run({ type: 'host:demoNext' }, HOST).ok);
    const saved = roundScenario(room.log, 1)!;
    expect(saved.steps).toEqual(demo.steps);
    expect(replayed(room.log, 1)).toBe(roundText(room.log, 1));
    expect(loadedIntoRoom(room.log, 1)).toBe(roundText(room.log, 1));
  });

  it('saves each round of a room on its own; an unknown round is null', () => {
    const room = seated({ endWhenChosen: false });
    room.must({ type: 'host:startRound' }, HOST);
    room.must({ type: 'node:propose', value: 'Dune', to: ['Amy', 'Ben', 'Cal'] }, player('amy'));
    room.must({ type: 'host:startRound' }, HOST);
    room.must({ type: 'node:newProposal', value: 'Barbie' }, player('ben'));
    room.must({ type: 'host:say', text: 'Round two.' }, HOST);
    expect(roundNumbers(room.log)).toEqual([1, 2]);
    expect(replayed(room.log, 1)).toContain('Amy chose : Dune');
    expect(replayed(room.log, 2)).toBe(
      'Ben generated a new proposal id 1 for value : Barbie\nRound two.\n',
    );
    expect(roundScenario(room.log, 3)).toBeNull();
  });

  it('refuses a log the engine did not write', () => {
    const room = seated({ endWhenChosen: false });
    room.must({ type: 'host:startRound' }, HOST);
    room.must({ type: 'node:propose', value: 'Dune', to: ['Amy', 'Ben', 'Cal'] }, player('amy'));
    const forged = structuredClone(room.log);
    const chose = forged.find(
      (e) => e.event.type === 'paxos' && e.event.event.type === 'proposeChose',
    );
    (chose!.event as { event: { value: string } }).event.value = 'Barbie';
    expect(() => roundScenario(forged, 1)).toThrow(SaveError);
  });

  it('replays every round of random room logs (property)', () => {
    let rounds = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const log = randomRoomLog(seed, 400);
      for (const n of roundNumbers(log)) {
        const text = roundText(log, n);
        expect(replayed(log, n), `seed ${seed}, round ${n}`).toBe(text);
        if (seed <= 10) expect(loadedIntoRoom(log, n), `seed ${seed}, round ${n}`).toBe(text);
        rounds++;
      }
    }
    expect(rounds).toBeGreaterThan(40);
  });
});
