// Whatever a client sends, the answer is a typed error, nothing changes and the server stays up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ack } from '../../shared/protocol/index.ts';
import { PROTOCOL_VERSION } from '../../shared/protocol/index.ts';
import type { ClientEventName } from '../../shared/protocol/index.ts';
import { wireNames } from '../../shared/room/index.ts';
import type { Client, TestServer } from './helpers.ts';
import {
  connect,
  data,
  errorCode,
  roomLog,
  startServer,
  untyped,
  validPayloads,
  waitFor,
} from './helpers.ts';

let t: TestServer;
let actor: Client;
let code: string;
let unknownCode: string;
let hostToken: string;

/** The actor is host and seated player (Amy) of a room whose round is on: anything valid would change it. */
beforeAll(async () => {
  t = await startServer({ rateLimit: { perSecond: 1000, burst: 1000 } });
  actor = await connect(t.url);
  const created = data(await actor.emitWithAck('room:create', { settings: {} }));
  code = created.identity.code;
  hostToken = created.hostToken;
  unknownCode = code === 'ZZZZZ' ? 'YYYYY' : 'ZZZZZ';
  data(await actor.emitWithAck('room:join', { code, name: 'amy' }));
  data(await actor.emitWithAck('host:startRound', {}));
});
afterAll(() => t.close());

const MISSING = Symbol('no payload');
const KB10 = 'x'.repeat(10_000);
/** JSON.parse keeps `__proto__` as an own key, as a hostile client's frame would have it. */
const withProto = (json: string): unknown => JSON.parse(json);
const fields = (o: object) => {
  const inner = JSON.stringify(o).slice(1, -1);
  return inner ? `, ${inner}` : '';
};

/** A payload each event would accept (so a variant with one flaw shows the flaw is the reason). */
const valid = () => validPayloads(code, hostToken);

type Row = [event: string, payload: unknown, code: string];

