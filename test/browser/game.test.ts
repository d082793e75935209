// The game in a real browser: Debian's Chromium, the built client, the real
// server with its SQLite store, real sockets. One browser, one context per
// player. Screenshots go to test-results/ (gitignored).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { parseScenario, runScenario } from '../../shared/scenario.ts';
import type { Player } from './harness.ts';
import {
  createRoom,
  fitsWidth,
  joinRoom,
  logText,
  open,
  repo,
  screenshot,
  SHOTS,
  stage,
} from './harness.ts';

const players: Player[] = [];
const world = stage(players);
/** Pages of finished tests, reused with a clean localStorage: a new renderer costs seconds on 2 cores. */
const idle: Player[] = [];
let busy: Player[] = [];

async function player(url: string, viewport = { width: 1280, height: 900 }): Promise<Player> {
  const reused = idle.pop();
  let p: Player;
  if (reused) {
    p = reused;
    await p.page.goto('about:blank');
    await p.page.setViewportSize(viewport);
    await p.context.clearCookies();
    await p.page.goto(url);
    await p.page.evaluate(() => localStorage.clear());
    await p.page.reload();
  } else {
    p = await open(world.browser, url, viewport);
    players.push(p);
  }
  busy.push(p);
  return p;
}

afterEach(() => {
  idle.push(...busy);
  busy = [];
});

const scenarioFile = join(repo, 'scenarios/seed-case-3.json');

