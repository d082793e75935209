// The space-time diagram and the quorum story in Chromium (issue 10): the notebook's case 2
// and then case 3 are played in a room (four friends through real sockets, Eva on a 360-px
// phone by clicking), and the phone and the projector show the diagram live: the carried
// movie, the friend who tells Eva about it highlighted on the map and explained, the rejected
// accept of case 3, the timeline followed when the projector scrubs, and an SVG download.
// Screenshots go to test-results/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { asRoomStep, seedCase } from '../room/case3.ts';
import type { Client } from '../server/helpers.ts';
import { connect, data } from '../server/helpers.ts';
import type { Player } from './harness.ts';
import { SHOTS, createRoom, fitsWidth, joinRoom, open, screenshot, stage } from './harness.ts';

const players: Player[] = [];
const world = stage(players);
const sockets: Client[] = [];
afterAll(() => sockets.forEach((s) => s.close()));

async function player(url: string, viewport = { width: 1280, height: 900 }): Promise<Player> {
  const p = await open(world.browser, url, viewport);
  players.push(p);
  return p;
}

const poll = <T>(read: () => Promise<T> | T, timeout = 10_000) => expect.poll(read, { timeout });

/** Plays case `n` in a new round: Amy, Ben, Cal and Dan by socket, Eva by clicks on `eva`. */
async function playCase(
  n: 2 | 3,
  code: string,
  host: Client,
  seats: Record<string, Client>,
  eva: Page,
) {
  data(await host.emitWithAck('host:startRound', {}));
  await eva.getByRole('button', { name: 'Start a new proposal' }).waitFor();
  for (const step of seedCase(n).map(asRoomStep)) {
    if ('say' in step) continue;
    const c = step.command;
    if (step.node === 'Eva') {
      if (c.type === 'node:newProposal') {
        await eva.locator('#movie').fill(c.value);
        await eva.getByRole('button', { name: 'Start a new proposal' }).click();
      } else if (c.type === 'node:promiseRequest' || c.type === 'node:acceptRequest') {
        const kind = c.type === 'node:promiseRequest' ? 'Promise' : 'Accept';
        const button = eva.getByRole('button', { name: `${kind} request to ${c.to}`, exact: true });
        await poll(() => button.isEnabled()).toBe(true);
        await button.click();
      }
      // The click's command is the server's before the next step is sent.
      const done = () => {
        const me = world.server.app.rooms.open(code)?.round?.paxos.proposers.Eva;
        if (!me) return false;
        if (c.type === 'node:newProposal') return me.value === c.value;
        const asked = c.type === 'node:promiseRequest' ? me.promiseAsked : me.acceptAsked;
        return asked.includes(c.to as string);
      };
      await poll(done).toBe(true);
      continue;
    }
    const socket = seats[step.node]!;
    if (c.type === 'node:newProposal') data(await socket.emitWithAck(c.type, { value: c.value }));
    else if (c.type !== 'node:propose')
      data(await socket.emitWithAck(c.type, { to: c.to as 'Amy' }));
  }
}

const story = (p: Page) => p.getByTestId('quorum-story').textContent();
const diagramBox = (p: Page) => p.locator('.diagram .box').first();