function rows(): Row[] {
  const ok = valid();
  const events: ClientEventName[] = wireNames();
  const everyEvent = events.flatMap((e): Row[] => [
    [e, MISSING, 'bad_request'],
    [e, null, 'bad_request'],
    [e, 'text', 'bad_request'],
    [e, 42, 'bad_request'],
    [e, [ok[e]], 'bad_request'],
    [e, { ...ok[e], extra: 1 }, 'bad_request'],
    [e, withProto(`{"__proto__": {"host": true}${fields(ok[e])}}`), 'bad_request'],
    [e, { constructor: { prototype: {} }, ...ok[e] }, 'bad_request'],
  ]);
  return [
    ...everyEvent,
    ['room:create', { settings: { seats: 2 } }, 'bad_request'],
    ['room:create', { settings: { seats: '5' } }, 'bad_request'],
    ['room:create', { settings: { seats: 5, quorum: 7 } }, 'bad_request'],
    ['room:create', { settings: { movies: [] } }, 'bad_request'],
    ['room:create', { settings: { movies: [KB10] } }, 'bad_request'],
    ['room:create', { settings: { delivery: 'teleport' } }, 'bad_request'],
    ['room:create', { settings: withProto('{"__proto__": {"seats": 3}}') }, 'bad_request'],
    ['room:join', { code }, 'bad_request'],
    ['room:join', { code, name: '   ' }, 'bad_request'],
    ['room:join', { code, name: KB10 }, 'bad_request'],
    ['room:join', { code, name: 'x'.repeat(25) }, 'bad_request'],
    ['room:join', { code, name: 'a\u0000b' }, 'bad_request'],
    ['room:join', { code: KB10, name: 'x' }, 'bad_request'],
    ['room:join', { code: 'OOOOO', name: 'x' }, 'bad_request'],
    ['room:join', { code: 12345, name: 'x' }, 'bad_request'],
    ['room:join', { code, name: 'x', spectator: 'yes' }, 'bad_request'],
    ['room:join', { code: unknownCode, name: 'x' }, 'not_found'],
    ['room:join', { code, name: 'AMY' }, 'conflict'],
    ['room:resume', { code }, 'bad_request'],
    ['room:resume', { code, token: 'short' }, 'bad_request'],
    ['room:resume', { code, token: KB10 }, 'bad_request'],
    ['room:resume', { code, token: `${'x'.repeat(24)}!` }, 'bad_request'],
    ['room:resume', { code: unknownCode, token: hostToken }, 'not_found'],
    ['room:watch', {}, 'bad_request'],
    ['room:watch', { code: 42 }, 'bad_request'],
    ['room:watch', { code: unknownCode }, 'not_found'],
    ['room:sync', {}, 'bad_request'],
    ['room:sync', { since: -1 }, 'bad_request'],
    ['room:sync', { since: 1.5 }, 'bad_request'],
    ['room:sync', { since: '3' }, 'bad_request'],
    ['room:sync', { since: 1e300 }, 'bad_request'],
    ['node:newProposal', {}, 'bad_request'],
    ['node:newProposal', { value: '' }, 'bad_request'],
    ['node:newProposal', { value: 'x'.repeat(41) }, 'bad_request'],
    ['node:newProposal', { value: KB10 }, 'bad_request'],
    ['node:newProposal', { value: 'a\u0007b' }, 'bad_request'],
    ['node:newProposal', { value: 7 }, 'bad_request'],
    ['node:promiseRequest', { to: 'Zed' }, 'bad_request'],
    ['node:promiseRequest', { to: 'amy' }, 'bad_request'],
    ['node:promiseRequest', { to: '__proto__' }, 'bad_request'],
    ['node:acceptRequest', { to: null }, 'bad_request'],
    ['node:propose', { value: 'x', to: [] }, 'bad_request'],
    ['node:propose', { value: 'x', to: 'Amy' }, 'bad_request'],
    ['node:propose', { value: 'x', to: Array(15).fill('Amy') }, 'bad_request'],
    ['host:settings', {}, 'bad_request'],
    ['host:settings', { settings: { seats: 8 } }, 'bad_request'],
    ['host:kick', { playerId: '' }, 'bad_request'],
    ['host:kick', { playerId: 'x'.repeat(33) }, 'bad_request'],
    ['host:kick', { playerId: '../x' }, 'bad_request'],
    ['host:say', { text: '' }, 'bad_request'],
    ['host:say', { text: 'x'.repeat(501) }, 'bad_request'],
    ['host:say', { text: KB10 }, 'bad_request'],
    ['host:network', { action: 'steal', messageId: 1 }, 'bad_request'],
    ['host:network', { action: 'drop', messageId: 0 }, 'bad_request'],
    ['host:network', { action: 'drop', messageId: 1.5 }, 'bad_request'],
    ['host:network', { action: 'deliver', messageId: 1, answer: 'maybe' }, 'bad_request'],
    // Well-formed, but naming something that is not there: an unknown seat, player or message.
    ['node:promiseRequest', { to: 'Gus' }, 'not_found'],
    ['node:propose', { value: 'x', to: ['Amy', 'Ben', 'Fay'] }, 'not_found'],
    ['host:kick', { playerId: 'nobody' }, 'not_found'],
    ['host:network', { action: 'drop', messageId: 999 }, 'not_found'],
    ['node:acceptRequest', { to: 'Ben' }, 'conflict'],
    ['room:leave', { x: 1 }, 'bad_request'],
    ['room:leave', { bot: 'terminator' }, 'bad_request'],
    ['room:create', { settings: { rules: { mode: 'chess' } } }, 'bad_request'],
    ['room:create', { settings: { rules: { actionsPerTurn: 0 } } }, 'bad_request'],
    ['room:create', { settings: { rules: { turnSeconds: 1 } } }, 'bad_request'],
    ['room:create', { settings: { rules: { endWhenChosen: 'yes' } } }, 'bad_request'],
    // JSON turns NaN and Infinity into null: a null quorum or turn limit is refused, not read
    // as "a majority" or "no limit" (the field is left out for those).
    ['room:create', { settings: { quorum: null } }, 'bad_request'],
    ['room:create', { settings: { quorum: NaN } }, 'bad_request'],
    ['room:create', { settings: { quorum: Infinity } }, 'bad_request'],
    ['room:create', { settings: { rules: { turnLimit: null } } }, 'bad_request'],
    ['room:create', { settings: { rules: { turnLimit: NaN } } }, 'bad_request'],
    ['host:settings', { settings: { quorum: null } }, 'bad_request'],
    ['host:settings', { settings: { seats: 5, quorum: NaN } }, 'bad_request'],
    ['room:create', { settings: { rules: { allowPropose: 'no' } } }, 'bad_request'],
    ['node:answer', { messageId: 1 }, 'bad_request'],
    ['node:answer', { messageId: 1, answer: 'maybe' }, 'bad_request'],
    ['node:answer', { messageId: 999, answer: 'grant' }, 'not_found'],
    ['host:addBot', { kind: 'quiet', seat: 'Zed' }, 'bad_request'],
    ['host:addBot', { kind: 'quiet', seat: 'Amy' }, 'conflict'],
    ['node:endTurn', {}, 'conflict'],
    ['host:skipTurn', {}, 'conflict'],
    ['host:resume', {}, 'conflict'],
    // The instructor's instrument: malformed, or refused by the state of the round (instant
    // delivery, nothing held, partitioned or crashed).
    ['host:hold', { kind: 'letter' }, 'bad_request'],
    ['host:hold', { node: 'Zed' }, 'bad_request'],
    ['host:hold', { messageId: 0 }, 'bad_request'],
    ['host:hold', { messageId: 999 }, 'not_found'],
    ['host:hold', { node: 'Gus' }, 'not_found'],
    ['host:release', {}, 'conflict'],
    ['host:delay', {}, 'bad_request'],
    ['host:delay', { steps: -1 }, 'bad_request'],
    ['host:delay', { steps: 1.5 }, 'bad_request'],
    ['host:delay', { steps: 1001 }, 'bad_request'],
    ['host:delay', { steps: 2, messageId: 1 }, 'bad_request'],
    ['host:delay', { steps: 0 }, 'conflict'],
    ['host:step', { messageId: 'one' }, 'bad_request'],
    ['host:step', { messageId: 999 }, 'not_found'],
    ['host:step', {}, 'conflict'],
    ['host:partition', {}, 'bad_request'],
    ['host:partition', { groups: [] }, 'bad_request'],
    ['host:partition', { groups: [[]] }, 'bad_request'],
    ['host:partition', { groups: 'Amy' }, 'bad_request'],
    ['host:partition', { groups: [['Amy'], ['Amy']] }, 'bad_request'],
    ['host:partition', { groups: [['Amy', 'Ben', 'Cal', 'Dan', 'Eva']] }, 'bad_request'],
    ['host:partition', { groups: [['Gus']] }, 'not_found'],
    ['host:heal', {}, 'conflict'],
    ['host:crash', {}, 'bad_request'],
    ['host:crash', { node: 'cal' }, 'bad_request'],
    ['host:crash', { node: 'Gus' }, 'not_found'],
    ['host:recover', { node: 'Cal' }, 'bad_request'],
    ['host:recover', { node: 'Cal', memory: 'some' }, 'bad_request'],
    ['host:recover', { node: 'Cal', memory: 'kept' }, 'conflict'],
    ['host:autoplay', {}, 'bad_request'],
    ['host:autoplay', { speed: -1 }, 'bad_request'],
    ['host:autoplay', { speed: 0.05 }, 'bad_request'],
    ['host:autoplay', { speed: 11 }, 'bad_request'],
    ['host:autoplay', { speed: '2' }, 'bad_request'],
    ['host:autoplay', { speed: Infinity }, 'bad_request'],
    ['host:autoplay', { speed: 2 }, 'conflict'],
    ['host:fork', {}, 'bad_request'],
    ['host:fork', { at: -1 }, 'bad_request'],
    ['host:fork', { at: 1.5 }, 'bad_request'],
    ['host:fork', { at: 0 }, 'bad_request'],
    ['host:fork', { at: 1e6 }, 'bad_request'],
    ['room:join', { code, name: 'x', browser: 'short' }, 'bad_request'],
    ['room:join', { code, name: 'x', browser: `${'b'.repeat(20)}!` }, 'bad_request'],
    ['room:resume', { code, token: hostToken, browser: 42 }, 'bad_request'],
    ['room:watch', { code, key: 'not a key!' }, 'bad_request'],
    ['room:watch', { code, key: 'k'.repeat(24) }, 'forbidden'],
    ['host:lock', {}, 'bad_request'],
    ['host:lock', { locked: 'yes' }, 'bad_request'],
    ['host:allowBack', { playerId: 'nobody' }, 'not_found'],
    ['room:destroy', {}, 'bad_request'],
    ['toString', {}, 'bad_request'],
    ['__proto__', {}, 'bad_request'],
    ['constructor', {}, 'bad_request'],
  ];
}

