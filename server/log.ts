import type { DestinationStream, Logger as Pino } from 'pino';
import { pino } from 'pino';

/**
 * What a log line may say besides its message: the room's code and the event (a command's
 * wire name, or what happened), and small facts of the same kind. Never a token, a screen
 * key or a browser id: the logger also removes those fields should one slip in (`REDACT`).
 */
export interface LogFields {
  room?: string | null;
  event?: string;
  [field: string]: unknown;
}

/** Where the server writes what it noticed. Tests pass one that collects. */
export interface Logger {
  info(message: string, fields?: LogFields): void;
  error(message: string, error?: unknown, fields?: LogFields): void;
}

export const consoleLogger: Logger = {
  info: (message) => console.log(message),
  error: (message, error) => console.error(message, error ?? ''),
};

export const silentLogger: Logger = { info: () => {}, error: () => {} };

/** Fields that would carry a secret, at the top of a line or one level down. */
const SECRETS = ['token', 'hostToken', 'screenKey', 'key', 'browser', 'auth'];
export const REDACT = [...SECRETS, ...SECRETS.map((s) => `*.${s}`)];

/**
 * How log lines look: `json`, one object a line (pino's, for a log collector), or `pretty`,
 * the same lines for a person (pino-pretty, a development dependency).
 */
export type LogFormat = 'json' | 'pretty';

/**
 * The format from the environment: LOG_FORMAT=json|pretty when set, else pretty when the
 * output is a terminal (`npm run dev`, `npm start` in a shell) and JSON when it is not (a
 * service manager, a pipe, a file).
 */
export function logFormat(env: NodeJS.ProcessEnv, isTTY: boolean): LogFormat {
  const asked = env.LOG_FORMAT?.trim().toLowerCase();
  if (asked === 'json' || asked === 'pretty') return asked;
  if (asked) throw new Error(`LOG_FORMAT=${env.LOG_FORMAT}: expected json or pretty`);
  return isTTY ? 'pretty' : 'json';
}

/** A Logger over a pino logger: the fields first, the message as pino's `msg`. */
export function fromPino(log: Pino): Logger {
  return {
    info: (message, fields) => log.info(fields ?? {}, message),
    error: (message, error, fields) =>
      log.error(error === undefined ? (fields ?? {}) : { ...fields, err: error }, message),
  };
}

/**
 * The server's logger: pino, writing JSON lines to `destination` (stdout by default), each
 * with pino's `level`, `time`, `pid`, `hostname` and `msg` and the line's fields
 * (`room`, `event`...). Secrets are censored (`REDACT`). Stdout is written asynchronously
 * (a slow reader of the pipe never stalls the event loop); pino flushes it when the process
 * exits.
 */
export function jsonLogger(
  options: { level?: string; destination?: DestinationStream } = {},
): Logger {
  const log = pino(
    { level: options.level ?? 'info', redact: { paths: REDACT, censor: '[secret]' } },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
  return fromPino(log);
}

/**
 * The logger `LOG_FORMAT` asks for. The pretty form needs pino-pretty, a development
 * dependency: without it (a production install) the lines stay JSON, and the first says so.
 */
export async function createLogger(
  format: LogFormat,
  options: { level?: string } = {},
): Promise<Logger> {
  if (format === 'json') return jsonLogger(options);
  try {
    const { default: pretty } = await import('pino-pretty');
    const stream = pretty({
      colorize: process.stdout.isTTY,
      sync: true,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname',
      singleLine: true,
    });
    return jsonLogger({ ...options, destination: stream });
  } catch {
    const logger = jsonLogger(options);
    logger.info('LOG_FORMAT=pretty needs pino-pretty (npm install); writing JSON lines instead');
    return logger;
  }
}
