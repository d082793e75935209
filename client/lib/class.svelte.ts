/*
 * One browser's view of one class (shared/class/), the one owner of it: the instructor's
 * state and table summaries, or a student's view. Loaded on demand: only the class's
 * screens (client/screens/class/) and the home page's "Create a class" import it.
 *
 * It keeps its own Connection: the table a student sits at is an ordinary room page with
 * its own Game (and socket), so the class and the table are heard side by side.
 */
import type {
  ClassEnvelope,
  ClassState,
  StudentView,
  TableSummary,
} from '../../shared/class/types.ts';
import { evolveClass } from '../../shared/class/evolve.ts';
import type { AckOf, ClientEventName, ClientPayload } from '../../shared/protocol/index.ts';
import type { RoomSettings } from '../../shared/room/settings.ts';
import { saveClassTokens, loadClassTokens } from './class-storage.ts';
import { Connection, wireSettings } from './connection.svelte.ts';
import { Timers } from './flights.svelte.ts';
import { browserId } from './storage.ts';

export type ClassRole = 'host' | 'student' | null;

export class ClassModel {
  readonly #timers = new Timers();
  readonly #connection = new Connection(this.#timers);
  code = $state.raw<string | null>(null);
  role = $state.raw<ClassRole>(null);
  state = $state.raw<ClassState | null>(null);
  /** The latest summary of each table, by its room code. */
  tables = $state.raw<Record<string, TableSummary>>({});
  view = $state.raw<StudentView | null>(null);
  /** The last refusal, worded by the server; cleared by the next command that succeeds. */
  error = $state.raw<string | null>(null);
  busy = $state.raw(false);
  /** This student was removed from the class. */
  revoked = $state.raw(false);
  /** A resume is on its way: events that arrive meanwhile are in the state it brings. */
  #resuming = false;
  /** Events arrived during a resume: they may be newer than what it brings, so ask again. */
  #stale = false;

  constructor() {
    this.#connection.on('class:events', (batch) => this.#events(batch.code, batch.events));
    this.#connection.on('class:tables', (batch) => {
      if (batch.code !== this.code) return;
      const next = { ...this.tables };
      for (const t of batch.tables) next[t.code] = t;
      this.tables = next;
    });
    this.#connection.on('class:you', (view) => {
      if (view.code === this.code) this.view = view;
    });
    this.#connection.on('class:revoked', (info) => {
      if (info.code === this.code) this.revoked = true;
    });
    // A new connection knows nothing of us: present the token again.
    this.#connection.onReconnect(() => void this.resume());
  }

  get link() {
    return this.#connection.link;
  }

  /** Creates a class; the host token is stored, so the dashboard resumes with it. */
  async create(title: string, settings: RoomSettings): Promise<string | null> {
    const r = await this.#run('class:create', { title, settings: wireSettings(settings) });
    if (!r) return null;
    this.code = r.state.code;
    saveClassTokens(r.state.code, { host: r.hostToken });
    this.#host(r.state, []);
    return r.state.code;
  }

  async join(code: string, name: string): Promise<boolean> {
    this.code = code;
    const r = await this.#run('class:join', { code, name, browser: browserId() });
    if (!r) return false;
    saveClassTokens(code, { student: r.token });
    this.role = 'student';
    this.view = r.view;
    return true;
  }

  /** Opens `code` with the token this browser keeps (the host's first, on the host's pages). */
  async open(code: string, as: 'host' | 'student'): Promise<boolean> {
    this.code = code;
    return this.resume(as);
  }

  async resume(as: 'host' | 'student' = this.role ?? 'student'): Promise<boolean> {
    const code = this.code;
    if (!code) return false;
    const token = loadClassTokens(code)[as];
    if (!token) return false;
    this.#resuming = true;
    const r = await this.#run('class:resume', { code, token });
    this.#resuming = false;
    if (this.#stale) {
      this.#stale = false;
      void this.resume(as);
    }
    if (!r) return false;
    if (r.role === 'host') this.#host(r.state, r.tables);
    else {
      this.role = 'student';
      this.view = r.view;
    }
    return true;
  }

  /** Any class command; a refusal lands in `error`. */
  async command<E extends ClientEventName>(
    name: E,
    payload: ClientPayload<E>,
  ): Promise<Extract<AckOf<E>, { ok: true }>['data'] | null> {
    return this.#run(name, payload);
  }

  destroy(): void {
    this.#timers.clear();
    this.#connection.close();
  }

  async #run<E extends ClientEventName>(
    name: E,
    payload: ClientPayload<E>,
  ): Promise<Extract<AckOf<E>, { ok: true }>['data'] | null> {
    this.busy = true;
    const r = await this.#connection.ask(name, payload);
    this.busy = false;
    if (!r.ok) {
      this.error = r.error.message;
      return null;
    }
    this.error = null;
    return r.data as Extract<AckOf<E>, { ok: true }>['data'];
  }

  #host(state: ClassState, tables: TableSummary[]): void {
    this.role = 'host';
    this.state = state;
    this.tables = Object.fromEntries(tables.map((t) => [t.code, t]));
  }

  /*
   * The instructor's new events, folded in order with the class engine's own fold. One that
   * is not the next seq means some were missed (a resume was under way, a batch was lost):
   * the state is asked again, and a batch arriving meanwhile asks once more after it.
   */
  #events(code: string, events: ClassEnvelope[]): void {
    if (code !== this.code || this.role !== 'host') return;
    if (this.#resuming) {
      this.#stale = true;
      return;
    }
    let state = this.state;
    for (const env of events) {
      if (!state || env.seq <= state.seq) continue;
      if (env.seq !== state.seq + 1) {
        void this.resume('host');
        return;
      }
      state = evolveClass(state, env);
    }
    this.state = state;
  }
}
