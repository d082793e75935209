// The rough edges a new user met (issue 13), in a real browser: a dead link, a mistyped
// code, the host who plays no friend, "Run both phases" turned off, keyboard focus and what
// a screen reader hears, players with no points, and a lost connection and a restart.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { BOT_DESCRIPTIONS } from '../../shared/bots.ts';
import type { Player } from './harness.ts';
import { joinRoom, open, stage } from './harness.ts';

const players: Player[] = [];
const world = stage(players);

async function page(url: string): Promise<Player> {
  const p = await open(world.browser, url);
  players.push(p);
  return p;
}

/** The accessible name of the focused element, as a screen reader says it; '(nothing)' for none. */
async function focused(page: Page): Promise<string> {
  const element = page.locator('*:focus');
  if ((await element.count()) === 0) return '(nothing)';
  // The accessibility tree's line for it, e.g. `- button "Promise request to Amy"`.
  const line = (await element.ariaSnapshot()).split('\n')[0] ?? '';
  return /"(.*)"/.exec(line)?.[1] ?? line;
}

/** Presses Tab until the focus is on an element named `name`; how many presses it took. */
async function tabsTo(page: Page, name: RegExp, max = 80): Promise<number> {
  for (let presses = 0; presses <= max; presses++) {
    if (name.test(await focused(page))) return presses;
    await page.keyboard.press('Tab');
  }
  return Infinity;
}

/** Creates a room from the home page with these settings; returns its code. */
async function create(p: Player, name: string | null, settings: (page: Page) => Promise<void>) {
  const { page } = p;
  await page.getByText('Room settings:').click();
  await settings(page);
  if (name === null) await page.getByLabel('Just host').check();
  else await page.locator('#host-name').fill(name);
  await page.getByRole('button', { name: 'Create room' }).click();
  await page.waitForURL(/\/r\/[A-Z0-9]{5}$/);
  return new URL(page.url()).pathname.split('/')[2]!;
}

async function addBot(host: Page, kind: keyof typeof BOT_DESCRIPTIONS) {
  await host.getByText('Add a bot to an empty seat').click();
  await host.getByLabel(BOT_DESCRIPTIONS[kind]).check();
  await host.getByRole('button', { name: /^Add a bot at/ }).click();
}

