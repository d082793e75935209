/**
 * Tokens per room code, in localStorage: a reload or a new connection
 * presents them again (`room:resume`) and gets the same seat back.
 */
export interface RoomTokens {
  host?: string;
  player?: string;
}

const key = (code: string) => `movie-night-paxos:room:${code}`;

export function loadTokens(code: string): RoomTokens {
  try {
    const raw = localStorage.getItem(key(code));
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    if (typeof parsed !== 'object' || parsed === null) return {};
    const { host, player } = parsed as Record<string, unknown>;
    return {
      ...(typeof host === 'string' ? { host } : {}),
      ...(typeof player === 'string' ? { player } : {}),
    };
  } catch {
    // Storage can be disabled (private mode): the seat then lasts as long as the tab.
    return {};
  }
}

export function saveTokens(code: string, change: Partial<Record<keyof RoomTokens, string | null>>) {
  const next: Record<string, string> = { ...loadTokens(code) };
  for (const [k, v] of Object.entries(change)) {
    if (v === null) delete next[k];
    else if (v !== undefined) next[k] = v;
  }
  try {
    if (Object.keys(next).length === 0) localStorage.removeItem(key(code));
    else localStorage.setItem(key(code), JSON.stringify(next));
  } catch {
    // See loadTokens.
  }
}

/** The name last typed, offered again in the next join form. */
export function rememberedName(): string {
  try {
    return localStorage.getItem('movie-night-paxos:name') ?? '';
  } catch {
    return '';
  }
}

export function rememberName(name: string): void {
  try {
    localStorage.setItem('movie-night-paxos:name', name);
  } catch {
    // See loadTokens.
  }
}