// A shared machine with two cores: generous limits; the whole file usually takes under a minute.
describe('the game in Chromium', { timeout: 90_000 }, () => {
  it("five players click through the seed's case 3 and all see Barbie chosen", async () => {
    const scenario = parseScenario(JSON.parse(readFileSync(scenarioFile, 'utf8')));
    const names = { Amy: 'Ana', Ben: 'Bo', Cal: 'Cleo', Dan: 'Dev', Eva: 'Eve' } as const;
    type Seat = keyof typeof names;

    const amy = await player(world.server.url);
    const code = await createRoom(amy, names.Amy, { keepPlaying: true });
    await screenshot(amy.page, 'host-lobby.png');
    const others = ['Ben', 'Cal', 'Dan', 'Eva'] as const;
    const opened = await Promise.all(others.map(() => player(`${world.server.url}/r/${code}`)));
    const pages = { Amy: amy } as Record<Seat, Player>;
    // One at a time: seats go in the order players join.
    for (const [i, seat] of others.entries()) {
      pages[seat] = opened[i]!;
      await joinRoom(pages[seat], names[seat]);
      expect(await pages[seat].page.getByText(`You: ${names[seat]} as ${seat}`).count()).toBe(1);
    }
    await amy.page.getByRole('button', { name: 'Start the round' }).click();

    for (const [i, step] of scenario.steps.entries()) {
      // A host's `say` is a note for the log; every other step is a click on that friend's page.
      let actor = amy;
      if ('say' in step) {
        await amy.page.locator('#host-note').fill(step.say);
        await amy.page.getByRole('button', { name: 'Add to the log' }).click();
      } else if (!('do' in step)) {
        throw new Error('case 3 has no ask step');
      } else if (step.do === 'newProposal') {
        actor = pages[step.node as Seat];
        await actor.page.locator('#movie').fill(step.value);
        await actor.page.getByRole('button', { name: 'Start a new proposal' }).click();
      } else if (step.do === 'promiseRequest' || step.do === 'acceptRequest') {
        actor = pages[step.node as Seat];
        const kind = step.do === 'promiseRequest' ? 'Promise' : 'Accept';
        await actor.page.getByRole('button', { name: `${kind} request to ${step.to}` }).click();
      } else {
        throw new Error(`case 3 has no ${step.do} step`);
      }
      // Each click lands before the next: the acting page shows the transcript so far.
      const { transcript } = runScenario({ ...scenario, steps: scenario.steps.slice(0, i + 1) });
      await expect.poll(() => logText(actor.page)).toBe(transcript);
    }

    const golden = readFileSync(join(repo, 'test/golden/seed-case-3.txt'), 'utf8');
    for (const seat of Object.keys(pages) as Seat[]) {
      const { page } = pages[seat];
      await expect
        .poll(() => page.getByText('Movie night:').textContent())
        .toContain('Barbie is chosen');
      expect(await logText(page)).toBe(golden);
    }
    const rejected = amy.page.locator('li', {
      hasText: 'Cal rejected your accept request (proposal 1, Openhimer)',
    });
    await expect.poll(() => rejected.textContent()).toContain('Cal promised 2');
    expect(await rejected.textContent()).toContain('must be rejected');
    await screenshot(amy.page, 'case3-amy.png');
  });

  it('a reload mid-round, or the server restarting, returns the player to the same seat and state', async () => {
    const host = await player(world.server.url);
    const code = await createRoom(host, null);
    const ben = await player(`${world.server.url}/r/${code}`);
    await joinRoom(ben, 'Rae');
    await host.page.getByRole('button', { name: 'Start the round' }).click();
    const { page } = ben;
    await page.locator('#movie').fill('Dune');
    await page.getByRole('button', { name: 'Start a new proposal' }).click();
    await page.getByRole('button', { name: 'Promise request to Cal' }).click();
    await expect.poll(() => page.getByText('1 of 3').count()).toBe(1);
    const before = await logText(page);

    await page.reload();
    await page.getByText('You: Rae as Amy').waitFor();
    await expect.poll(() => logText(page)).toBe(before);
    expect(await page.getByText('1 of 3').count()).toBe(1);
    await page.getByRole('button', { name: 'Promise request to Dan' }).click();
    await expect.poll(() => page.getByText('2 of 3').count()).toBe(1);

    // The server goes away and comes back on the same port and database.
    await world.server.close();
    await page.getByText('Connection lost').waitFor();
    await world.restart();
    await page.getByText('Connected again').waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Promise request to Eva' }).click();
    await expect.poll(() => page.getByText('3 of 3').count()).toBe(1);
    const rae = host.page.locator('li', { hasText: 'Rae' });
    await expect.poll(() => rae.textContent()).toContain('online');
  });

  it('fits a 360-px phone and a 1920-px projector without sideways scrolling', async () => {
    const host = await player(world.server.url);
    const code = await createRoom(host, null);
    const screen = await player(`${world.server.url}/r/${code}/screen`, {
      width: 1920,
      height: 1080,
    });
    const phone = await player(`${world.server.url}/r/${code}`, { width: 360, height: 740 });
    await joinRoom(phone, 'Sam');
    await phone.page.getByText('Waiting for the host').waitFor();
    expect(await fitsWidth(phone.page)).toMatchObject({ innerWidth: 360 });
    await expectFits(phone.page);

    await host.page.getByRole('button', { name: 'Start the round' }).click();
    await phone.page.getByRole('button', { name: 'Barbie', exact: true }).click();
    await phone.page.getByRole('button', { name: /^Run both phases/ }).click();
    for (const p of [phone, screen]) {
      await expect
        .poll(() => p.page.getByText('Movie night:').textContent())
        .toContain('Barbie is chosen');
    }
    await expectFits(phone.page);
    await expectFits(screen.page);
    await screenshot(phone.page, 'phone-360.png');
    await screenshot(screen.page, 'projector-1920.png');

    // The host gives the room a title (host:rename): every screen and its tab show it.
    const title = 'Friday film club';
    await host.page.getByText('Name the room').click();
    await host.page.getByLabel('Room title').fill(title);
    await host.page.getByRole('button', { name: 'Rename' }).click();
    for (const p of [host, phone, screen]) {
      await p.page.getByText(title, { exact: true }).waitFor();
      await expect.poll(() => p.page.title()).toBe(`${title} · Movie Night Paxos`);
    }
    await expectFits(phone.page);
  });

  it('shows names and titles as text: nothing a player types runs', async () => {
    const host = await player(world.server.url);
    const code = await createRoom(host, null);
    const mallory = await player(`${world.server.url}/r/${code}`);
    const { page } = mallory;
    // Too long for a name: the server refuses, and the refusal is shown in words.
    await page.locator('#room-join-name').fill('<img src=x onerror=alert(1)>');
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain('A name can be at most 24 characters');
    const name = '<svg/onload=alert(1)>';
    await joinRoom(mallory, name);
    await host.page.getByRole('button', { name: 'Start the round' }).click();
    const title = '<img src=x onerror=alert(1)>';
    await page.locator('#movie').fill(title);
    await page.getByRole('button', { name: 'Start a new proposal' }).click();

    await expect
      .poll(() => host.page.getByText(name, { exact: true }).first().isVisible())
      .toBe(true);
    await expect.poll(() => logText(host.page)).toContain(`for value : ${title}`);
    expect(await page.getByText(title, { exact: true }).first().isVisible()).toBe(true);
    for (const p of [host, mallory]) {
      expect(await p.page.locator('img[src="x"], svg[onload]').count()).toBe(0);
      expect(p.dialogs).toEqual([]);
    }
  });
});

