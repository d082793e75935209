import type { Server, Socket } from 'socket.io';
import type {
  AckOf,
  ClientToServerEvents,
  ErrorBody,
  ServerToClientEvents,
} from '../shared/protocol/index.ts';
import type { ClassCommandName } from '../shared/room/commands.ts';
import type { Payload } from '../shared/room/index.ts';
import type { ClassHost, ClassTransport } from './classes.ts';
import type { AddressRecord } from './limits.ts';

/*
 * The socket edge of a class (issue 11): the `class:*` commands, already rate-limited and
 * parsed by their schemas in server/sockets.ts, checked here against the socket's verified
 * class identity (`socket.data.cls`, set only by class:create, class:join and class:resume),
 * then handed to the class host. A class socket is apart from a room socket: a student's
 * phone hears its class on one connection and plays its table on another.
 */

/** Who a socket is in a class, as verified by the server. */
export interface ClassIdentity {
  code: string;
  role: 'host' | 'student';
  /** The student, or null for an instructor. */
  studentId: string | null;
}

/** The part of a socket this edge uses (its `data.cls` and its socket.io rooms). */
export type ClassSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  { cls: ClassIdentity | null }
>;
type ClassServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  { cls: ClassIdentity | null }
>;

const hostsChannel = (code: string) => `class:${code}:hosts`;
const studentChannel = (code: string, studentId: string) => `class:${code}:s:${studentId}`;

const fail = (code: ErrorBody['code'], message: string): { ok: false; error: ErrorBody } => ({
  ok: false,
  error: { code, message },
});

const NOT_IN = 'Join or open a class first.';
const HOST_ONLY = 'Only the instructor can do that.';
const STUDENT_ONLY = 'Only a student of this class can do that.';
const LOOKUPS = 'Too many unknown class codes from your address: wait a minute and check the code.';
const ROOMS = 'Too many rooms or classes created from your address: wait a minute.';

/** socket.io rooms as the class's transport: the instructors' channel and each student's. */
export function classTransport(io: ClassServer): ClassTransport {
  return {
    events: (code, events) => void io.to(hostsChannel(code)).emit('class:events', { code, events }),
    tables: (code, tables) => void io.to(hostsChannel(code)).emit('class:tables', { code, tables }),
    you: (code, studentId, view) =>
      void io.to(studentChannel(code, studentId)).emit('class:you', view),
    revoke(code, studentId) {
      const channel = studentChannel(code, studentId);
      for (const id of io.of('/').adapter.rooms.get(channel) ?? []) {
        const socket = io.of('/').sockets.get(id);
        if (!socket) continue;
        socket.data.cls = null;
        void socket.leave(channel);
        socket.emit('class:revoked', { code, reason: 'kicked' });
      }
    },
  };
}

/** The socket is now this one in this class (and no longer whoever it was in another). */
function bind(
  socket: ClassSocket,
  code: string,
  role: 'host' | 'student',
  studentId: string | null,
) {
  const was = socket.data.cls;
  if (was) {
    void socket.leave(
      was.role === 'host' ? hostsChannel(was.code) : studentChannel(was.code, was.studentId!),
    );
  }
  socket.data.cls = { code, role, studentId };
  void socket.join(role === 'host' ? hostsChannel(code) : studentChannel(code, studentId!));
}

type Handler<E extends ClassCommandName> = (
  socket: ClassSocket,
  payload: Payload<E>,
  from: AddressRecord,
) => AckOf<E> | Promise<AckOf<E>>;

