/*
 * The page: which screen the address shows and the Game behind it. A room's
 * Game (and socket) lives as long as the address names that room.
 */
import type { RoomSettings } from '../../shared/room/index.ts';
import { Game } from './game.svelte.ts';
import type { Route } from './router.svelte.ts';
import { Router, normaliseCode, roomPath } from './router.svelte.ts';
import { loadTokens } from './storage.ts';

export class AppModel {
  readonly router = new Router();
  #game = $state.raw<Game | null>(null);
  #mode: 'home' | 'play' | 'watch' = 'home';

  constructor() {
    this.router.onChange((route) => this.#follow(route));
    this.#follow(this.router.route);
  }

  /** The Game of the room the address names (on the home page, the one a room is made with). */
  get game(): Game | null {
    return this.#game;
  }

  /** Creates a room from the home screen and opens it. */
  async create(settings: RoomSettings, name: string | null): Promise<void> {
    const game = this.#game;
    if (!game) return;
    const code = await game.create(settings, name);
    if (code) this.router.go(roomPath(code));
  }

  /** Joins from the home screen; a room this browser already sits in is simply reopened. */
  async join(codeText: string, name: string, spectator: boolean): Promise<void> {
    const game = this.#game;
    const code = normaliseCode(codeText);
    if (!game) return;
    const tokens = loadTokens(code);
    if (tokens.host || tokens.player) {
      this.router.go(roomPath(code));
      return;
    }
    if (await game.join(name, spectator, code)) this.router.go(roomPath(code));
  }

  #follow(route: Route): void {
    const mode = route.name === 'room' ? 'play' : route.name === 'screen' ? 'watch' : 'home';
    const code = route.name === 'room' || route.name === 'screen' ? route.code : null;
    // Created or joined from the home screen: the same Game carries on into the room.
    if (this.game && mode === 'play' && this.#mode === 'home' && this.game.code === code) {
      this.#mode = mode;
      return;
    }
    if (this.game && mode === this.#mode && this.game.code === code) return;
    this.#game?.destroy();
    const game = new Game();
    this.#game = game;
    this.#mode = mode;
    if (code !== null && mode === 'play') void game.open(code);
    if (code !== null && mode === 'watch') void game.watch(code);
  }
}
