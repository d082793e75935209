/*
 * Who this browser is in which room: the tokens it keeps (client/lib/storage.ts),
 * the identity the server confirmed, the seat, and the phase of the page. It
 * runs the flows that bind the socket to a room: create, join, resume (after a
 * reload or a lost connection), watch, and giving the seat up; and it keeps the
 * host token of a what-if room the host forks.
 */
import type { ErrorBody, Identity, Snapshot } from '../../shared/protocol/index.ts';
import type { Player, RoomSettings } from '../../shared/room/index.ts';
import type { Connection } from './connection.svelte.ts';
import { NO_ANSWER, wireSettings } from './connection.svelte.ts';
import type { Notices } from './notices.svelte.ts';
import type { Room } from './room.svelte.ts';
import { browserId, loadTokens, rememberName, saveTokens } from './storage.ts';

/**
 * The screen key a projector link carries in its fragment (`/r/CODE/screen#key=…`): never
 * sent in a request, and taken out of the address once read, so a projected address bar
 * does not show it.
 */
function keyInAddress(): string | null {
  const match = /(?:^#|&)key=([A-Za-z0-9_-]{16,64})(?:&|$)/.exec(location.hash);
  if (!match) return null;
  history.replaceState(history.state, '', location.pathname + location.search);
  return match[1]!;
}

export type Phase = 'connecting' | 'join' | 'in' | 'watching' | 'missing';

export class Session {
  #code = $state<string | null>(null);
  #phase = $state<Phase>('connecting');
  #identity = $state.raw<Identity | null>(null);
  #busy = $state(false);
  #mode: 'play' | 'watch' = 'play';
  /** The room's screen key, when this browser has it (the host's: to show the projector link). */
  #screenKey = $state<string | null>(null);
  /** The socket is bound to the room: a new connection must bind it again. */
  #entered = false;

  readonly #connection: Connection;
  readonly #room: Room;
  readonly #notices: Notices;

  readonly #me = $derived.by((): Player | null => {
    const id = this.#identity?.playerId;
    return this.#room.state?.players.find((p) => p.id === id) ?? null;
  });

  constructor(connection: Connection, room: Room, notices: Notices) {
    this.#connection = connection;
    this.#room = room;
    this.#notices = notices;
    connection.onReconnect(() => {
      if (this.#entered) void this.#reenter();
    });
    connection.on('room:revoked', ({ code, reason }) => {
      if (code !== this.#code) return;
      this.forgetSeat();
      this.#notices.notify({
        text:
          reason === 'kicked'
            ? 'The host removed you from this room. Only the host can let you back in.'
            : 'You left your seat in this room. You can join again with a name.',
      });
    });
  }

  /** The room this page is about (null on the home page until a room is created or joined). */
  get code(): string | null {
    return this.#code;
  }

  get phase(): Phase {
    return this.#phase;
  }

  /** Who the server says this socket is: host, player, both, or a watcher. */
  get identity(): Identity | null {
    return this.#identity;
  }

  /** A create or join is under way. */
  get busy(): boolean {
    return this.#busy;
  }

  get isHost(): boolean {
    return this.#identity?.host ?? false;
  }

  /** The room's screen key as this browser keeps it (the host's), or null. */
  get screenKey(): string | null {
    return this.#screenKey;
  }

  /** The host makes a new screen key (the first, or one that replaces a leaked link). */
  async newScreenKey(): Promise<string | null> {
    const code = this.#code;
    if (code === null) return null;
    const r = await this.#connection.ask('host:screenKey', {});
    if (!r.ok) {
      this.#notices.notify(r.error);
      return null;
    }
    saveTokens(code, { screen: r.data.screenKey });
    this.#screenKey = r.data.screenKey;
    return r.data.screenKey;
  }

  /** My player in the room, seated or watching; null for a host without a seat or a projector. */
  get me(): Player | null {
    return this.#me;
  }

  get seat(): string | null {
    return this.#me?.seat ?? null;
  }

  /** Opens `code` to play: resumes the stored seat, else asks for a name. */
  async open(code: string): Promise<void> {
    this.#code = code;
    this.#mode = 'play';
    const tokens = loadTokens(code);
    if (!tokens.host && !tokens.player) {
      // A dead link says so at once, not after a name is typed: the room is looked up first.
      this.#phase = 'connecting';
      this.#phase = (await this.#exists(code)) ? 'join' : 'missing';
      return;
    }
    this.#phase = 'connecting';
    await this.#resume(code, true);
  }

  /**
   * Whether room `code` exists, asked by watching it (the socket then hears the room until
   * it joins). Unknown when the server cannot say now: then the join form asks anyway.
   */
  async #exists(code: string): Promise<boolean> {
    const r = await this.#connection.ask('room:watch', { code });
    return r.ok || (r.error.code !== 'not_found' && r.error.code !== 'bad_request');
  }

  /**
   * Opens `code` as the projector screen: no seat. The host's own browser presents its host
   * token, so the projector carries the host's console and presenter keys; others watch.
   */
  async watch(code: string): Promise<void> {
    this.#code = code;
    this.#mode = 'watch';
    this.#phase = 'connecting';
    const r = await this.#bindScreen(code);
    if (!r.ok) {
      this.#phase = 'missing';
      this.#notices.notify(r.error);
      return;
    }
    this.#entered = true;
    this.#identity = r.data.identity;
    await this.#room.adopt(r.data.snapshot);
    this.#phase = 'watching';
  }

  /** Creates a room; with a name the creator also takes a seat. Returns the code. */
  async create(settings: RoomSettings, name: string | null): Promise<string | null> {
    this.#busy = true;
    try {
      const r = await this.#connection.ask('room:create', { settings: wireSettings(settings) });
      if (!r.ok) {
        this.#notices.notify(r.error);
        return null;
      }
      const { identity, hostToken, screenKey, snapshot } = r.data;
      this.#code = identity.code;
      saveTokens(identity.code, { host: hostToken, screen: screenKey });
      this.#screenKey = screenKey;
      this.#identity = identity;
      this.#entered = true;
      await this.#room.adopt(snapshot);
      this.#phase = 'in';
      if (name !== null) await this.join(name, false);
      return identity.code;
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Takes a seat (or a spectator's place) in room `code`, by default the open
   * room; the page is about `code` from then on, if the server says yes.
   */
  async join(name: string, spectator: boolean, code = this.#code): Promise<boolean> {
    if (code === null) return false;
    this.#busy = true;
    try {
      const r = await this.#connection.ask('room:join', {
        code,
        name,
        spectator,
        browser: browserId(),
      });
      if (!r.ok) {
        this.#notices.notify(r.error);
        return false;
      }
      this.#code = code;
      saveTokens(code, { player: r.data.token });
      rememberName(name.trim());
      this.#identity = r.data.identity;
      this.#entered = true;
      await this.#room.adopt(r.data.snapshot);
      this.#phase = 'in';
      return true;
    } finally {
      this.#busy = false;
    }
  }

  /** My seat is gone (I left it, or the host removed me): the token is forgotten. */
  forgetSeat(): void {
    if (this.#code) saveTokens(this.#code, { player: null });
    this.#identity = this.#identity ? { ...this.#identity, playerId: null, seat: null } : null;
    if (!this.isHost) this.#phase = 'join';
  }

  /** Presents the stored tokens: host first, then the player, on the same socket. */
  async #resume(code: string, first: boolean): Promise<boolean> {
    const tokens = loadTokens(code);
    let identity: Identity | null = null;
    let snapshot: Snapshot | null = null;
    const errors: ErrorBody[] = [];
    for (const role of ['host', 'player'] as const) {
      const token = tokens[role];
      if (!token) continue;
      const r = await this.#connection.ask('room:resume', { code, token, browser: browserId() });
      if (r.ok) {
        if (r.data.identity.host) this.#screenKey = loadTokens(code).screen ?? null;
        identity = r.data.identity;
        snapshot = r.data.snapshot;
      } else {
        errors.push(r.error);
        // A token that no longer opens the room is forgotten; a lost connection is not.
        if (r.error.code === 'forbidden' || r.error.code === 'not_found') {
          saveTokens(code, { [role]: null });
        }
      }
    }
    if (!identity || !snapshot) {
      const error = errors[0] ?? NO_ANSWER;
      // The room is gone (expired): the page says so, no join form.
      if (first && error.code === 'not_found') {
        this.#phase = 'missing';
        return false;
      }
      this.#notices.notify({
        text:
          error.code === 'not_found'
            ? `There is no room ${code} any more. Check the code, or create a new room.`
            : error.code === 'forbidden'
              ? `Your seat in room ${code} is gone (${error.message}) Join again with a name.`
              : error.message,
      });
      if (first) this.#phase = 'join';
      return false;
    }
    this.#identity = identity;
    this.#entered = true;
    const state = this.#room.state;
    if (first) {
      await this.#room.adopt(snapshot);
    } else if (!state || snapshot.state.seq > state.seq) {
      // Back after a lost connection: fetch only what was missed, keeping the log whole.
      await this.#room.sync();
    }
    this.#phase = 'in';
    return true;
  }

  /** A new connection: bind it to the room again as what this page was. */
  async #reenter(): Promise<void> {
    const code = this.#code;
    if (!code) return;
    if (this.#mode === 'play') {
      await this.#resume(code, false);
      return;
    }
    const r = await this.#bindScreen(code);
    if (!r.ok) return this.#notices.notify(r.error);
    this.#identity = r.data.identity;
    await this.#room.sync();
  }

  /** The projector's binding: as the host if this browser holds the host token, else a watcher. */
  async #bindScreen(code: string) {
    const token = loadTokens(code).host;
    if (token) {
      const r = await this.#connection.ask('room:resume', { code, token });
      if (r.ok || r.error.code !== 'forbidden') return r;
      saveTokens(code, { host: null });
    }
    // Another browser: with the host's screen key (from the link, or kept since) it sees
    // through the fog; a key that no longer works is forgotten and the room watched without.
    // (Kept in memory too: without storage a reconnection still has it.)
    const key = keyInAddress();
    if (key !== null) {
      saveTokens(code, { screen: key });
      this.#screenKey = key;
    }
    const screen = loadTokens(code).screen ?? this.#screenKey;
    if (screen) {
      const r = await this.#connection.ask('room:watch', { code, key: screen });
      if (r.ok || r.error.code !== 'forbidden') return r;
      saveTokens(code, { screen: null });
      this.#screenKey = null;
      this.#notices.notify({
        text: `${r.error.message} Until then this screen shows no node's private state in a round with fog of war.`,
      });
    }
    return this.#connection.ask('room:watch', { code });
  }

  /** `host:fork`: a what-if room from event `at`; its host token is kept like a created room's. */
  async fork(at: number): Promise<string | null> {
    const r = await this.#connection.ask('host:fork', { at });
    if (!r.ok) {
      this.#notices.notify(r.error);
      return null;
    }
    saveTokens(r.data.code, { host: r.data.hostToken });
    return r.data.code;
  }
}
