// The host's faults on the wire (issue 9): refused for everyone but the host, decided by the
// room's rules, broadcast to every screen, and still there after a restart.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClientEventName } from '../../shared/protocol/index.ts';
import type { PaxosEvent } from '../../shared/paxos/index.ts';
import type { Envelope } from '../../shared/room/index.ts';
import type { Client } from './helpers.ts';
import {
  connect,
  data,
  errorCode,
  record,
  sendRaw,
  seatedRoom,
  startServer,
  tempDir,
  waitFor,
} from './helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Every command issue 9 put on the wire, with a payload the host could send. */
const INSTRUMENT: [ClientEventName, object][] = [
  ['host:hold', {}],
  ['host:release', {}],
  ['host:delay', { to: 'Ben', steps: 2 }],
  ['host:step', {}],
  ['host:partition', { groups: [['Amy', 'Ben']] }],
  ['host:heal', {}],
  ['host:crash', { node: 'Cal' }],
  ['host:recover', { node: 'Cal', memory: 'lost' }],
  ['host:autoplay', { speed: 2 }],
  ['host:fork', { at: 1 }],
];

/** The engine events of a batch of envelopes. */
const paxos = (envelopes: Envelope[]): PaxosEvent[] =>
  envelopes.flatMap((e) => (e.event.type === 'paxos' ? [e.event.event] : []));

describe('the host’s faults over real sockets', () => {
  it('every new command is refused for a seated player, a watcher and a socket in no room', async () => {
    const t = await startServer();
    const { host, code, players } = await seatedRoom(t.url);
    data(await host.emitWithAck('host:startRound', {}));
    const watcher = await connect(t.url);
    data(await watcher.emitWithAck('room:watch', { code }));
    const nobody = await connect(t.url);
    const before = t.store.load(code);
    for (const [event, payload] of INSTRUMENT) {
      for (const socket of [players[0]!, watcher]) {
        expect(errorCode(await sendRaw(socket, event, payload)), event).toBe('forbidden');
      }
      expect(errorCode(await sendRaw(nobody, event, payload)), event).toBe('forbidden');
    }
    expect(t.store.load(code)).toEqual(before);
    // No room was made by a refused fork: only the one room is in the store.
    expect(t.store.hasRoom(code)).toBe(true);
    expect(t.server.rooms.size).toBe(1);
    for (const s of [host, watcher, nobody, ...players]) s.disconnect();
    await t.close();
    expect(t.errors).toEqual([]);
  });

  it('the host holds, partitions and crashes; every screen hears it; both survive a restart', async () => {
    const dbPath = join(tmp.dir, 'faults.db');
    const first = await startServer({ dbPath });
    const { host, code, hostToken, players } = await seatedRoom(first.url);
    const [amy, , , , eva] = players as [Client, Client, Client, Client, Client];
    const screen = await connect(first.url);
    data(await screen.emitWithAck('room:watch', { code }));
    const heard = record(screen);
    const heardByEva = record(eva);
    data(await host.emitWithAck('host:startRound', {}));

    // Hold everything: Amy's request to Ben stays in flight until the host steps it.
    data(await host.emitWithAck('host:hold', {}));
    data(await amy.emitWithAck('node:newProposal', { value: 'Dune' }));
    data(await amy.emitWithAck('node:promiseRequest', { to: 'Ben' }));
    expect(first.server.rooms.open(code)!.round!.paxos.inFlight).toHaveLength(1);
    data(await host.emitWithAck('host:step', {}));
    // The request was delivered and Ben's reply is held in its turn.
    const inFlight = first.server.rooms.open(code)!.round!.paxos.inFlight;
    expect(inFlight.map((m) => [m.kind, m.from, m.to])).toEqual([['promiseReply', 'Ben', 'Amy']]);
    data(await host.emitWithAck('host:release', {}));

    const { seq } = data(
      await host.emitWithAck('host:partition', {
        groups: [
          ['Amy', 'Ben'],
          ['Cal', 'Dan', 'Eva'],
        ],
      }),
    );
    const crashed = data(await host.emitWithAck('host:crash', { node: 'Cal' })).seq;
    // Eva, across the partition, is lost to Amy; Cal's own moves are refused.
    data(await amy.emitWithAck('node:promiseRequest', { to: 'Eva' }));
    expect(errorCode(await players[2]!.emitWithAck('node:newProposal', { value: 'Heat' }))).toBe(
      'conflict',
    );
    const last = first.server.rooms.open(code)!.seq;
    await waitFor(() => heard.at(-1)?.seq === last, 'the projector hears every event');
    await waitFor(() => heardByEva.at(-1)?.seq === last, 'Eva hears every event');
    expect(heardByEva).toEqual(heard);
    const types = paxos(heard).map((e) => e.type);
    for (const type of ['held', 'stepped', 'released', 'partitioned', 'nodeCrashed']) {
      expect(types, type).toContain(type);
    }
    expect(paxos(heard.filter((e) => e.seq === seq))).toEqual([
      {
        type: 'partitioned',
        groups: [
          ['Amy', 'Ben'],
          ['Cal', 'Dan', 'Eva'],
        ],
      },
    ]);
    expect(paxos(heard.filter((e) => e.seq === crashed))).toEqual([
      { type: 'nodeCrashed', node: 'Cal' },
    ]);
    expect(paxos(heard.filter((e) => e.seq > crashed))).toContainEqual(
      expect.objectContaining({ type: 'messageLost', crashed: null }),
    );
    // Everything heard is what the store holds.
    expect(first.store.load(code).slice(-heard.length)).toEqual(heard);
    for (const s of [host, screen, ...players]) s.disconnect();
    await first.close();

    const second = await startServer({ dbPath });
    const back = await connect(second.url);
    const resumed = data(await back.emitWithAck('room:resume', { code, token: hostToken }));
    const network = resumed.snapshot.state.round!.paxos.network!;
    expect(network.partition).toEqual([
      ['Amy', 'Ben'],
      ['Cal', 'Dan', 'Eva'],
    ]);
    expect(network.crashed).toEqual(['Cal']);
    // And they still act: the host heals and recovers Cal, with amnesia.
    data(await back.emitWithAck('host:heal', {}));
    data(await back.emitWithAck('host:recover', { node: 'Cal', memory: 'lost' }));
    expect(second.server.rooms.open(code)!.round!.paxos.network).toMatchObject({
      partition: null,
      crashed: [],
    });
    back.disconnect();
    await second.close();
    expect([...first.errors, ...second.errors]).toEqual([]);
  });
});
