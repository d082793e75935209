/**
 * A class's tokens in localStorage, per class code: the instructor's (or a co-host's) and a
 * student's. A reload presents them again with `class:resume`. Kept apart from the rooms'
 * (storage.ts): only the class's on-demand screens read them.
 */
export interface ClassTokens {
  host?: string;
  student?: string;
}

const key = (code: string) => `movie-night-paxos:class:${code}`;

export function loadClassTokens(code: string): ClassTokens {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(key(code)) ?? '{}');
    if (typeof parsed !== 'object' || parsed === null) return {};
    const { host, student } = parsed as Record<string, unknown>;
    return {
      ...(typeof host === 'string' ? { host } : {}),
      ...(typeof student === 'string' ? { student } : {}),
    };
  } catch {
    // Storage can be disabled (private mode): the class then lasts as long as the tab.
    return {};
  }
}

export function saveClassTokens(code: string, change: ClassTokens): void {
  try {
    localStorage.setItem(key(code), JSON.stringify({ ...loadClassTokens(code), ...change }));
  } catch {
    // See loadClassTokens.
  }
}

/**
 * A nickname typed with a class code on the home page, for the class page it opens to join
 * with. Handed over in sessionStorage under this key: the home page writes it without
 * importing this module (it stays in the class's chunk).
 */
export const HANDED_JOIN_KEY = 'movie-night-paxos:class-join';

export function takeHandedJoin(code: string): string | null {
  try {
    const raw = sessionStorage.getItem(HANDED_JOIN_KEY);
    sessionStorage.removeItem(HANDED_JOIN_KEY);
    const handed: unknown = raw ? JSON.parse(raw) : null;
    if (typeof handed !== 'object' || handed === null) return null;
    const { code: c, name } = handed as Record<string, unknown>;
    return c === code && typeof name === 'string' ? name : null;
  } catch {
    return null;
  }
}
