// The browser tests' world: the client built once, the real server on a free
// port with a SQLite file, and one Debian Chromium with a context per player.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import type { App } from '../../server/app.ts';
import { createApp } from '../../server/app.ts';
import type { Limits } from '../../server/limits.ts';
import { silentLogger } from '../../server/log.ts';
import { SqliteStore } from '../../server/store/sqlite.ts';

export const repo = fileURLToPath(new URL('../..', import.meta.url));
export const INSTALL = 'apt-get update && apt-get install -y chromium';
export const SHOTS = join(repo, 'test-results');

export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(
      `The browser tests need Chromium at ${path}, which is missing. Install Debian's Chromium ` +
        `with:\n\n    ${INSTALL}\n\n(or point CHROMIUM_PATH at a Chromium binary).`,
    );
  }
  return path;
}

/** A headless Chromium; Playwright gives each launch a fresh, temporary user data dir. */
export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** `vite build` into a temp directory, so a running `npm start` keeps its dist/. */
export function buildClient(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'mnp-client-'));
  execFileSync(
    join(repo, 'node_modules/.bin/vite'),
    ['build', '--outDir', dir, '--emptyOutDir', '--logLevel', 'error'],
    // Vitest sets NODE_ENV=test, which would pull Svelte's development runtime into the bundle.
    {
      cwd: repo,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Served {
  url: string;
  port: number;
  app: App;
  store: SqliteStore;
  close(): Promise<void>;
}

/** The real server (createApp) on `port` (0: a free one), with the log in `dbPath`. */
export async function serve(
  clientDir: string,
  dbPath: string,
  port = 0,
  limits: Partial<Limits> = {},
): Promise<Served> {
  const store = new SqliteStore(dbPath);
  const app = createApp({
    store,
    clock: () => Date.now(),
    clientDir,
    logger: silentLogger,
    // Five players share one machine here; the limit itself has its own server test.
    rateLimit: { perSecond: 200, burst: 400 },
    limits,
  });
  const bound = await app.listen(port, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${bound.port}`,
    port: bound.port,
    app,
    store,
    close: async () => {
      await app.close();
      store.close();
    },
  };
}

/** What a browser test file plays on: one Chromium and the real server on a fresh database. */
export interface Stage {
  readonly browser: Browser;
  readonly server: Served;
  /** Serves again on the same port and database, after the test closed `server`. */
  restart(): Promise<Served>;
}

/**
 * Builds the client, starts the server and Chromium once for the file (beforeAll), and at
 * the end (afterAll) checks that no page of `players` opened a dialog or threw (nothing a
 * player typed may run as code, and no page may crash), then takes everything down.
 */
export function stage(
  players: readonly Player[],
  options: { limits?: Partial<Limits> } = {},
): Stage {
  let client: { dir: string; cleanup: () => void } | undefined;
  let data: string | undefined;
  let browser: Browser | undefined;
  let server: Served | undefined;
  const dbPath = () => join(data!, 'rooms.db');
  beforeAll(async () => {
    chromiumPath(); // Fails here, with the install command, when Chromium is missing.
    client = buildClient();
    data = mkdtempSync(join(tmpdir(), 'mnp-data-'));
    server = await serve(client.dir, dbPath(), 0, options.limits);
    browser = await launch();
  }, 60_000);
  afterAll(async () => {
    for (const p of players) {
      expect(p.dialogs).toEqual([]);
      expect(p.errors).toEqual([]);
    }
    await browser?.close();
    await server?.close();
    client?.cleanup();
    if (data) rmSync(data, { recursive: true, force: true });
  });
  return {
    get browser() {
      return browser!;
    },
    get server() {
      return server!;
    },
    async restart() {
      server = await serve(client!.dir, dbPath(), server!.port, options.limits);
      return server;
    },
  };
}

export interface Player {
  context: BrowserContext;
  page: Page;
  /** Dialogs (alert, confirm) the page opened: an injected script would show up here. */
  dialogs: string[];
  /** Uncaught errors in the page. */
  errors: string[];
}

export async function open(
  browser: Browser,
  url: string,
  viewport = { width: 1280, height: 900 },
): Promise<Player> {
  const context = await browser.newContext({ viewport, reducedMotion: 'reduce' });
  const page = await context.newPage();
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  return { context, page, dialogs, errors };
}

/** Creates a room from the home page; returns its code. */
export async function createRoom(
  p: Player,
  name: string | null,
  options: { keepPlaying?: boolean } = {},
): Promise<string> {
  const { page } = p;
  if (options.keepPlaying) {
    await page.getByText('Room settings:').click();
    await page.getByLabel('End the round when a movie is chosen').uncheck();
  }
  if (name === null) await page.getByLabel('Just host').check();
  else await page.locator('#host-name').fill(name);
  await page.getByRole('button', { name: 'Create room' }).click();
  await page.waitForURL(/\/r\/[A-Z0-9]{5}$/);
  const code = new URL(page.url()).pathname.split('/')[2]!;
  if (name !== null) await page.getByText(`You: ${name} as`).waitFor();
  else await page.getByRole('button', { name: 'Start the round' }).waitFor();
  return code;
}

/** Joins on a page opened at the join link, as a phone that scanned the QR code would. */
export async function joinRoom(p: Player, name: string) {
  await p.page.locator('#room-join-name').fill(name);
  await p.page.getByRole('button', { name: 'Join', exact: true }).click();
  await p.page.getByText(`You: ${name} as`).waitFor();
}

/** The transcript as the Log panel shows it, one `print` a line. */
export async function logText(page: Page): Promise<string> {
  const lines = await page
    .getByLabel('Transcript, newest line last')
    .locator('li')
    .allTextContents();
  return lines.map((l) => (l.trim() === '' ? '' : l)).join('\n') + (lines.length ? '\n' : '');
}

/** No horizontal scrolling: the page fits its viewport. */
export async function fitsWidth(page: Page): Promise<{ scrollWidth: number; innerWidth: number }> {
  return page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}
