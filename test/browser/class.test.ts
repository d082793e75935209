// A class in Chromium (issue 11): the instructor creates a class from the home page, ten
// phones join by typing the code and a nickname, one round seats them at two tables of five,
// the dashboard shows both tables with their players, a class-wide question is asked,
// answered on the phones, revealed, and the projector shows the distribution and the answer.
// Real server, real sockets, the built client. Screenshots: /tmp/shots/class-*.png.
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Player } from './harness.ts';
import { open, stage } from './harness.ts';

const players: Player[] = [];
const world = stage(players);

const SHOTS = '/tmp/shots';
const PHONE = { width: 390, height: 844 };
const NAMES = ['Ada', 'Bea', 'Cal', 'Dov', 'Eli', 'Fay', 'Gus', 'Hal', 'Ivy', 'Kit'];

async function player(url: string, viewport = { width: 1366, height: 768 }): Promise<Player> {
  const p = await open(world.browser, url, viewport);
  players.push(p);
  return p;
}

function shot(page: Page, name: string): Promise<Buffer> {
  mkdirSync(SHOTS, { recursive: true });
  return page.screenshot({ path: `${SHOTS}/${name}` });
}

/** Polls with room to spare: two cores are shared by eleven pages and the server here. */
const poll = <T>(read: () => Promise<T> | T, timeout = 20_000) => expect.poll(read, { timeout });

