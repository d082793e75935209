// Exports in a real browser: the host downloads the grades (CSV), the event log and a round
// as a scenario from the room page; a saved log opens on the home page as a read-only replay
// with its timeline, and forks into a new room (a log from elsewhere replays but cannot fork).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { parseScenario, runScenario } from '../../shared/scenario.ts';
import type { Client } from '../server/helpers.ts';
import { connect, data, tempDir } from '../server/helpers.ts';
import type { Player } from './harness.ts';
import { createRoom, open, screenshot, stage } from './harness.ts';

const players: Player[] = [];
const world = stage(players);
const sockets: Client[] = [];
const files = tempDir();
afterAll(() => {
  sockets.forEach((s) => s.close());
  files.cleanup();
});

async function page(url: string): Promise<Player> {
  const p = await open(world.browser, url);
  players.push(p);
  return p;
}

/** Clicks `name` and returns the file it downloads: its suggested name and its text. */
async function download(p: Page, name: string): Promise<{ filename: string; text: string }> {
  const [file] = await Promise.all([
    p.waitForEvent('download'),
    p.getByRole(name.startsWith('Save') ? 'button' : 'link', { name }).click(),
  ]);
  const path = await file.path();
  return { filename: file.suggestedFilename(), text: readFileSync(path, 'utf8') };
}

describe('exports, in Chromium', { timeout: 90_000 }, () => {
  let code = '';
  let logPath = '';

  it('the host downloads the grades, the event log and the round as a scenario', async () => {
    const host = await page(world.server.url);
    code = await createRoom(host, null, { keepPlaying: true });
    const url = world.server.url;
    // Three players and the host's own commands, through real sockets with the host's token.
    const token = await host.page.evaluate(
      (c) => JSON.parse(localStorage.getItem(`movie-night-paxos:room:${c}`)!).host as string,
      code,
    );
    const hostSocket = await connect(url);
    sockets.push(hostSocket);
    data(await hostSocket.emitWithAck('room:resume', { code, token }));
    const [amy] = await Promise.all(
      ['amy', 'ben', '=cal'].map(async (name) => {
        const s = await connect(url);
        sockets.push(s);
        data(await s.emitWithAck('room:join', { code, name }));
        return s;
      }),
    );
    data(await hostSocket.emitWithAck('host:startRound', {}));
    data(await amy!.emitWithAck('node:propose', { value: 'Dune', to: ['Amy', 'Ben', 'Cal'] }));
    await host.page.getByText('Amy chose : Dune').first().waitFor();

    await host.page.getByText('Exports: grades, event log, scenarios, replays').click();
    const grades = await download(host.page, 'Grades (CSV)');
    expect(grades.filename).toBe(`grades-${code}.csv`);
    const rows = grades.text.trimEnd().split('\r\n');
    expect(rows[0]).toMatch(/^room,round,player,seat,points,/);
    expect(rows.slice(1).map((r) => r.split(',').slice(0, 4).join(','))).toEqual([
      `${code},1,amy,Amy`,
      `${code},1,ben,Ben`,
      `${code},1,'=cal,Cal`,
    ]);

    const log = await download(host.page, 'Event log (JSON)');
    expect(log.filename).toBe(`room-${code}-log.json`);
    expect(JSON.parse(log.text)).toMatchObject({ code, signature: expect.any(String) });
    logPath = join(files.dir, log.filename);
    writeFileSync(logPath, log.text);

    const saved = await download(host.page, 'Save round as scenario');
    expect(saved.filename).toBe(`room-${code}-round-1.scenario.json`);
    expect(runScenario(parseScenario(JSON.parse(saved.text))).transcript).toContain(
      'Amy chose : Dune',
    );
    await screenshot(host.page, 'exports-host.png');

    // The replay opens over the room page too; its keys step the replay, not the live room
    // (the presenter's ← would look back on the room's timeline).
    await host.page.setInputFiles('#open-log-exports', logPath);
    const replay = host.page.getByRole('dialog', { name: new RegExp(`Replay of room ${code}`) });
    const total = (JSON.parse(log.text) as { events: unknown[] }).events.length;
    await replay.getByText(`Event ${total} of ${total}`).waitFor();
    // Focus on nothing that types (the file input would mute the presenter keys anyway).
    await replay.getByRole('heading', { name: /Replay of room/ }).click();
    await host.page.keyboard.press('ArrowLeft');
    await replay.getByText(`Event ${total - 1} of ${total}`).waitFor();
    expect(await host.page.getByText(/^Viewing event/).count()).toBe(0);
    await host.page.keyboard.press('Escape');
    await replay.waitFor({ state: 'detached' });
    expect(host.errors).toEqual([]);
  });

  it('a saved log opens on the home page as a read-only replay with its timeline, and forks', async () => {
    const p = await page(world.server.url);
    await p.page.setInputFiles('#open-log-home', logPath);
    const replay = p.page.getByRole('dialog', { name: new RegExp(`Replay of room ${code}`) });
    await replay.waitFor();
    const total = JSON.parse(readFileSync(logPath, 'utf8')).events.length as number;
    await replay.getByText(`Event ${total} of ${total}`).waitFor();
    await expect(replay.getByText('Amy chose : Dune').count()).resolves.toBeGreaterThan(0);
    await replay.getByRole('button', { name: 'One event back' }).click();
    await replay.getByText(`Event ${total - 1} of ${total}`).waitFor();
    // Back to before the round: the map is gone, the transcript is empty.
    await p.page.locator('#replay-range').fill('2');
    await replay.getByText(`Event 2 of ${total}`).waitFor();
    await replay.getByText('No round had started by event 2.').waitFor();
    await p.page.locator('#replay-range').fill(String(total));
    await screenshot(p.page, 'exports-replay.png');
    await replay.getByRole('button', { name: 'Fork from here' }).click();
    await p.page.waitForURL(
      (u) => /^\/r\/[A-Z0-9]{5}$/.test(u.pathname) && !u.pathname.endsWith(code),
    );
    await p.page
      .getByText(/What-if fork of/)
      .first()
      .waitFor();
    expect(p.errors).toEqual([]);
  });

  it('a log from elsewhere replays but cannot fork; a file that is no log is told', async () => {
    const p = await page(world.server.url);
    const foreign = JSON.parse(readFileSync(logPath, 'utf8')) as { signature?: string };
    delete foreign.signature;
    const foreignPath = join(files.dir, 'foreign.json');
    writeFileSync(foreignPath, JSON.stringify(foreign));
    await p.page.setInputFiles('#open-log-home', foreignPath);
    const replay = p.page.getByRole('dialog', { name: /Replay of room/ });
    await replay.waitFor();
    expect(await replay.getByRole('button', { name: 'Fork from here' }).isDisabled()).toBe(true);
    await replay.getByText(/carries no signature/).waitFor();
    await replay.getByRole('button', { name: 'Close the replay' }).click();
    const junkPath = join(files.dir, 'junk.json');
    writeFileSync(junkPath, JSON.stringify({ code: 'ABCDE', events: [{ seq: 1 }] }));
    await p.page.setInputFiles('#open-log-home', junkPath);
    await p.page
      .getByRole('alert')
      .getByText(/not an event log of a room/)
      .waitFor();
    expect(p.errors).toEqual([]);
  });
});
