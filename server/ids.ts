import { createHash, randomBytes, randomInt } from 'node:crypto';
import { CLASS_CODE_LENGTH } from '../shared/class/types.ts';
import { CODE_ALPHABET, CODE_LENGTH } from '../shared/protocol/schemas.ts';

/* Randomness stays out of shared/: the server mints room codes, tokens, keys and player ids. */

export const hashToken = (token: string): string =>
  createHash('sha256').update(token).digest('hex');
export const newToken = (): string => randomBytes(18).toString('base64url');
/** A room's screen key: a secret like a token, stored only as its hash (`hashToken`). */
export const newScreenKey = (): string => newToken();
/**
 * What the store keeps of a browser id: its sha256 together with the room's code, so the
 * same browser cannot be followed from one room's rows to another's.
 */
export const hashBrowser = (room: string, browser: string): string =>
  createHash('sha256').update(`${room}\n${browser}`).digest('hex');
export const newPlayerId = (): string => randomBytes(9).toString('base64url');

export function newCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/** A class code: 6 digits, typed on a phone (shared/class/types.ts). */
export const newClassCode = (): string =>
  String(randomInt(10 ** CLASS_CODE_LENGTH)).padStart(CLASS_CODE_LENGTH, '0');