/** The class's commands, one handler each. Checked by the compiler: every name has one. */
export function classHandlers(classes: ClassHost): { [E in ClassCommandName]: Handler<E> } {
  /** The socket's class if it is its instructor's, or the refusal. */
  const host = (socket: ClassSocket): string | { ok: false; error: ErrorBody } => {
    const cls = socket.data.cls;
    if (!cls) return fail('forbidden', NOT_IN);
    return cls.role === 'host' ? cls.code : fail('forbidden', HOST_ONLY);
  };
  const student = (
    socket: ClassSocket,
  ): { code: string; studentId: string } | { ok: false; error: ErrorBody } => {
    const cls = socket.data.cls;
    if (!cls) return fail('forbidden', NOT_IN);
    return cls.role === 'student' && cls.studentId !== null
      ? { code: cls.code, studentId: cls.studentId }
      : fail('forbidden', STUDENT_ONLY);
  };
  /** An unknown code costs the address a lookup; past its budget no lookup answers. */
  const find = (from: AddressRecord, code: string): { ok: false; error: ErrorBody } | null => {
    if (from.lookups.empty()) return fail('rate_limited', LOOKUPS);
    if (classes.exists(code)) return null;
    from.lookups.take();
    return fail('not_found', 'There is no class with that code.');
  };
  const done = (r: { ok: true; data: { seq: number } } | { ok: false; error: ErrorBody }) => r;

  return {
    'class:create': (socket, { title, settings }, from) => {
      // A class's log and tokens live in this process's SQLite file (server/store/classes.ts).
      if (classes.clustered) {
        return fail(
          'conflict',
          'Classes need the single-process server; this one runs as a cluster.',
        );
      }
      if (!from.roomsCreated.take()) return fail('rate_limited', ROOMS);
      const { hostToken, state } = classes.create(title, settings);
      bind(socket, state.code, 'host', null);
      return { ok: true, data: { hostToken, state } };
    },
    'class:join': async (socket, { code, name }, from) => {
      const missing = find(from, code);
      if (missing) return missing;
      const joined = await classes.join(code, name);
      if (!joined.ok) return joined;
      const { studentId, token, view } = joined.data;
      bind(socket, code, 'student', studentId);
      return { ok: true, data: { token, view: classes.view(code, studentId) ?? view } };
    },
    'class:resume': (socket, { code, token }, from) => {
      const missing = find(from, code);
      if (missing) return missing;
      const who = classes.authenticate(code, token);
      if (!who) {
        return fail('forbidden', 'That token does not open this class (removed, or mistyped).');
      }
      if (who.role === 'host') {
        bind(socket, code, 'host', null);
        return {
          ok: true,
          data: { role: 'host', state: classes.state(code)!, tables: classes.summaries(code) },
        };
      }
      bind(socket, code, 'student', who.studentId);
      return { ok: true, data: { role: 'student', view: classes.view(code, who.studentId)! } };
    },
    'class:seat': (socket) => {
      const me = student(socket);
      if ('ok' in me) return me;
      return classes.seat(me.code, me.studentId);
    },
    'class:answer': async (socket, { choice }) => {
      const me = student(socket);
      if ('ok' in me) return me;
      return done(
        await classes.run(
          me.code,
          { type: 'answer', choice },
          { role: 'student', studentId: me.studentId },
        ),
      );
    },
    'class:openTable': (socket, { table }) => {
      const code = host(socket);
      if (typeof code !== 'string') return code;
      return classes.openTable(code, table);
    },
    'class:cohost': (socket) => {
      const code = host(socket);
      if (typeof code !== 'string') return code;
      return classes.cohost(code);
    },
    'class:startRound': (socket) => {
      const code = host(socket);
      if (typeof code !== 'string') return code;
      return classes.startRound(code);
    },
    'class:endRound': (socket) => {
      const code = host(socket);
      if (typeof code !== 'string') return code;
      return classes.fanOut(code, { type: 'host:endRound' });
    },
    'class:pause': (socket, { paused }) => {
      const code = host(socket);
      if (typeof code !== 'string') return code;
      return classes.fanOut(
        code,
        { type: paused ? 'host:pause' : 'host:resume' },
        { type: 'pause', paused },
      );
    },
    'class:settings': (socket, { settings }) => {
      const code = host(socket);
      if (typeof code !== 'string') return code;
      return classes.fanOut(
        code,
        { type: 'host:settings', settings },
        { type: 'settings', settings },
      );
    },
    'class:loadScenario': (socket, { scenario }) => {
      const code = host(socket);
      if (typeof code !== 'string') return code;
      return classes.fanOut(code, { type: 'host:loadScenario', scenario });
    },
    'class:ask': async (socket, { text, choices, answer }) => {
      const code = host(socket);
      if (typeof code !== 'string') return code;
      return done(
        await classes.run(
          code,
          { type: 'ask', text, choices, answer: answer ?? null },
          { role: 'host' },
        ),
      );
    },
    'class:reveal': async (socket) => {
      const code = host(socket);
      if (typeof code !== 'string') return code;
      return done(await classes.run(code, { type: 'reveal' }, { role: 'host' }));
    },
    'class:lock': async (socket, { locked }) => {
      const code = host(socket);
      if (typeof code !== 'string') return code;
      return done(await classes.run(code, { type: 'lock', locked }, { role: 'host' }));
    },
    'class:hideCode': async (socket, { hidden }) => {
      const code = host(socket);
      if (typeof code !== 'string') return code;
      return done(await classes.run(code, { type: 'hideCode', hidden }, { role: 'host' }));
    },
    'class:project': async (socket, { table }) => {
      const code = host(socket);
      if (typeof code !== 'string') return code;
      return done(
        await classes.run(code, { type: 'project', table: table ?? null }, { role: 'host' }),
      );
    },
    'class:kick': async (socket, { studentId }) => {
      const code = host(socket);
      if (typeof code !== 'string') return code;
      return done(await classes.moderate(code, { type: 'kick', studentId }));
    },
    'class:rename': async (socket, { studentId, name }) => {
      const code = host(socket);
      if (typeof code !== 'string') return code;
      return done(await classes.moderate(code, { type: 'rename', studentId, name }));
    },
    'class:extraTime': async (socket, { studentId, seconds }) => {
      const code = host(socket);
      if (typeof code !== 'string') return code;
      return done(await classes.moderate(code, { type: 'extraTime', studentId, seconds }));
    },
  };
}
