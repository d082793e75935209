/**
 * The wire format's field types: every payload a client sends is parsed at the
 * server's edge by a schema built from these (never by hand-written guards).
 * The command catalogue (shared/room/commands.ts) names, for each command,
 * which of these fields its payload has; the browser imports only the *types*
 * from here, so zod stays out of the player bundle.
 */
import { z } from 'zod';
import { MEMORY } from '../paxos/events.ts';
import { DELIVERY, MESSAGE_KINDS, VALUE_RULES } from '../paxos/types.ts';
import { NODE_NAME_MAX, ROOM_TITLE_MAX, VALUE_MAX } from '../names.ts';
import { DEFAULT_MOVIES, FRIENDS, MAX_SEATS, MIN_SEATS } from '../room/settings.ts';
import {
  ACCEPTOR_MODES,
  BOT_KINDS,
  MODES,
  VISIBILITIES,
  WRONG_ANSWERS,
  proposeByDefault,
} from '../room/game.ts';
import { AUTOPLAY_MAX_SPEED, AUTOPLAY_MIN_SPEED } from '../room/autoplay-speed.ts';
import { MAX_DEMO_STEPS } from '../room/demo-limits.ts';
import { parseScenario, runScenario } from '../scenario.ts';
import { CLASS_CODE_LENGTH, MAX_EXTRA_SECONDS } from '../class/types.ts';

/** Room codes: 5 characters from an alphabet without look-alikes (no 0/O, 1/I/L). */
export const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const CODE_LENGTH = 5;

/**
 * Characters a person cannot see or that would make a transcript lie about its lines:
 * control characters (C0, DEL, C1, ESC and with it ANSI sequences), format characters
 * (zero-width spaces and joiners, bidirectional overrides, the BOM) and lone surrogates.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}]/u;

/** Everything a person types is normalised (NFKC: `ｆｕｌｌ` is `full`) before it is checked. */
const normalised = (s: string) => s.normalize('NFKC');

const trimmed = (max: number, what: string) =>
  z
    .string()
    .transform((s) => normalised(s).trim().replace(/\s+/g, ' '))
    .pipe(
      z
        .string()
        .min(1, `${what} cannot be empty`)
        .max(max, `${what} can be at most ${max} characters`)
        .refine(
          (v) => !INVISIBLE.test(v),
          `${what} cannot contain control or invisible characters`,
        ),
    );

/**
 * The host's narration: printed as written, `\n` making a new line as the notebook's `print`
 * does; no other control or invisible character.
 */
const narration = z
  .string()
  .min(1)
  .max(500)
  .transform(normalised)
  .pipe(
    z
      .string()
      .min(1)
      .max(500)
      .refine(
        (v) => !INVISIBLE.test(v.replaceAll('\n', '')),
        'A note can contain new lines but no other control or invisible characters',
      ),
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

/** Class codes: 6 digits (shared/class/types.ts). */
export const classCode = z
  .string()
  .max(16)
  .transform((s) => s.replace(/\s+/g, ''))
  .pipe(
    z
      .string()
      .regex(
        new RegExp(`^[0-9]{${CLASS_CODE_LENGTH}}$`),
        `A class code has ${CLASS_CODE_LENGTH} digits`,
      ),
  );
const QUESTION_MAX = 200;
const CHOICE_MAX = 60;

export const displayName = trimmed(NODE_NAME_MAX, 'A name');
export const movieTitle = trimmed(VALUE_MAX, 'A movie title');
export const roomTitle = trimmed(ROOM_TITLE_MAX, 'A room title');
export const token = z
  .string()
  .min(16)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'That is not a token');
/** A friend's name on the wire; inside the engine a node is a plain string. */
export const nodeName = z.enum(FRIENDS).transform((name): string => name);
/**
 * A browser's own random id (kept in its localStorage): what tells the server that a join
 * comes from a browser whose player the host removed.
 */
export const browserId = z
  .string()
  .min(16)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'That is not a browser id');
export const playerId = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[A-Za-z0-9_-]+$/);
export const messageId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/**
 * A number a client may leave out, which then means "none" (`null` in the room's state):
 * JSON turns NaN and Infinity into null, so a null on the wire is refused rather than read
 * as that "none" (a `quorum: NaN` would silently have meant a majority).
 */
