import type { SeatedBot } from '../shared/bots.ts';
import { botCommands, botDelayMs, botsOf } from '../shared/bots.ts';
import type { RoomState } from '../shared/room/index.ts';
import { seatView } from '../shared/room/index.ts';
import type { Logger } from './log.ts';
import type { RoomHost, RoomListener } from './rooms.ts';
import type { Scheduler } from './timers.ts';

/** How long a bot waits between its move batches, unless the app says otherwise. */
export const DEFAULT_BOT_PACE_MS = 1500;

/**
 * How many bot move batches a room may run since a person (the host or a
 * player who is not a bot) last gave a command. Past it the bots sleep until
 * a person acts: a room left to duelling bots does not write to the log forever.
 */
export const DEFAULT_BOT_BUDGET = 500;

/** The bots of one room in memory. */
interface RoomBots {
  /** A bot waiting for its next batch. */
  timers: Map<string, unknown>;
  /** A bot running its batch now. */
  busy: Set<string>;
  /** Batches run since a person's last command. */
  spent: number;
}

/**
 * Runs the bots, a driver beside the socket edge: players with `bot` set act
 * by `botCommands` from what their seat sees, one batch of moves per
 * `botDelayMs`, submitting the same room commands a person's clicks become
 * to the room's queue, as that player (no privileged path). A bot with
 * nothing to do sleeps and is woken by its room's next committed events. A
 * kicked bot is no longer in the room: it stops.
 */
export class BotRunner implements RoomListener {
  private readonly rooms = new Map<string, RoomBots>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly deps: {
      rooms: RoomHost;
      scheduler: Scheduler;
      logger: Logger;
      paceMs: number;
      budget: number;
    },
  ) {}

  changed(code: string, state: RoomState, person: boolean): void {
    if (this.stopped) return;
    let room = this.rooms.get(code);
    if (!room) {
      // Most rooms have no bot: this runs after every commit, so it stays cheap for them.
      if (!state.players.some((p) => p.bot !== undefined)) return;
      room = { timers: new Map(), busy: new Set(), spent: 0 };
      this.rooms.set(code, room);
    }
    const bots = botsOf(state);
    if (person) room.spent = 0;
    for (const [id, handle] of room.timers) {
      if (!bots.some((b) => b.id === id)) {
        this.deps.scheduler.clearTimeout(handle);
        room.timers.delete(id);
      }
    }
    for (const bot of bots) this.plan(code, room, state, bot);
  }

  holds(code: string): boolean {
    const room = this.rooms.get(code);
    return room !== undefined && (room.timers.size > 0 || room.busy.size > 0);
  }

  released(code: string): void {
    this.rooms.delete(code);
  }

  /** No bot acts after this; resolves once the batches running now are done. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const room of this.rooms.values()) {
      for (const handle of room.timers.values()) this.deps.scheduler.clearTimeout(handle);
      room.timers.clear();
    }
    await Promise.all(this.running);
  }

  /** Sets the bot's timer if it has something to do now and is not already waiting or acting. */
  private plan(code: string, room: RoomBots, state: RoomState, bot: SeatedBot): void {
    if (this.stopped || room.timers.has(bot.id) || room.busy.has(bot.id)) return;
    if (room.spent >= this.deps.budget) return;
    if (botCommands(state, bot).length === 0) return;
    const paxos = seatView(state, bot.seat).round!.paxos;
    const ms = botDelayMs(bot.bot, paxos, bot.seat, this.deps.paceMs);
    const handle = this.deps.scheduler.setTimeout(() => this.fire(code, bot.id), ms);
    room.timers.set(bot.id, handle);
  }

  private fire(code: string, id: string): Promise<void> {
    const room = this.rooms.get(code);
    if (!room?.timers.has(id)) return Promise.resolve();
    room.timers.delete(id);
    room.busy.add(id);
    const run = this.act(code, room, id).finally(() => {
      room.busy.delete(id);
      this.running.delete(run);
      this.after(code, room, id);
    });
    this.running.add(run);
    return run;
  }

  /** One batch: the moves the bot decides on now, run one after the other until one is refused. */
  private async act(code: string, room: RoomBots, id: string): Promise<void> {
    try {
      const state = this.deps.rooms.open(code);
      const bot = state && botsOf(state).find((b) => b.id === id);
      if (!state || !bot) return;
      const commands = botCommands(state, bot);
      if (commands.length === 0) return;
      room.spent++;
      for (const command of commands) {
        if (this.stopped) return;
        const done = await this.deps.rooms.run(code, command, { role: 'player', playerId: id });
        // The room moved on since the bot looked (another player, the host): it looks again later.
        if (!done.ok) return;
      }
    } catch (err) {
      this.deps.logger.error(`room ${code}: bot ${id} failed`, err);
    }
  }

  /** After a batch: the bot plans again from the room as it is now; an idle room may leave memory. */
  private after(code: string, room: RoomBots, id: string): void {
    try {
      const state = this.deps.rooms.open(code);
      const bot = state && botsOf(state).find((b) => b.id === id);
      if (state && bot) this.plan(code, room, state, bot);
      if (!this.holds(code)) this.deps.rooms.release(code);
    } catch (err) {
      this.deps.logger.error(`room ${code}: bot ${id} failed`, err);
    }
  }
}
