// The server's log: one JSON line per entry (pino), with the room's code and the event,
// never a token, a screen key or a browser id.
import { describe, expect, it } from 'vitest';
import { jsonLogger, logFormat } from '../../server/log.ts';
import { connect, data, startServer } from './helpers.ts';

/** A pino destination that keeps every line written to it. */
function collect(): { lines: string[]; write(line: string): void } {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(...line.split('\n').filter(Boolean)) };
}

describe('the log', () => {
  it('a join is logged with its room and event, and no secret of any session', async () => {
    const out = collect();
    const t = await startServer({ logger: jsonLogger({ destination: out }) });
    const host = await connect(t.url);
    const created = data(await host.emitWithAck('room:create', { settings: {} }));
    const code = created.identity.code;
    const amy = await connect(t.url);
    const browser = 'a'.repeat(32);
    const joined = data(await amy.emitWithAck('room:join', { code, name: 'amy', browser }));
    const tab = await connect(t.url);
    data(await tab.emitWithAck('room:resume', { code, token: joined.token, browser }));
    const screen = await connect(t.url);
    data(await screen.emitWithAck('room:watch', { code, key: created.screenKey }));
    const { screenKey } = data(await host.emitWithAck('host:screenKey', {}));
    data(await host.emitWithAck('host:kick', { playerId: joined.identity.playerId! }));
    for (const s of [host, amy, tab, screen]) s.disconnect();
    await t.close();

    const entries = out.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const join = entries.find((e) => e.event === 'room:join');
    expect(join).toMatchObject({
      level: 30,
      msg: 'room:join',
      room: code,
      player: joined.identity.playerId,
    });
    expect(typeof join!.time).toBe('number');
    expect(entries.map((e) => e.event)).toEqual(
      expect.arrayContaining(['room:create', 'room:resume', 'room:watch', 'host:screenKey']),
    );
    const all = out.lines.join('\n');
    for (const secret of [created.hostToken, joined.token, created.screenKey, screenKey, browser]) {
      expect(all).not.toContain(secret);
    }
  });

  it('censors a secret that slips into a line, and picks its format from the environment', () => {
    const out = collect();
    const logger = jsonLogger({ destination: out });
    logger.info('oops', { room: 'ABCDE', token: 'secret-token-123456', auth: { key: 'k' } });
    logger.error('failed', new Error('boom'), { room: 'ABCDE', event: 'room:join' });
    const [info, error] = out.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(info).toMatchObject({ msg: 'oops', room: 'ABCDE', token: '[secret]', auth: '[secret]' });
    expect(error).toMatchObject({ level: 50, msg: 'failed', room: 'ABCDE', event: 'room:join' });
    expect((error!.err as { message: string }).message).toBe('boom');
    expect(out.lines.join('\n')).not.toContain('secret-token-123456');

    expect(logFormat({}, false)).toBe('json');
    expect(logFormat({}, true)).toBe('pretty');
    expect(logFormat({ LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(logFormat({ LOG_FORMAT: 'Pretty' }, false)).toBe('pretty');
    expect(() => logFormat({ LOG_FORMAT: 'xml' }, false)).toThrow(/LOG_FORMAT/);
  });
});