describe('the space-time diagram, in Chromium', { timeout: 150_000 }, () => {
  it('case 2 then case 3: the carried movie, the shared friend and the rejected accept', async () => {
    const url = world.server.url;
    const host = await player(url, { width: 1366, height: 900 });
    const code = await createRoom(host, null, { keepPlaying: true });
    const token = await host.page.evaluate(
      (c) => JSON.parse(localStorage.getItem(`movie-night-paxos:room:${c}`)!).host as string,
      code,
    );
    const hostSocket = await connect(url);
    sockets.push(hostSocket);
    data(await hostSocket.emitWithAck('room:resume', { code, token }));
    const seats: Record<string, Client> = {};
    for (const [seat, name] of [
      ['Amy', 'amy'],
      ['Ben', 'ben'],
      ['Cal', 'cal'],
      ['Dan', 'dan'],
    ] as const) {
      const s = await connect(url);
      sockets.push(s);
      data(await s.emitWithAck('room:join', { code, name }));
      seats[seat] = s;
    }
    const eva = await player(`${url}/r/${code}`, { width: 360, height: 740 });
    await joinRoom(eva, 'Eve');
    await eva.page.getByText('You: Eve as Eva').waitFor();
    const screen = await host.context.newPage();
    screen.on('pageerror', (error) => host.errors.push(error.message));
    await screen.setViewportSize({ width: 1920, height: 1080 });
    await screen.goto(`${url}/r/${code}/screen`);

    // Case 2: Cal had accepted Openhimer in Amy's proposal 1 and promises Eva.
    await playCase(2, code, hostSocket, seats, eva.page);
    await poll(() => story(eva.page)).toContain(
      'Cal promised you and had accepted Openhimer in proposal 1, so your accept requests carry Openhimer.',
    );
    await poll(() => story(screen)).toContain(
      "Cal promised Eva and had accepted Openhimer in proposal 1, so Eva's accept requests carry Openhimer.",
    );
    // Cal is highlighted on every map, and on the projector's diagram.
    for (const p of [eva.page, screen]) {
      await poll(() => p.locator('.node.shared').count()).toBe(1);
      expect(await p.locator('.node.shared .name').textContent()).toMatch(/^Cal/);
    }
    await poll(() => screen.locator('.diagram svg rect.lane-shared[data-node="Cal"]').count()).toBe(
      1,
    );
    // Eva's accept requests carry Openhimer, all granted: case 2 has no rejected accept.
    const evaAccepts = screen.locator('.diagram g.arrow.acceptRequest title', {
      hasText: 'Eva → Cal',
    });
    await poll(() => evaAccepts.textContent()).toContain('accept request 2: Openhimer');
    expect(await screen.locator('.diagram g.arrow.rejected').count()).toBe(0);

    // The phone: the diagram is folded away until tapped, then scrolls within its box.
    const details = eva.page.locator('.diagram > details');
    expect(await details.getAttribute('open')).toBeNull();
    await eva.page.getByText('Space-time diagram', { exact: true }).click();
    await diagramBox(eva.page).waitFor();
    const box = await diagramBox(eva.page).evaluate((el) => ({
      scrollWidth: el.scrollWidth,
      clientWidth: el.clientWidth,
    }));
    expect(box.scrollWidth).toBeGreaterThan(box.clientWidth);
    const fit = await fitsWidth(eva.page);
    expect(fit.scrollWidth).toBeLessThanOrEqual(fit.innerWidth);
    // The projector without the host's console: the diagram gets the room it has in class.
    await screen.getByRole('button', { name: 'Hide the console' }).click();
    await screen.locator('.diagram').scrollIntoViewIfNeeded();
    await screen.screenshot({ path: join(SHOTS, 'diagram-shared-friend-1920.png') });
    await eva.page.getByTestId('quorum-story').scrollIntoViewIfNeeded();
    await eva.page.screenshot({ path: join(SHOTS, 'diagram-shared-friend-phone-360.png') });

    // Case 3, a new round: nobody Eva asks had accepted, so Barbie; Cal rejects Amy's late accept.
    await playCase(3, code, hostSocket, seats, eva.page);
    await poll(() => story(screen)).toContain(
      "Nobody who promised Eva (Cal, Dan and Eva) had accepted a movie, so Eva's accept requests carry its own Barbie.",
    );
    const rejected = screen.locator('.diagram g.arrow.acceptReply.rejected title');
    await poll(() => rejected.count()).toBe(1);
    expect(await rejected.textContent()).toMatch(/Cal → Amy: rejected \d+ \(promised \d+\)/);
    expect(await screen.locator('.node.shared').count()).toBe(0);
    await poll(() => screen.locator('.diagram svg').textContent()).toContain('chosen: Barbie');
    await screenshot(screen, 'diagram-case-3-1920.png');

    // The projector scrubs back one point: the diagram follows, Cal's rejection still in flight.
    const rows = () => screen.locator('.diagram .words li').count();
    const live = await rows();
    await screen.keyboard.press('PageUp');
    await poll(() => screen.locator('.diagram svg title').first().textContent()).toContain(
      '(looking back)',
    );
    expect(await rows()).toBeLessThan(live);
    expect(await screen.locator('.diagram g.arrow.acceptReply.rejected.flying').count()).toBe(1);
    await screen.keyboard.press('Escape');
    await poll(() => rows()).toBe(live);

    // Download SVG: the diagram as shown, with its file name.
    const [file] = await Promise.all([
      screen.waitForEvent('download'),
      screen.getByRole('link', { name: 'Download SVG' }).click(),
    ]);
    expect(file.suggestedFilename()).toBe(`diagram-${code}-round-2.svg`);
    const svg = readFileSync((await file.path())!, 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('class="arrow acceptReply rejected delivered"');
    // The downloaded file itself, as a projector shows it full screen.
    const file3 = await host.context.newPage();
    await file3.setViewportSize({ width: 1920, height: 1080 });
    await file3.setContent(`<body style="margin:0">${svg}</body>`);
    await screenshot(file3, 'diagram-case-3-svg.png');
    await file3.close();

    // Round 3, quorum 2 of 5: Amy and Ben choose Openhimer, Dan and Eva choose Barbie.
    data(
      await hostSocket.emitWithAck('host:settings', {
        settings: { quorum: 2, rules: { endWhenChosen: false } },
      }),
    );
    data(await hostSocket.emitWithAck('host:startRound', {}));
    const amy = seats.Amy!;
    data(await amy.emitWithAck('node:propose', { value: 'Openhimer', to: ['Amy', 'Ben'] }));
    data(await seats.Dan!.emitWithAck('node:propose', { value: 'Barbie', to: ['Dan', 'Eva'] }));
    await poll(() => story(screen)).toContain(
      "Amy and Ben chose Openhimer, Dan and Eva chose Barbie: no friend is in both quorums, so nobody could tell Dan's proposal about Openhimer.",
    );
    for (const p of [screen, eva.page]) {
      await poll(() => p.locator('.outcome .title').first().textContent()).toMatch(
        /Two movies chosen:\s*Openhimer\s*first, then\s*Barbie/,
      );
      expect(await p.getByText('no later proposal can choose another movie').count()).toBe(0);
    }
    // The diagram tints the two quorums apart and says safety is broken.
    expect(await screen.locator('.diagram svg rect.lane-first').count()).toBe(2);
    expect(await screen.locator('.diagram svg rect.lane-second').count()).toBe(2);
    expect(await screen.locator('.diagram svg').textContent()).toContain(
      'Safety broken: two movies chosen (Openhimer and Barbie)',
    );
    await screenshot(screen, 'diagram-two-movies-1920.png');
    // The round's summary and the history say two movies, in words.
    data(await hostSocket.emitWithAck('host:endRound', {}));
    await poll(() => eva.page.locator('#summary-title').textContent()).toContain(
      'Round 3 is over: two movies were chosen, Openhimer and Barbie: safety broken',
    );
    const nights = eva.page.getByRole('region', { name: 'Movie nights so far' });
    await poll(() => nights.textContent()).toMatch(
      /Round 3:\s*two movies chosen, Openhimer and Barbie: safety broken/,
    );
    // Case 2 chose Openhimer twice (proposals 1 and 2): one movie, named once.
    expect(await nights.textContent()).toMatch(/Round 1:\s*Openhimer\s*\(/);

    // Round 4 under fog of war: Eva's phone draws only what Eva saw, and no story; once the
    // round ends, the server's diagram of it (the log is public then).
    data(
      await hostSocket.emitWithAck('host:settings', {
        settings: { rules: { visibility: 'fog', endWhenChosen: false } },
      }),
    );
    data(await hostSocket.emitWithAck('host:startRound', {}));
    data(await amy.emitWithAck('node:propose', { value: 'Secret', to: ['Amy', 'Ben', 'Cal'] }));
    await eva.page.getByText('Fog of war.').first().waitFor();
    await poll(() => eva.page.locator('.diagram .note').first().textContent()).toContain(
      'Fog of war',
    );
    expect(await eva.page.locator('.diagram').textContent()).not.toContain('Secret');
    expect(await eva.page.getByTestId('quorum-story').count()).toBe(0);
    data(await hostSocket.emitWithAck('host:endRound', {}));
    const drawn = eva.page.locator(`.diagram img[src$="/api/rooms/${code}/diagram.svg?round=4"]`);
    await drawn.waitFor();
    await poll(() => drawn.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(
      0,
    );
    expect(eva.errors).toEqual([]);
    expect(host.errors).toEqual([]);
  });
});