describe('rough edges, in Chromium', { timeout: 90_000 }, () => {
  it('a dead link says there is no room at once, and a mistyped code is told in words', async () => {
    const p = await page(`${world.server.url}/r/QQQQQ`);
    await p.page.getByRole('heading', { name: 'No room QQQQQ' }).waitFor();
    expect(await p.page.locator('#room-join-name').count()).toBe(0);
    await p.page.getByRole('link', { name: 'Go to the start page' }).click();
    await p.page.locator('#join-code').fill('Q0');
    await p.page.locator('#join-name').fill('Ana');
    await p.page.getByRole('button', { name: 'Join room' }).click();
    await p.page.getByText('Room codes are 5 letters and digits, like KXQ7M').waitFor();
    expect(await p.page.getByText('Invalid payload').count()).toBe(0);
  });

  it('just host, "Run both phases" off, focus stays near the action, 0 points are shown', async () => {
    const host = await page(world.server.url);
    const code = await create(host, null, async (page) => {
      await page.getByLabel('Allow "Run both phases"').uncheck();
    });
    const amy = await page(`${world.server.url}/r/${code}`);
    await joinRoom(amy, 'Ana');
    await addBot(host.page, 'quiet'); // Ben: plays a seat, will score nothing
    await host.page.getByRole('button', { name: 'Start the round' }).click();

    // The host plays no friend: told so, not that they watch because every seat is taken.
    await host.page.getByText('You host this room without a seat').waitFor();
    expect(await host.page.getByText(/You are watching|every seat is taken/).count()).toBe(0);

    const { page: p } = amy;
    await p.getByText('The host turned off "Run both phases" for this round').waitFor();
    expect(await p.getByRole('button', { name: /Run both phases/ }).count()).toBe(0);
    expect(await p.getByRole('log', { name: 'Transcript, newest line last' }).count()).toBe(1);

    // By keyboard: a new proposal, then a promise request to Amy, Ben and Cal.
    await p.getByRole('button', { name: 'Start a new proposal' }).focus();
    await p.keyboard.press('Enter');
    await expect.poll(() => focused(p)).toBe('Promise request to Amy');
    const presses: number[] = [];
    for (const to of ['Amy', 'Ben', 'Cal']) {
      presses.push(await tabsTo(p, new RegExp(`^Promise request to ${to}$`)));
      await p.keyboard.press('Enter');
      await p.getByText(`PROMISE Request from Amy(p: 1) to ${to}`).first().waitFor();
    }
    expect(presses).toEqual([0, 1, 1]);
    // The quorum is there: the next action is one key away, not 35 Tab presses.
    await expect.poll(() => focused(p)).toBe('Accept request to Amy');
    expect(await tabsTo(p, /^Accept request to Amy$/)).toBe(0);
    // A screen reader hears the new lines as one summary, not line by line.
    await expect
      .poll(() => p.locator('.log [role="status"]').textContent())
      .toMatch(/^(New line: |\d+ new lines\. The last: )/);

    await p.keyboard.press('Enter');
    for (const to of ['Ben', 'Cal']) {
      await p.getByRole('button', { name: `Accept request to ${to}` }).click();
    }
    // The round is over; the quiet bot scored nothing and is on the board with 0 points.
    for (const q of [p, host.page]) {
      const scores = q.getByRole('region', { name: 'Scores' });
      const bot = scores.getByRole('row', { name: /Ben \(bot\)/ });
      await bot.waitFor();
      expect((await bot.getByRole('cell').last().textContent())?.trim()).toBe('0');
    }
  });

  it('a lost connection disables the buttons and fails at once; a restart keeps the turn', async () => {
    const host = await page(world.server.url);
    const code = await create(host, 'Ana', async (page) => {
      await page.getByLabel('Turn-based').check();
      await page.getByLabel('Turn timer (seconds)').fill('300');
      await page.getByLabel('Turn timer (seconds)').press('Tab');
    });
    const { page: p } = host;
    await p.getByText('You: Ana as Amy').waitFor();
    await addBot(p, 'quiet'); // Ben: passes its turns at once while Ana is here
    await p.getByRole('button', { name: 'Start the round' }).click();
    const turnNews = p.locator('#turn-news');
    await expect
      .poll(() => turnNews.first().textContent())
      .toBe('Your turn, Amy: 2 actions, 300 seconds.');

    // Two requests spend the turn: the buttons are disabled, the focus stays in the card.
    await p.getByRole('button', { name: 'Start a new proposal' }).click();
    await p.getByRole('button', { name: 'Promise request to Amy' }).focus();
    await p.keyboard.press('Enter');
    await p.keyboard.press('Enter');
    await expect.poll(() => turnNews.first().textContent()).toMatch(/^Ben's turn/);
    await expect.poll(() => focused(p)).toBe('Act as Amy');
    // Ben (a quiet bot) passes; Ana's next turn; she uses one of its two actions.
    await expect
      .poll(() => turnNews.first().textContent(), { timeout: 10_000 })
      .toMatch(/^Your turn/);
    await p.getByRole('button', { name: 'Promise request to Ben' }).click();
    await p.getByText('1 of 2').first().waitFor();
    const turn = (await p.locator('.turns .head .hint').textContent())!.trim();

    const screen = await page(`${world.server.url}/r/${code}/screen`);
    await screen.page.getByText('Log').first().waitFor();

    // The server goes away.
    await world.server.close();
    await p.getByText('Connection lost. Reconnecting… your seat is kept.').waitFor();
    await screen.page.getByText('Connection lost. Reconnecting…').waitFor();
    expect(await screen.page.getByText(/seat is kept/).count()).toBe(0);
    // Every move waits, with the reason; a click that is still possible fails at once.
    expect(await p.getByRole('button', { name: 'Promise request to Cal' }).isDisabled()).toBe(true);
    await p
      .getByText('Reconnecting… you can act again once the connection is back.')
      .first()
      .waitFor();
    await p.locator('#host-note').fill('Anyone there?');
    await p.getByRole('button', { name: 'Add to the log' }).click();
    await p.getByText('You are offline (reconnecting…): nothing was sent.').waitFor({
      timeout: 5000,
    });

    // It comes back on the same database and port: the turn is where it was.
    await world.restart();
    await p.getByText('Connected again. You are back in your seat.').waitFor({ timeout: 20_000 });
    await p.getByText('1 of 2').first().waitFor();
    expect((await p.locator('.turns .head .hint').textContent())!.trim()).toBe(turn);
    await expect.poll(() => turnNews.first().textContent()).toMatch(/^Your turn/);
    expect(await p.getByRole('button', { name: 'Promise request to Cal' }).isDisabled()).toBe(
      false,
    );
  });
});
