/**
 * The wire format's schemas: every payload a client sends is parsed by one of
 * these at the server's edge (never by hand-written guards). The browser
 * imports only the *types* from here, so zod stays out of the player bundle.
 */
import { z } from 'zod';
import { DELIVERY, VALUE_RULES } from '../paxos/types.ts';
import { NODE_NAME_MAX, VALUE_MAX } from '../names.ts';
import { DEFAULT_MOVIES, FRIENDS, MAX_SEATS, MIN_SEATS } from '../room/types.ts';
import { ACCEPTOR_MODES, BOT_KINDS, MODES, VISIBILITIES, WRONG_ANSWERS } from '../room/game.ts';

/** Room codes: 5 characters from an alphabet without look-alikes (no 0/O, 1/I/L). */
export const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const CODE_LENGTH = 5;

const trimmed = (max: number, what: string) =>
  z
    .string()
    .transform((s) => s.normalize('NFC').trim().replace(/\s+/g, ' '))
    .pipe(
      z
        .string()
        .min(1, `${what} cannot be empty`)
        .max(max, `${what} can be at most ${max} characters`)
        // Control characters would make transcripts lie about their lines.
        .regex(/^[^\p{Cc}]*$/u, `${what} cannot contain control characters`),
    );

export const roomCode = z
  .string()
  .max(16)
  .transform((s) => s.trim().toUpperCase())
  .pipe(
    z
      .string()
      .length(CODE_LENGTH, `A room code has ${CODE_LENGTH} characters`)
      .regex(new RegExp(`^[${CODE_ALPHABET}]+$`), 'That is not a room code'),
  );

export const displayName = trimmed(NODE_NAME_MAX, 'A name');
export const movieTitle = trimmed(VALUE_MAX, 'A movie title');
export const token = z
  .string()
  .min(16)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'That is not a token');
export const nodeName = z.enum(FRIENDS);
export const playerId = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[A-Za-z0-9_-]+$/);
export const messageId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const roundRules = z.strictObject({
  mode: z.enum(MODES).default('realtime'),
  actionsPerTurn: z.number().int().min(1).max(10).default(2),
  turnSeconds: z.number().int().min(5).max(600).default(45),
  turnLimit: z.number().int().min(1).max(500).nullable().default(null),
  visibility: z.enum(VISIBILITIES).default('open'),
  acceptors: z.enum(ACCEPTOR_MODES).default('engine'),
  wrongAnswers: z.enum(WRONG_ANSWERS).default('refuse'),
  endWhenChosen: z.boolean().default(true),
});

export const roomSettings = z
  .strictObject({
    movies: z.array(movieTitle).min(1).max(12).default(DEFAULT_MOVIES),
    seats: z.number().int().min(MIN_SEATS).max(MAX_SEATS).default(5),
    quorum: z.number().int().min(1).max(MAX_SEATS).nullable().default(null),
    delivery: z.enum(DELIVERY).default('instant'),
    valueRule: z.enum(VALUE_RULES).default('seed'),
    rules: roundRules.default(roundRules.parse({})),
  })
  .refine((s) => s.quorum === null || s.quorum <= s.seats, {
    message: 'The quorum cannot be larger than the number of seats',
    path: ['quorum'],
  });

const empty = z.strictObject({});

/** Client-to-server payloads, by event name. */
export const clientPayloads = {
  'room:create': z.strictObject({ settings: roomSettings.default(roomSettings.parse({})) }),
  'room:join': z.strictObject({
    code: roomCode,
    name: displayName,
    spectator: z.boolean().default(false),
  }),
  'room:resume': z.strictObject({ code: roomCode, token }),
  'room:watch': z.strictObject({ code: roomCode }),
  'room:sync': z.strictObject({ since: z.number().int().min(0) }),
  /** With `bot`, a bot of that kind takes the seat the player leaves. */
  'room:leave': z.strictObject({ bot: z.enum(BOT_KINDS).optional() }),
  'node:newProposal': z.strictObject({ value: movieTitle }),
  'node:promiseRequest': z.strictObject({ to: nodeName }),
  'node:acceptRequest': z.strictObject({ to: nodeName }),
  'node:propose': z.strictObject({ value: movieTitle, to: z.array(nodeName).min(1).max(14) }),
  'node:answer': z.strictObject({ messageId, answer: z.enum(['grant', 'reject']) }),
  'node:endTurn': empty,
  'host:settings': z.strictObject({ settings: roomSettings }),
  'host:startRound': empty,
  'host:endRound': empty,
  'host:kick': z.strictObject({ playerId }),
  'host:say': z.strictObject({ text: z.string().min(1).max(500) }),
  'host:close': empty,
  'host:pause': empty,
  'host:resume': empty,
  'host:skipTurn': empty,
  'host:addBot': z.strictObject({
    kind: z.enum(BOT_KINDS),
    seat: nodeName.nullable().default(null),
  }),
  'host:network': z.strictObject({
    action: z.enum(['deliver', 'drop', 'duplicate']),
    messageId,
    answer: z.enum(['grant', 'reject']).optional(),
  }),
} as const;

export type ClientEventName = keyof typeof clientPayloads;
export type ClientPayload<E extends ClientEventName> = z.input<(typeof clientPayloads)[E]>;
export type ParsedPayload<E extends ClientEventName> = z.output<(typeof clientPayloads)[E]>;
export type SettingsInput = z.input<typeof roomSettings>;

export function isClientEventName(name: unknown): name is ClientEventName {
  return typeof name === 'string' && Object.hasOwn(clientPayloads, name);
}

export type PayloadResult<E extends ClientEventName> =
  { ok: true; data: ParsedPayload<E> } | { ok: false; message: string };

/**
 * Parses one client payload at the server's edge. Lives here so that zod stays
 * in this file; the message is the first issue, in words, with its path.
 */
export function parseClientPayload<E extends ClientEventName>(
  event: E,
  raw: unknown,
): PayloadResult<E> {
  const parsed = clientPayloads[event].safeParse(raw);
  if (parsed.success) return { ok: true, data: parsed.data as ParsedPayload<E> };
  const issue = parsed.error.issues[0];
  if (!issue) return { ok: false, message: `Invalid payload for ${event}.` };
  const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
  return { ok: false, message: `Invalid payload for ${event}: ${where}${issue.message}` };
}
