// The instructor's instrument in Chromium (issue 9): the host's console partitions the
// friends, crashes Cal and brings it back with amnesia, and every player's screen shows the
// partition, the crash and then two movies chosen, explained; a player scrubs the timeline
// and comes back to live; presenter keys step the network on the projector; the host forks a
// what-if room. Real server, real sockets, the built client. Screenshots go to test-results/.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Player } from './harness.ts';
import { createRoom, fitsWidth, joinRoom, logText, open, SHOTS, stage } from './harness.ts';

const players: Player[] = [];
const world = stage(players);

async function player(url: string, viewport = { width: 1280, height: 900 }): Promise<Player> {
  const p = await open(world.browser, url, viewport);
  players.push(p);
  return p;
}

/** What the screen shows, as the user sees it: the viewport, not the whole page. */
const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, name) });

/** Runs the notebook's propose for `movie` with exactly these friends picked. */
async function propose(page: Page, movie: string, to: readonly string[]) {
  await page.locator('#movie').fill(movie);
  for (const node of ['Amy', 'Ben', 'Cal', 'Dan', 'Eva']) {
    const box = page.getByRole('checkbox', { name: node, exact: true });
    if (to.includes(node)) await box.check();
    else await box.uncheck();
  }
  await page.getByRole('button', { name: /^Run both phases/ }).click();
}

/** Polls with room to spare: two cores are shared by every browser and the server here. */
const poll = <T>(read: () => Promise<T> | T, timeout = 10_000) => expect.poll(read, { timeout });

const mapLabel = (page: Page) =>
  page.getByRole('img', { name: /^Room map/ }).getAttribute('aria-label');

