// host:rename, the command added the way docs/ARCHITECTURE.md says: one catalogue entry, its rule, its UI.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Envelope } from '../../shared/room/index.ts';
import { connect, data, errorCode, record, startServer, tempDir, waitFor } from './helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('host:rename over real sockets', () => {
  it('the host renames the room, every socket hears it, others are refused, and it survives a restart', async () => {
    const dbPath = join(tmp.dir, 'rename.db');
    const first = await startServer({ dbPath });
    const host = await connect(first.url);
    const code = data(await host.emitWithAck('room:create', { settings: {} })).identity.code;
    const amy = await connect(first.url);
    data(await amy.emitWithAck('room:join', { code, name: 'amy' }));
    const screen = await connect(first.url);
    data(await screen.emitWithAck('room:watch', { code }));
    const heard: Envelope[] = record(screen);

    expect(errorCode(await amy.emitWithAck('host:rename', { title: 'Mine now' }))).toBe(
      'forbidden',
    );
    expect(errorCode(await screen.emitWithAck('host:rename', { title: 'Mine now' }))).toBe(
      'forbidden',
    );
    expect(errorCode(await host.emitWithAck('host:rename', { title: '   ' }))).toBe('bad_request');
    expect(errorCode(await host.emitWithAck('host:rename', { title: 'x'.repeat(61) }))).toBe(
      'bad_request',
    );
    const { seq } = data(await host.emitWithAck('host:rename', { title: '  Friday   films ' }));
    await waitFor(() => heard.some((e) => e.seq === seq), 'the rename reaches the projector');
    expect(heard.map((e) => e.event)).toEqual([{ type: 'roomRenamed', title: 'Friday films' }]);
    expect(first.server.rooms.open(code)!.title).toBe('Friday films');
    for (const s of [host, amy, screen]) s.disconnect();
    await first.close();

    const second = await startServer({ dbPath });
    const again = await connect(second.url);
    const watched = data(await again.emitWithAck('room:watch', { code }));
    expect(watched.snapshot.state.title).toBe('Friday films');
    again.disconnect();
    await second.close();
    expect([...first.errors, ...second.errors]).toEqual([]);
  });
});
