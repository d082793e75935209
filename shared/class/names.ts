/*
 * How the class compares nicknames. A leaf module (no imports), so the wire
 * schemas and the server can use it without pulling in the class engine.
 */

/**
 * The key a nickname is compared by: NFKC (`ｆｕｌｌ` is `full`), no spaces at
 * the ends, runs of spaces as one, lowercase. Two students cannot share a key,
 * and a kicked student's key stays barred.
 */
export function nicknameKey(name: string): string {
  return name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}