const optionalNumber = (what: string, absent: string) =>
  z.number({
    error: (issue) =>
      issue.input === null
        ? `${what} cannot be null (NaN and Infinity arrive as null): leave it out for ${absent}`
        : undefined,
  });
const orNull = (n: number | undefined): number | null => n ?? null;

export const roundRules = z
  .strictObject({
    mode: z.enum(MODES).default('realtime'),
    actionsPerTurn: z.number().int().min(1).max(10).default(2),
    turnSeconds: z.number().int().min(5).max(600).default(45),
    turnLimit: optionalNumber('A turn limit', 'no limit')
      .int()
      .min(1)
      .max(500)
      .optional()
      .transform(orNull),
    visibility: z.enum(VISIBILITIES).default('open'),
    acceptors: z.enum(ACCEPTOR_MODES).default('engine'),
    wrongAnswers: z.enum(WRONG_ANSWERS).default('refuse'),
    endWhenChosen: z.boolean().default(true),
    /** "Run both phases" (`node:propose`); left out, it follows the mode (`proposeByDefault`). */
    allowPropose: z.boolean().optional(),
  })
  .transform((rules) => ({
    ...rules,
    allowPropose: rules.allowPropose ?? proposeByDefault(rules),
  }));

export const roomSettings = z
  .strictObject({
    movies: z.array(movieTitle).min(1).max(12).default(DEFAULT_MOVIES),
    seats: z.number().int().min(MIN_SEATS).max(MAX_SEATS).default(5),
    quorum: optionalNumber('A quorum', 'a majority of the seats')
      .int()
      .min(1)
      .max(MAX_SEATS + 1)
      .optional()
      .transform(orNull),
    delivery: z.enum(DELIVERY).default('instant'),
    valueRule: z.enum(VALUE_RULES).default('seed'),
    rules: roundRules.default(roundRules.parse({})),
  })
  // One above the seats, as the notebook allows: nothing can ever be chosen (a liveness lesson,
  // the round's findings say so: quorum_above_nodes). More would teach nothing more.
  .refine((s) => s.quorum === null || s.quorum <= s.seats + 1, {
    message: 'The quorum can be at most one more than the number of seats',
    path: ['quorum'],
  });

const answer = z.enum(['grant', 'reject']);
const botKind = z.enum(BOT_KINDS);

/**
 * Every field a command payload may have, by type. A catalogue entry says
 * `{ to: 'node' }`; the edge parses that field with `FIELDS.node`.
 */
