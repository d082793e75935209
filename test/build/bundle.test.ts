// What a phone transfers for the player view, measured on a production build: the budget is
// on brotli (scripts/bundle-size.ts), and the lazy boundary is the folder layout of client/.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUDGET_BYTES, measure } from '../../scripts/bundle-size.ts';
import type { BuiltClient } from './client.ts';
import { buildClient, repo } from './client.ts';

let client: BuiltClient;
beforeAll(async () => {
  client = await buildClient();
}, 120_000);
afterAll(() => client?.cleanup());

/** The repository paths of the modules in the chunks the player view loads at once. */
function playerModules(): string[] {
  const chunks = client.output.filter((o) => o.type === 'chunk');
  const byFile = new Map(chunks.map((c) => [c.fileName, c]));
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const next of byFile.get(file)?.imports ?? []) visit(next);
  };
  for (const c of chunks) if (c.isEntry) visit(c.fileName);
  return [...seen].flatMap((f) => byFile.get(f)!.moduleIds.map((id) => relative(repo, id)));
}

const svelteFiles = (dir: string) =>
  readdirSync(join(repo, dir))
    .filter((f) => f.endsWith('.svelte'))
    .map((f) => `${dir}/${f}`);

describe('the production build', { timeout: 30_000 }, () => {
  it('keeps the player view within the brotli budget', () => {
    const size = measure(client.dir);
    expect(Object.keys(size.player).some((f) => f.endsWith('.js'))).toBe(true);
    expect(Object.keys(size.player).some((f) => f.endsWith('.css'))).toBe(true);
    expect(Object.keys(size.onDemand).length).toBeGreaterThan(0);
    const files = Object.entries(size.player).map(([file, s]) => `${file} ${s.brotli}`);
    expect(size.playerTotal.brotli, `brotli bytes: ${files.join(', ')}`).toBeLessThanOrEqual(
      BUDGET_BYTES,
    );
  });

  it('loads client/screens/player/ and client/components/ at once, the other screens on demand', () => {
    const modules = playerModules();
    for (const file of [
      ...svelteFiles('client/screens/player'),
      ...svelteFiles('client/components'),
    ]) {
      expect(modules).toContain(file);
    }
    expect(modules.filter((m) => /^client\/screens\/(?!player\/)/.test(m))).toEqual([]);
  });

  it('leaves the deciders out of the player view: the dry run of a refusal loads on demand', () => {
    const modules = playerModules();
    // Folding (evolve) is eager; deciding is only for the dry run (client/lib/refusals.ts).
    expect(modules).toContain('shared/room/evolve.ts');
    for (const file of [
      'shared/room/decide.ts',
      'shared/room/commands.ts',
      'client/lib/refusals.ts',
    ]) {
      expect(modules).not.toContain(file);
    }
  });

  it('writes a brotli and a gzip copy of every text file, each the same bytes', () => {
    const files = client.output.map((o) => o.fileName).filter((f) => /\.(js|css|html)$/.test(f));
    expect(files).toContain('index.html');
    for (const file of files) {
      const path = join(client.dir, file);
      const bytes = readFileSync(path);
      expect(brotliDecompressSync(readFileSync(`${path}.br`)).equals(bytes), file).toBe(true);
      expect(gunzipSync(readFileSync(`${path}.gz`)).equals(bytes), file).toBe(true);
    }
  });
});
