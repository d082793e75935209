/**
 * Tokens per room code, in localStorage: a reload or a new connection
 * presents them again (`room:resume`) and gets the same seat back. `screen` is
 * the room's screen key: the host's browser keeps it to show the projector's
 * link, the projector's to watch through the fog again after a reload.
 */
export interface RoomTokens {
  host?: string;
  player?: string;
  screen?: string;
}

const KINDS = ['host', 'player', 'screen'] as const;

const key = (code: string) => `movie-night-paxos:room:${code}`;

export function loadTokens(code: string): RoomTokens {
  try {
    const raw = localStorage.getItem(key(code));
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    if (typeof parsed !== 'object' || parsed === null) return {};
    const record = parsed as Record<string, unknown>;
    const tokens: RoomTokens = {};
    for (const kind of KINDS) {
      const value = record[kind];
      if (typeof value === 'string') tokens[kind] = value;
    }
    return tokens;
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

/** This page's browser id when storage is disabled: it lasts as long as the page. */
let pageBrowserId: string | null = null;

/**
 * This browser's own random id (kept in localStorage, the same for every room), sent with
 * `room:join` and `room:resume`: a browser whose player the host removed cannot join the
 * room again without the host's consent. Random, not a fingerprint: another browser,
 * another device or clearing the site's data makes a new one.
 */
export function browserId(): string {
  const stored = (): string | null => {
    try {
      return localStorage.getItem('movie-night-paxos:browser');
    } catch {
      return null;
    }
  };
  const found = stored();
  if (found && /^[0-9a-f]{32}$/.test(found)) return found;
  // crypto.getRandomValues works on plain http:// too (randomUUID needs a secure context).
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const id = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  try {
    localStorage.setItem('movie-night-paxos:browser', id);
    return id;
  } catch {
    pageBrowserId ??= id;
    return pageBrowserId;
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