export const FIELDS = {
  code: roomCode,
  name: displayName,
  token,
  /** A yes/no the sender may leave out (no). */
  flag: z.boolean().default(false),
  /** A yes/no the sender must give. */
  toggle: z.boolean(),
  /** The sender's browser id (optional: a client without storage has none). */
  optionalBrowser: browserId.optional(),
  /** The host's screen key (`host:screenKey`), which lets a watcher see through the fog. */
  optionalScreenKey: token.optional(),
  /** A room's sequence number: how far a client has folded. */
  seq: z.number().int().min(0),
  settings: roomSettings,
  /** Settings for a new room: every field has a default. */
  newSettings: roomSettings.default(roomSettings.parse({})),
  movie: movieTitle,
  title: roomTitle,
  node: nodeName,
  /** The nodes a proposer runs both phases with. */
  nodes: z.array(nodeName).min(1).max(14),
  /** A node, or null for "the first free one". */
  seatOrFirstFree: nodeName.nullable().default(null),
  messageId,
  answer,
  optionalAnswer: answer.optional(),
  networkAction: z.enum(['deliver', 'drop', 'duplicate']),
  /* The host's faults. */
  optionalNode: nodeName.optional(),
  optionalMessageKind: z.enum(MESSAGE_KINDS).optional(),
  optionalMessageId: messageId.optional(),
  /** A delay in steps of the network's clock (0 ends a delay). */
  steps: z.number().int().min(0).max(1000),
  /** A partition: groups of nodes (the nodes in none form one more group). */
  groups: z.array(z.array(nodeName).min(1).max(14)).min(1).max(14),
  memory: z.enum(MEMORY),
  /** Auto-play's speed in steps per second: 0 stops it, else 0.1 (one step in 10 s) to 10. */
  speed: z
    .number()
    .min(0)
    .max(AUTOPLAY_MAX_SPEED)
    .refine(
      (v) => v === 0 || v >= AUTOPLAY_MIN_SPEED,
      `A speed is 0 (stop) or from ${AUTOPLAY_MIN_SPEED} to ${AUTOPLAY_MAX_SPEED} steps a second`,
    ),
  botKind,
  optionalBotKind: botKind.optional(),
  playerId,
  /** The host's narration, printed in the transcript as it is written. */
  note: narration,
  /**
   * A scenario file, already JSON-decoded (docs/SCENARIOS.md): an invalid one gets the CLI's
   * one-line error naming the step ("step 4: …"), also for a step that cannot play (it is
   * played through once, as the CLI does). The room's own limits: shared/room/demo.ts.
   */
  scenario: z.unknown().transform((raw, ctx) => {
    try {
      const scenario = parseScenario(raw);
      if (Array.isArray(scenario.steps) && scenario.steps.length <= MAX_DEMO_STEPS) {
        runScenario(scenario);
      }
      return scenario;
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  }),
  /** One of the open question's choices. */
  choice: z.string().min(1).max(60),
  /* A class's (shared/class/). */
  classCode: classCode,
  classTitle: roomTitle.default('Class'),
  /** A class-wide question. */
  questionText: trimmed(QUESTION_MAX, 'A question'),
  /** A question's choices: 2 to 6, each one line, no two the same. */
  choices: z
    .array(trimmed(CHOICE_MAX, 'A choice'))
    .min(2, 'A question needs at least 2 choices')
    .max(6, 'A question can have at most 6 choices')
    .refine((c) => new Set(c).size === c.length, 'Two choices are the same'),
  optionalChoice: trimmed(CHOICE_MAX, 'A choice').optional(),
  /** Extra seconds per turn. */
  extraSeconds: z.number().int().min(0).max(MAX_EXTRA_SECONDS),
  /** A table's room code, or left out for none. */
  optionalTable: roomCode.optional(),
  /* Fields of the server's own commands (never parsed from a client). */
  connected: z.boolean(),
  /** A yes/no the server may leave out (no). */
  optionalFlag: z.boolean().optional(),
  time: z.number(),
} as const;

export type FieldKind = keyof typeof FIELDS;
/** A payload's fields, each named by its type in FIELDS. */
export type Shape = Readonly<Record<string, FieldKind>>;
type ZodShape<S extends Shape> = { -readonly [K in keyof S]: (typeof FIELDS)[S[K]] };
type PayloadSchema<S extends Shape> = z.ZodObject<ZodShape<S>, z.core.$strict>;
/** An empty payload: `{}` (zod types a strict empty object as one no key may be added to). */
type Empty = Record<never, never>;
/** What a client sends for a payload of this shape (defaults may be left out). */
export type PayloadIn<S extends Shape> = keyof S extends never ? Empty : z.input<PayloadSchema<S>>;
/** What the edge hands on once it parsed it. */
export type PayloadOut<S extends Shape> = keyof S extends never
  ? Empty
  : z.output<PayloadSchema<S>>;

const schemas = new Map<Shape, z.ZodType>();

/** The payload's schema: exactly these fields (unknown keys refused), each parsed by its type. */
function schemaOf(shape: Shape): z.ZodType {
  let schema = schemas.get(shape);
  if (!schema) {
    schema = z.strictObject(
      Object.fromEntries(Object.entries(shape).map(([key, kind]) => [key, FIELDS[kind]])),
    );
    schemas.set(shape, schema);
  }
  return schema;
}

export type SettingsInput = z.input<typeof roomSettings>;

export type PayloadResult<T> = { ok: true; data: T } | { ok: false; message: string };

/**
 * Parses one client payload at the server's edge. Lives here so that zod stays
 * in this file; the message is the first issue, in words, with its path.
 */
export function parsePayload<S extends Shape>(
  event: string,
  shape: S,
  raw: unknown,
): PayloadResult<PayloadOut<S>> {
  const parsed = schemaOf(shape).safeParse(raw);
  if (parsed.success) return { ok: true, data: parsed.data as PayloadOut<S> };
  const issue = parsed.error.issues[0];
  if (!issue) return { ok: false, message: `Invalid payload for ${event}.` };
  const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
  return { ok: false, message: `Invalid payload for ${event}: ${where}${issue.message}` };
}
