// Phones that all connect in the same seconds from one address (a class behind one school
// NAT) meet the server's budget of new connections per address (server/limits.ts): the
// handshake is refused with `rate_limited`, which socket.io does not retry by itself. The
// client tries again, later each time (client/lib/connection.svelte.ts), so every phone gets
// in as the budget refills. Here the budget is 1 at once, then one each 2 s, for five pages.
import { expect, it } from 'vitest';
import type { Player } from './harness.ts';
import { createRoom, open, stage } from './harness.ts';

const players: Player[] = [];
const world = stage(players, { limits: { addressConnects: { perSecond: 0.5, burst: 1 } } });
const PHONE = { width: 390, height: 844 };
const NAMES = ['Ada', 'Bea', 'Cal', 'Dov'];

it(
  'phones refused by the connect budget get in as it refills, and join',
  { timeout: 90_000 },
  async () => {
    const host = await open(world.browser, world.server.url);
    players.push(host);
    const code = await createRoom(host, 'Host');

    // Four phones open the join link at once: one socket is let in at first, then one each 2 s.
    const phones = await Promise.all(
      NAMES.map(() => open(world.browser, `${world.server.url}/r/${code}`, PHONE)),
    );
    players.push(...phones);
    // A refused phone waits 1-2 s, then 2-4 s, … (at most 16 s) between tries, and its Join
    // waits for the first connection: room to spare.
    await Promise.all(
      phones.map(async ({ page }, i) => {
        await page.locator('#room-join-name').fill(NAMES[i]!, { timeout: 60_000 });
        await page.getByRole('button', { name: 'Join', exact: true }).click();
        await page.getByText(`You: ${NAMES[i]} as`).waitFor({ timeout: 60_000 });
      }),
    );
    for (const name of NAMES) await host.page.getByText(name, { exact: true }).first().waitFor();
    expect(await host.page.locator('body').textContent()).toContain('Dov');
  },
);