describe('the instructor’s instrument in Chromium', { timeout: 150_000 }, () => {
  it('partition, crash and amnesia reach every screen; the timeline looks back; keys step the projector', async () => {
    // The host, on a laptop, only hosts; the round goes on after a movie is chosen.
    const host = await player(world.server.url, { width: 1366, height: 768 });
    const { page: h } = host;
    const code = await createRoom(host, null, { keepPlaying: true });
    const amy = await player(`${world.server.url}/r/${code}`);
    await joinRoom(amy, 'Ana');
    // Ben, Cal and Dan are quiet bots (acceptors only); Eva is a phone.
    await h.getByText('Add a bot to an empty seat').click();
    await h.getByLabel('Quiet acceptor').check();
    for (const seat of ['Ben', 'Cal', 'Dan']) {
      await h.getByRole('button', { name: `Add a bot at ${seat}` }).click();
      await amy.page.getByText(`${seat} (bot)`).first().waitFor();
    }
    const eva = await player(`${world.server.url}/r/${code}`, { width: 360, height: 740 });
    await joinRoom(eva, 'Eve');
    await eva.page.getByText('You: Eve as Eva').waitFor();
    // The projector, opened from the host's own browser: it carries the console.
    const screen = await host.context.newPage();
    screen.on('pageerror', (error) => host.errors.push(error.message));
    await screen.setViewportSize({ width: 1920, height: 1080 });
    await screen.goto(`${world.server.url}/r/${code}/screen`);
    await h.getByRole('button', { name: 'Start the round' }).click();
    await screen.getByRole('heading', { name: 'Network console' }).waitFor();
    const desk = h.getByRole('region', { name: 'Network console' });
    await desk.waitFor();

    // The console is above the fold of a 1366x768 laptop.
    const box = await desk.boundingBox();
    expect(box!.y + box!.height).toBeLessThanOrEqual(768);
    // A refusal is shown in the server's words: auto-play with nothing to play.
    await desk.getByRole('button', { name: '1/s', exact: true }).click();
    await poll(() => h.getByRole('alert').textContent()).toContain('Nothing to play');

    // Amy asks Amy, Ben and Cal: Openhimer is chosen.
    await propose(amy.page, 'Openhimer', ['Amy', 'Ben', 'Cal']);
    for (const p of [amy.page, eva.page]) {
      await poll(() => p.getByText('Movie night:').textContent()).toContain('Openhimer is chosen');
    }

    // The host splits the friends: Amy, Ben | Cal, Dan, Eva.
    for (const node of ['Cal', 'Dan', 'Eva']) {
      await desk.getByRole('button', { name: `${node} in group A` }).click();
    }
    await desk.getByRole('button', { name: 'Split: Amy, Ben | Cal, Dan, Eva' }).click();
    for (const p of [amy.page, eva.page, screen]) {
      await p.getByText('Partition: Amy, Ben | Cal, Dan, Eva').first().waitFor();
      await poll(() => logText(p)).toContain(
        '~ the network is partitioned into {Amy, Ben} and {Cal, Dan, Eva}',
      );
    }

    // Cal crashes: greyed out with a badge on every map.
    await desk.getByRole('button', { name: 'Crash Cal' }).click();
    for (const p of [amy.page, eva.page, screen]) {
      await poll(() => mapLabel(p)).toContain('Cal, played by Cal (bot), crashed');
      await poll(() => logText(p)).toContain('~ Cal crashed');
    }
    expect(await screen.getByText('✖ crashed').count()).toBe(1);
    await shot(screen, 'instrument-projector-1920.png');
    await shot(h, 'instrument-console-1366.png');
    expect((await fitsWidth(eva.page)).scrollWidth).toBeLessThanOrEqual(360);

    // Cal comes back with amnesia: it forgets that it accepted Openhimer.
    await desk
      .getByRole('button', { name: 'Recover Cal with amnesia (forgets everything)' })
      .click();
    await poll(() => logText(eva.page)).toContain('~ Cal recovered with amnesia: it forgot');

    // Eva asks Cal, Dan and Eva: nobody reports Openhimer, and Barbie is chosen too.
    await propose(eva.page, 'Barbie', ['Cal', 'Dan', 'Eva']);
    for (const p of [amy.page, eva.page, screen]) {
      // The finding's alert (the diagram says "Safety broken" too, in its drawing).
      const broken = p.getByRole('alert').filter({ hasText: 'Safety broken:' }).locator('..');
      await poll(() => broken.textContent()).toContain('Barbie was chosen too');
      expect(await broken.textContent()).toContain('recovered with amnesia');
      const forgot = p
        .getByText('Amnesia: an acceptor forgot a movie it had accepted')
        .locator('..');
      await poll(() => forgot.textContent()).toContain('Cal');
      // The first movie's banner no longer promises that no other movie can be chosen.
      expect(await p.getByText('no later proposal can choose another movie').count()).toBe(0);
      expect(await p.getByText('Paxos was broken in this round').count()).toBe(1);
    }

    await amy.page.evaluate(() => scrollTo(0, 0));
    await shot(amy.page, 'instrument-two-movies-1280.png');

    // Eva scrubs back to the round's first event, sees it read-only, and returns to live.
    const e = eva.page;
    const range = e.getByRole('slider', { name: 'Timeline' });
    await range.focus();
    await e.keyboard.press('Home');
    await e.getByText(/^Viewing event 1 of \d+$/).waitFor();
    expect(await e.getByText('Safety broken:').count()).toBe(0);
    expect(await e.getByRole('button', { name: 'Start a new proposal' }).isDisabled()).toBe(true);
    await e.getByRole('button', { name: 'One event forward' }).click();
    await e.getByText(/^Viewing event 2 of \d+$/).waitFor();
    await expectFits(e);
    await shot(e, 'instrument-phone-timeline-360.png');
    await e.getByRole('button', { name: 'Back to live' }).first().click();
    await e.getByText(/^Viewing event/).waitFor({ state: 'detached' });
    expect(await e.getByRole('alert').filter({ hasText: 'Safety broken:' }).count()).toBe(1);
    expect(await e.getByRole('button', { name: 'Start a new proposal' }).isDisabled()).toBe(false);

    // The projector's presenter keys: hold everything, Amy sends a request, PageDown steps it.
    await screen.getByRole('button', { name: 'Hold everything' }).click();
    await poll(() => logText(screen)).toContain('~ from now on the network holds every message');
    await amy.page.locator('#movie').fill('Heat');
    await amy.page.getByRole('button', { name: 'Start a new proposal' }).click();
    await amy.page.getByRole('button', { name: 'Promise request to Ben' }).click();
    const held = screen.getByRole('button', { name: /^Message #\d+: Amy → Ben: promise request/ });
    await held.waitFor();
    await screen.keyboard.press('PageDown');
    await poll(() => logText(screen)).toContain('~ step 1');
    // The request was delivered; Ben's reply now waits in flight, held.
    await screen
      .getByRole('button', { name: /^Message #\d+: Ben → Amy: ✓ granted promise/ })
      .waitFor();
    expect(await held.count()).toBe(0);
    // On the host's laptop, a click on the held reply on the map delivers it.
    const reply = h.getByRole('button', { name: /^Message #\d+: Ben → Amy: ✓ granted promise/ });
    await reply.click();
    await h
      .getByRole('dialog', { name: /^Message #\d+$/ })
      .getByRole('button', { name: 'Deliver' })
      .click();
    await reply.waitFor({ state: 'detached' });
    await poll(() => logText(screen)).toContain('[ACC] Promise(3,');
    // "." plays the network by itself: Amy's next request and its reply, then auto-play stops.
    await amy.page.getByRole('button', { name: 'Promise request to Amy' }).click();
    await screen
      .getByRole('button', { name: /^Message #\d+: Amy → Amy: promise request/ })
      .waitFor();
    await screen.keyboard.press('.');
    // One step a second: the two steps take about two seconds.
    await poll(() => logText(screen), 15_000).toContain('~ step 3');
    await screen.getByRole('button', { name: '▶ Play at 1/s' }).waitFor({ timeout: 15_000 });
    expect(await screen.getByRole('button', { name: /^Message #/ }).count()).toBe(0);
    // PageUp looks back on the timeline; Escape comes back to live.
    await screen.keyboard.press('PageUp');
    await screen.getByText(/^Viewing event \d+ of \d+$/).waitFor();
    await screen.keyboard.press('Escape');
    await screen.getByText(/^Viewing event/).waitFor({ state: 'detached' });

    // The host forks a what-if room from a moment looked back at: before Cal crashed.
    await h.getByRole('slider', { name: 'Timeline' }).focus();
    await h.keyboard.press('Home');
    await h.getByText(/^Viewing event 1 of \d+$/).waitFor();
    await h.getByRole('button', { name: 'Fork a what-if room from here' }).click();
    await h.waitForURL(
      (url) => /^\/r\/[A-Z0-9]{5}$/.test(url.pathname) && !url.pathname.endsWith(code),
    );
    await h.getByText(`What-if fork of ${code} after event 1`).waitFor();
    await h.getByRole('heading', { name: 'Network console' }).waitFor();
    expect(await h.getByText('Partition:').count()).toBe(0);
  });
});

async function expectFits(page: Page) {
  const { scrollWidth, innerWidth } = await fitsWidth(page);
  expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
}