describe('a class in Chromium', { timeout: 240_000 }, () => {
  it('ten phones join, sit at two tables, answer a class-wide question; the projector shows the result', async () => {
    const teacher = await player(world.server.url);
    const { page: dash } = teacher;

    // "Create a class" on the home page: tables of five (the default), the dashboard opens.
    await dash.getByLabel('Class title').fill('Paxos, week 3');
    await dash.getByRole('button', { name: 'Create class' }).click();
    await dash.waitForURL(/\/c\/\d{6}\/host$/);
    const code = new URL(dash.url()).pathname.split('/')[2]!;
    await dash.getByRole('heading', { name: /Paxos, week 3/ }).waitFor();

    // Each phone opens the home page and types the code and a nickname into the join box.
    const phones: Player[] = [];
    for (const name of NAMES) {
      const phone = await player(world.server.url, PHONE);
      await phone.page.locator('#join-code').fill(code);
      await phone.page.locator('#join-name').fill(name);
      await phone.page.getByRole('button', { name: 'Join room' }).click();
      await phone.page.waitForURL(new RegExp(`/c/${code}$`));
      await phone.page.getByRole('heading', { name: `You are in, ${name}!` }).waitFor();
      phones.push(phone);
    }
    await poll(() => dash.getByRole('status').first().textContent()).toMatch(/10\s*joined/);
    await poll(() => dash.getByRole('status').first().textContent()).toMatch(/10\s*waiting/);

    // A nickname already in the class is refused in words, and nothing is joined.
    const twin = await player(`${world.server.url}/c/${code}`, PHONE);
    await twin.page.locator('#class-name').fill('ada');
    await twin.page.getByRole('button', { name: 'Join class' }).click();
    await poll(() => twin.page.getByRole('alert').count()).toBeGreaterThan(0);
    await twin.context.close();

    // One round seats all ten: two tables of five, no bots, and each phone follows its table.
    await dash.getByRole('button', { name: /^Start round/ }).click();
    const tables = dash.getByRole('article');
    await poll(() => tables.count()).toBe(2);
    for (const index of [1, 2]) {
      const card = dash.getByRole('article', { name: `Table ${index}` });
      await poll(() => card.locator('.seats li').count()).toBe(5);
      await poll(() => card.textContent()).not.toContain('bot');
    }
    const seated = (await tables.allTextContents()).join(' ');
    for (const name of NAMES) expect(seated).toContain(name);
    for (const [i, phone] of phones.entries()) {
      await poll(() => phone.page.getByRole('status').first().textContent()).toMatch(
        new RegExp(`Class ${code}\\s*· Table [12] · you are\\s*${NAMES[i]}`),
      );
      await phone.page.getByText(`You: ${NAMES[i]} as`).waitFor();
    }
    await shot(phones[0]!.page, 'class-phone-table.png');
    // A table takes nobody by its code: a student's phone offers no invite to it.
    expect(await phones[0]!.page.getByRole('button', { name: 'Show invite' }).count()).toBe(0);

    // The projector, in the instructor's browser: the code huge, how many joined (no names).
    const screen = await teacher.context.newPage();
    screen.on('pageerror', (error) => teacher.errors.push(error.message));
    await screen.setViewportSize({ width: 1920, height: 1080 });
    await screen.goto(`${world.server.url}/c/${code}/screen`);
    const big = screen.getByLabel(`Class code ${code}`);
    await big.waitFor();
    const size = await big.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(size).toBeGreaterThanOrEqual(80);
    await poll(() => screen.getByRole('status').first().textContent()).toMatch(/10\s*joined/);
    for (const name of NAMES)
      expect(await screen.locator('main').textContent()).not.toMatch(new RegExp(`\\b${name}\\b`));

    // A class-wide question with a right answer, asked from the dashboard.
    await dash.locator('#q-text').fill('Can two tables choose different movies?');
    await dash.getByLabel('Choice 1', { exact: true }).fill('Yes');
    await dash.getByLabel('Choice 2', { exact: true }).fill('No');
    await dash.getByLabel('Choice 1 is the right answer').check();
    await dash.getByRole('button', { name: 'Ask the class' }).click();

    // Seven say Yes, three say No; Ada first says No and changes her mind.
    const question = (p: Page) =>
      p.getByRole('region', { name: 'Can two tables choose different movies?' });
    await question(phones[0]!.page).getByRole('button', { name: 'No', exact: true }).click();
    await poll(() => question(phones[0]!.page).textContent()).toContain('Your answer: No');
    for (const [i, phone] of phones.entries()) {
      const choice = i < 7 ? 'Yes' : 'No';
      await question(phone.page).getByRole('button', { name: choice, exact: true }).click();
      await poll(() => question(phone.page).textContent()).toContain(`Your answer: ${choice}`);
    }
    await shot(phones[0]!.page, 'class-phone-question.png');
    await poll(() => dash.getByText('10 of 10 answered').count()).toBe(1);
    await poll(() => screen.getByLabel('Answers so far').textContent()).toMatch(/Yes\s*7.*No\s*3/s);

    // The reveal: the phones say who was right; the projector marks the right answer.
    await dash.getByRole('button', { name: 'Reveal' }).click();
    await poll(() => question(phones[0]!.page).textContent()).toContain(
      'Right! The answer is Yes.',
    );
    await poll(() => question(phones[9]!.page).textContent()).toContain(
      'Not this time: you said No, the answer is Yes.',
    );
    const bars = screen.getByLabel('Answers so far');
    await poll(() => bars.locator('li.right').textContent()).toMatch(/Yes\s*right answer\s*7/);
    await shot(screen, 'class-projector.png');
    await shot(dash, 'class-dashboard.png');

    // One table on the projector: its own screen (the table is locked to newcomers, the
    // projector opens it with a host token of its own).
    const card = dash.getByRole('article', { name: 'Table 1' });
    await card.getByRole('button', { name: 'Project' }).click();
    // The table's own title (its code is not shown: a locked room invites nobody).
    await poll(() => screen.locator('body').textContent()).toContain('Paxos, week 3 · Table 1');
    await poll(() => screen.locator('body').textContent()).toContain(NAMES[0]!);
    // The table takes nobody new: the projector invites nobody to it.
    expect(await screen.getByText('Join on your phone').count()).toBe(0);
    await shot(screen, 'class-projector-table.png');

    // And back: the class's own screen, its code huge again.
    await dash.getByRole('button', { name: 'Project the class screen' }).click();
    await screen.getByLabel(`Class code ${code}`).waitFor();
    expect(await screen.locator('body').textContent()).not.toContain('Paxos, week 3 · Table 1');

    // A phone goes away: its table calls for the instructor, and the filter shows only it.
    await poll(() => dash.getByText('All tables are fine', { exact: true }).count()).toBe(1);
    await phones[9]!.context.close();
    await poll(() => dash.getByText('1 needs you', { exact: true }).count()).toBe(1);
    const calling = dash.getByRole('article').filter({ hasText: 'Needs you: 1 offline' });
    await poll(() => calling.count()).toBe(1);
    expect(await calling.textContent()).toContain(NAMES[9]!);
    await dash.getByLabel('Only tables that need you').check();
    await poll(() => dash.getByRole('article').count()).toBe(1);
    await shot(dash, 'class-dashboard-calling.png');

    // The instructor finds a student by a piece of their name.
    const roster = dash.getByRole('region', { name: /^Students/ }).locator('li');
    await poll(() => roster.count()).toBe(10);
    await dash.getByLabel('Find a student').fill('KI');
    await poll(() => roster.count()).toBe(1);
    expect(await roster.textContent()).toContain('Kit');

    // A demo of three nodes at every table: Dan and Eva sit it out, on the cards and the phones.
    await dash.getByLabel('Only tables that need you').uncheck();
    await poll(() => dash.getByRole('article').count()).toBe(2);
    await dash.getByText('From a demo').click();
    await dash
      .getByRole('button', { name: /two.movies/i })
      .first()
      .click();
    await dash.getByRole('button', { name: /^Load .* at every table/ }).click();
    // (An offline student's seat says so first: Kit's phone is closed.)
    const seats = dash.getByRole('article').locator('.seats li');
    await poll(async () =>
      (await seats.allTextContents()).map((line) => {
        const seat = line.trim().split(/\s/)[0]!;
        const out = ['Dan', 'Eva'].includes(seat);
        return (out ? /sits out|offline/.test(line) : !/sits out/.test(line)) ? 'ok' : line;
      }),
    ).toEqual(Array(10).fill('ok'));
    for (const phone of phones.slice(0, 9)) {
      const me = await phone.page.getByText(/^You: .* as /).textContent();
      const seat = / as\s+(\w+)\s*$/.exec(me!)![1]!;
      const note = phone.page.getByText(`This round has no ${seat}`);
      await poll(() => note.count()).toBe(['Dan', 'Eva'].includes(seat) ? 1 : 0);
    }

    for (const phone of phones.slice(0, 9)) await phone.context.close();
  });
});