async function send(socket: Client, event: string, payload: unknown): Promise<Ack<unknown>> {
  const raw = untyped(socket);
  const ack =
    payload === MISSING ? raw.emitWithAck(event) : raw.emitWithAck(event, payload as object);
  return (await ack) as Ack<unknown>;
}

async function healthy(): Promise<void> {
  const res = await fetch(`${t.url}/healthz`);
  expect(res.status).toBe(200);
}

describe('bad input', () => {
  it('every malformed or misdirected command gets its error code and changes nothing', async () => {
    const before = await roomLog(t.url, code);
    const table = rows();
    expect(table.length).toBeGreaterThan(180);
    const results = await Promise.all(table.map(([e, p]) => send(actor, e, p)));
    const wrong = table.flatMap(([event, payload, expected], i) => {
      const got = results[i]!;
      const fine = errorCode(got) === expected && !got.ok && got.error.message.length > 0;
      return fine ? [] : [{ event, payload, expected, got }];
    });
    expect(wrong).toEqual([]);
    expect(await roomLog(t.url, code)).toEqual(before);
    // The socket is still exactly who it was: host and Amy of the same room.
    const ack = data(await actor.emitWithAck('node:newProposal', { value: 'Heat' }));
    expect(ack.seq).toBe(before.at(-1)!.seq + 1);
    await healthy();
    expect(t.errors).toEqual([]);
  });

  it('a schema failure names the field and the rule', async () => {
    const ack = await send(actor, 'room:join', { code, name: KB10 });
    expect(ack).toEqual({
      ok: false,
      error: {
        code: 'bad_request',
        message: 'Invalid payload for room:join: name: A name can be at most 24 characters',
      },
    });
  });

  it('a NaN quorum arrives as null and is refused in words; left out, it means a majority', async () => {
    const nan = await send(actor, 'host:settings', { settings: { quorum: NaN } });
    expect(nan).toEqual({
      ok: false,
      error: {
        code: 'bad_request',
        message:
          'Invalid payload for host:settings: settings.quorum: A quorum cannot be null (NaN and Infinity arrive as null): leave it out for a majority of the seats',
      },
    });
    const other = await connect(t.url);
    const created = data(await other.emitWithAck('room:create', { settings: { seats: 3 } }));
    expect(created.snapshot.state.settings.quorum).toBeNull();
    expect(created.snapshot.state.settings.rules!.turnLimit).toBeNull();
    other.disconnect();
  });

  it('a command without an acknowledgement function is ignored, as is one with extra arguments', async () => {
    const before = await roomLog(t.url, code);
    const raw = untyped(actor);
    raw.emit('node:newProposal', { value: 'Alien' });
    raw.emit('node:newProposal', { value: 'Alien' }, 42);
    raw.emit('host:say', { text: 'no ack' }, 'not a function');
    const extra = (await raw.emitWithAck('host:say', { text: 'x' }, 'extra')) as Ack<unknown>;
    expect(errorCode(extra)).toBe('bad_request');
    const binary = (await raw.emitWithAck('host:say', Buffer.from('hi'))) as Ack<unknown>;
    expect(errorCode(binary)).toBe('bad_request');
    // The acks above came after the ack-less commands were handled: they did nothing.
    expect(await roomLog(t.url, code)).toEqual(before);
  });

  it('a frame over 16 KB closes that connection, changes nothing, and the client can come back', async () => {
    const before = await roomLog(t.url, code);
    const victim = await connect(t.url);
    data(await victim.emitWithAck('room:resume', { code, token: hostToken }));
    const closed = new Promise<string>((resolve) => victim.once('disconnect', resolve));
    const big = untyped(victim).emitWithAck('host:say', { text: 'x'.repeat(100_000) });
    await expect(big).rejects.toThrow(/disconnected/);
    expect(await closed).toBe('transport close');
    expect(await roomLog(t.url, code)).toEqual(before);
    await healthy();
    victim.connect();
    await waitFor(() => victim.connected, 'the reconnection');
    expect(errorCode(await victim.emitWithAck('host:say', { text: 'x'.repeat(600) }))).toBe(
      'bad_request',
    );
    data(await victim.emitWithAck('room:resume', { code, token: hostToken }));
    victim.disconnect();
  });

  it('a frame naming a reserved socket.io event closes that connection and changes nothing', async () => {
    const before = await roomLog(t.url, code);
    for (const name of ['disconnect', 'connect', 'newListener']) {
      const victim = await connect(t.url);
      data(await victim.emitWithAck('room:resume', { code, token: hostToken }));
      const closed = new Promise<string>((resolve) => victim.once('disconnect', resolve));
      // socket.io-client refuses to emit a reserved name: the frame is written by hand
      // (engine.io message "4", socket.io event "2", with an ack id).
      (untyped(victim).io.engine as unknown as { write(data: string): void }).write(
        `21${JSON.stringify([name, { text: 'x' }])}`,
      );
      expect(await closed).toBe('transport close');
    }
    expect(await roomLog(t.url, code)).toEqual(before);
    await healthy();
  });

  it('a client speaking another protocol version is refused at the handshake', async () => {
    const err = await connect(t.url, { protocol: 999 }).then(
      () => null,
      (e: Error & { data?: unknown }) => e,
    );
    expect(err?.message).toMatch(new RegExp(`protocol ${PROTOCOL_VERSION}`));
    expect(err?.data).toEqual({ code: 'bad_request', protocol: PROTOCOL_VERSION });
    const fine = await connect(t.url, { protocol: PROTOCOL_VERSION });
    fine.disconnect();
  });
});