async function expectFits(page: Page) {
  const { scrollWidth, innerWidth } = await fitsWidth(page);
  expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
}

describe('the rules of play in Chromium', { timeout: 120_000 }, () => {
  it('a turn-based round with players as acceptors: the inbox, a refused wrong answer, the timer passing a turn, the summary', async () => {
    const amy = await player(world.server.url);
    const { page: a } = amy;
    await a.getByText('Room settings:').click();
    await a.getByLabel('Turn-based').check();
    const timer = a.getByLabel('Turn timer (seconds)');
    await timer.fill('5');
    await timer.press('Tab');
    await a.getByLabel('Players answer').check();
    await expect.poll(() => a.getByText('Room settings:').textContent()).toContain('turn-based');
    await screenshot(a, 'rules-settings.png');
    const code = await createRoom(amy, 'Ana');
    const ben = await player(`${world.server.url}/r/${code}`);
    const { page: b } = ben;
    await joinRoom(ben, 'Bo');
    await b.getByText('Turn-based: 2 actions a turn, 5 s a turn').waitFor();
    await a.getByRole('button', { name: 'Start the round' }).click();

    // Turn 1, Amy's: a new proposal is free; each request is one action.
    await a.getByRole('heading', { name: 'Your turn, Amy' }).waitFor();
    await b.getByRole('heading', { name: "Amy's turn (Ana)" }).waitFor();
    expect(await b.locator('#block-why').textContent()).toBe("It is Amy's turn (Ana).");
    await a.locator('#movie').fill('Dune');
    await a.getByRole('button', { name: 'Start a new proposal' }).click();
    await a.getByRole('button', { name: 'Promise request to Ben' }).click();
    await a.getByText('Ben (Bo) has not answered your promise request (proposal 1) yet.').waitFor();
    await a.getByRole('button', { name: 'Promise request to Cal' }).click();
    await b.getByRole('heading', { name: 'Your turn, Ben' }).waitFor();

    // Ben answers from the inbox: a reject breaks the rule (he promised nothing), so it is refused.
    await b.getByText('You have promised nothing yet. This request has id 1.').waitFor();
    await b.getByRole('button', { name: /^Reject/ }).click();
    const wrong = b.getByText('Wrong answer, refused:').locator('..');
    await expect
      .poll(() => wrong.textContent())
      .toContain('You have promised nothing yet, so a promise request with id 1 must be granted.');
    await screenshot(b, 'inbox-wrong-answer.png');
    await b.getByRole('button', { name: /^Grant/ }).click();
    await b.getByText('Nothing waiting for your answer.').waitFor();
    await a.getByText('Ben (Bo) has not answered').waitFor({ state: 'detached' });

    // Ben does nothing: five seconds later the timer passes the turn back to Amy.
    await a.getByRole('heading', { name: 'Your turn, Amy' }).waitFor({ timeout: 12_000 });
    expect(await a.getByLabel('Transcript, newest line last').textContent()).toContain(
      'PROMISE Request from Amy(p: 1) to Ben',
    );

    // Turn 3: Amy asks herself, answers her own inbox, and has her promise quorum.
    await a.getByRole('button', { name: 'Promise request to Amy' }).click();
    await a.getByRole('button', { name: /^Grant/ }).click();
    await expect.poll(() => a.getByText('3 of 3').count()).toBeGreaterThan(0);
    await a.getByRole('button', { name: 'Accept request to Cal' }).click();
    await b.getByRole('heading', { name: 'Your turn, Ben' }).waitFor();

    // The host pauses: nobody acts and the timer stands still; then resumes.
    await a.getByRole('button', { name: 'Pause', exact: true }).click();
    await b.getByRole('heading', { name: 'Paused by the host' }).waitFor();
    expect(await b.getByRole('button', { name: 'End my turn' }).isDisabled()).toBe(true);
    await screenshot(b, 'turns-paused.png');
    await screenshot(a, 'turns-host.png');
    await a.getByRole('button', { name: 'Resume', exact: true }).click();
    await b.getByRole('button', { name: 'End my turn' }).click();

    // Turn 5: the accept requests; Ben's grant completes the accept quorum and the round.
    await a.getByRole('heading', { name: 'Your turn, Amy' }).waitFor();
    await a.getByRole('button', { name: 'Accept request to Amy' }).click();
    await a.getByRole('button', { name: /^Grant/ }).click();
    await a.getByRole('button', { name: 'Accept request to Ben' }).click();
    await b.getByRole('button', { name: /^Grant/ }).click();

    for (const p of [a, b]) {
      await p.getByRole('heading', { name: 'Round 1 is over: Dune it is' }).waitFor();
    }
    const summary = a.getByRole('region', { name: 'Round 1 is over: Dune it is' });
    const text = await summary.textContent();
    expect(text).toContain('+10 got Dune chosen');
    expect(text).toContain('-2 1 wrong acceptor answer');
    const scores = b.getByRole('table');
    await expect.poll(() => scores.textContent()).toContain('Ana');
    expect(await scores.textContent()).toContain('Bo (you)');
    await screenshot(a, 'round-summary.png');

    await b.getByRole('button', { name: 'Help' }).click();
    const help = b.getByRole('dialog', { name: 'How to play' });
    await help.getByText('If two different movies were chosen').waitFor();
    // The dialog as the player sees it: the viewport, not the whole page behind it.
    await b.screenshot({ path: join(SHOTS, 'help.png') });
    await b.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });
  });

  it('fog of war hides the other nodes; bots show as bots; a player leaves the seat to a bot', async () => {
    const host = await player(world.server.url);
    const { page: h } = host;
    await h.getByText('Room settings:').click();
    await h.getByLabel('Fog of war').check();
    const code = await createRoom(host, null);
    const kim = await player(`${world.server.url}/r/${code}`);
    const { page: k } = kim;
    await joinRoom(kim, 'Kim');
    await h.getByText('Add a bot to an empty seat').click();
    await h.getByLabel('Steady proposer').check();
    await h.getByRole('button', { name: 'Add a bot at Ben' }).click();
    await k.getByText('Ben (bot)').waitFor();
    expect(await k.locator('li', { hasText: 'Ben (bot)' }).textContent()).toContain('steady bot');
    await h.getByRole('button', { name: 'Start the round' }).click();

    await k.getByText('Fog of war.').first().waitFor();
    await k.locator('#movie').fill('Heat');
    await k.getByRole('button', { name: 'Start a new proposal' }).click();
    await k.getByRole('button', { name: 'Promise request to Cal' }).click();
    const map = k.getByRole('img', { name: /^Room map/ });
    await expect
      .poll(() => map.getAttribute('aria-label'))
      .toContain('unknown to you (fog of war)');
    expect(await k.getByText('Movie night:').count()).toBe(0);
    await screenshot(k, 'fog-of-war.png');

    await k.getByRole('button', { name: 'Leave my seat to a bot' }).click();
    await k.getByLabel('Quiet acceptor').check();
    await k
      .getByRole('region', { name: 'Leave Amy to a bot' })
      .getByRole('button', {
        name: 'Leave my seat to a bot',
      })
      .click();
    await k.getByLabel('Your name').waitFor();
    const amyBot = h.locator('li', { hasText: 'Amy (bot)' });
    await expect.poll(() => amyBot.textContent()).toContain('quiet bot');
    await screenshot(h, 'bots-host.png');
  });
});
