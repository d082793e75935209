// Guided demos in Chromium (issue 10): the host loads the notebook's case 2 from "Demos" and
// steps through it with the presenter keys while two players watch the narration on their
// phones and answer a prediction; the projector shows the caption, then how the room answered
// and who was right. Real server, real sockets, the built client. Screenshots: test-results/.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Player } from './harness.ts';
import { createRoom, joinRoom, open, SHOTS, stage } from './harness.ts';

const players: Player[] = [];
const world = stage(players);

async function player(url: string, viewport = { width: 1280, height: 900 }): Promise<Player> {
  const p = await open(world.browser, url, viewport);
  players.push(p);
  return p;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, name) });

/** Polls with room to spare: two cores are shared by every browser and the server here. */
const poll = <T>(read: () => Promise<T> | T, timeout = 10_000) => expect.poll(read, { timeout });

describe('guided demos in Chromium', { timeout: 150_000 }, () => {
  it('the host steps case 2 with the keys; phones follow the narration and answer; the projector shows the result', async () => {
    const host = await player(world.server.url, { width: 1366, height: 768 });
    const { page: h } = host;
    const code = await createRoom(host, null);
    const ana = await player(`${world.server.url}/r/${code}`, { width: 360, height: 740 });
    await joinRoom(ana, 'Ana');
    const bo = await player(`${world.server.url}/r/${code}`, { width: 360, height: 740 });
    await joinRoom(bo, 'Bo');
    const screen = await host.context.newPage();
    screen.on('pageerror', (error) => host.errors.push(error.message));
    await screen.setViewportSize({ width: 1920, height: 1080 });
    await screen.goto(`${world.server.url}/r/${code}/screen`);

    // A file with a bad step gets the CLI's one-line error, inline, and nothing is sent.
    await h.getByText('Demos: play a scenario step by step').click();
    await h.getByLabel('Built-in demo').waitFor();
    await h.locator('input[type=file]').setInputFiles({
      name: 'mine.json',
      mimeType: 'application/json',
      buffer: Buffer.from(
        JSON.stringify({ quorum: 2, nodes: ['Amy', 'Ben'], steps: [{ say: 'hi' }, { do: 'fly' }] }),
      ),
    });
    await poll(() =>
      h.getByRole('alert').filter({ hasText: 'step 2: unknown step "fly"' }).count(),
    ).toBe(1);

    await h
      .getByLabel('Built-in demo')
      .selectOption({ label: 'Case 2: a promise quorum that includes an accepted movie' });
    await h.getByRole('button', { name: 'Load this demo' }).click();
    const controls = h.getByRole('region', { name: 'Demo controls' });
    await controls.waitFor();
    await poll(() => controls.textContent()).toContain('step 0 of 23');
    await h.getByRole('heading', { name: 'Host' }).waitFor();

    // The presenter keys step the demo: PageDown / ArrowRight forward.
    const press = async (key: string, step: number) => {
      await h.keyboard.press(key);
      await poll(() => controls.textContent()).toContain(`step ${step} of 23`);
    };
    await press('PageDown', 1);
    for (const p of [ana.page, bo.page, screen]) {
      await poll(() => p.locator('p.narration', { hasText: 'Five friends' }).count()).toBe(1);
    }
    for (let step = 2; step <= 8; step++) await press(step % 2 ? 'PageDown' : 'ArrowRight', step);
    const caption = screen.locator('p.narration', { hasText: 'Only Cal accepted Openhimer' });
    await caption.waitFor();
    await ana.page.locator('p.narration', { hasText: 'Only Cal accepted Openhimer' }).waitFor();
    // Large on the projector: a caption one can read from the back of the room.
    const size = await caption.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(size).toBeGreaterThanOrEqual(28);
    await shot(screen, 'demo-narration-projector.png');

    // Step 10 asks; each phone answers with a big button (Ana changes her mind once).
    await press('PageDown', 9);
    await press('PageDown', 10);
    const question = "Will Cal grant Eva's promise request?";
    for (const p of [ana.page, bo.page]) await p.getByRole('heading', { name: question }).waitFor();
    await ana.page.getByRole('button', { name: 'grant', exact: true }).click();
    await ana.page.getByRole('button', { name: 'reject', exact: true }).click();
    await poll(() => ana.page.getByText('Your answer: reject').count()).toBe(1);
    await bo.page.getByRole('button', { name: 'grant', exact: true }).click();
    await poll(() => screen.getByText('2 of 2 answered').count()).toBe(1);
    await shot(ana.page, 'demo-prediction-phone.png');
    // The answer is nowhere in a player's page before the reveal.
    expect(await ana.page.content()).not.toContain('The answer:');

    // Next reveals: the distribution and who was right, on the projector and on each phone.
    await h.keyboard.press('PageDown');
    await poll(() => screen.getByText('The answer:').count()).toBe(1);
    const result = screen.getByRole('region', { name: 'Prediction' });
    await poll(() => result.textContent()).toContain('Right: Bo');
    await poll(() => ana.page.getByText('Not this time.').count()).toBe(1);
    await poll(() => bo.page.getByText('You were right!').count()).toBe(1);
    await shot(screen, 'demo-prediction-results.png');

    // Back (PageUp) shows every screen the room as it was one step earlier; forward comes back.
    await h.keyboard.press('PageUp');
    await poll(() => controls.textContent()).toContain('step 9 of 23');
    await poll(() => ana.page.getByRole('heading', { name: question }).count()).toBe(0);
    await h.keyboard.press('ArrowRight');
    await poll(() => controls.textContent()).toContain('step 10 of 23');
    // The next press plays step 11: Eva's promise request, which Cal grants.
    await press('PageDown', 11);
    await poll(() => ana.page.getByText(/PROMISE Request from Eva\(p: 2\) to Cal/).count()).toBe(1);

    // From here on, the players play: Ana (Amy) can act again.
    await controls.getByRole('button', { name: 'From here on, you play' }).click();
    await controls.waitFor({ state: 'detached' });
    await ana.page.locator('#movie').fill('Heat');
    await ana.page.getByRole('button', { name: 'Start a new proposal' }).click();
    await poll(() => ana.page.getByText(/Heat/).count()).toBeGreaterThan(0);
  });
});
