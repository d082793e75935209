import type { ErrorBody } from '../shared/protocol/index.ts';
import type { Envelope, RoomEvent, RoomState } from '../shared/room/index.ts';
import type { Logger } from './log.ts';
import type { RunResult, Transport } from './rooms.ts';
import type { Credential, CredentialChange, SqliteStore } from './store/sqlite.ts';

/** A room in memory. */
export interface Hosted {
  code: string;
  /** What the store holds: what snapshots, sync and transcripts show. */
  state: RoomState;
  /** `state` plus the commands queued for the next commit: what the next command is decided on. */
  latest: RoomState;
  /** Commands of this room queued and not yet committed. */
  pending: number;
  /** Sockets looking at the room (any role). At zero the room may leave memory. */
  subscribers: number;
  /** Sockets bound to each player: presence changes at the first and the last. */
  connections: Map<string, number>;
}

interface Item {
  hosted: Hosted;
  envelopes: Envelope[];
  state: RoomState;
  change: CredentialChange;
  /** Whether the room is live after this command, when its events may have changed that. */
  live: boolean | undefined;
  /** A person (the host or a player who is not a bot) gave the command. */
  person: boolean;
  gone: { playerId: string; reason: 'left' | 'kicked' }[];
  resolve: (result: RunResult) => void;
}

/** Events after which a room may start or stop being live. */
const LIVENESS = new Set<RoomEvent['type']>([
  'roundStarted',
  'roundEnded',
  'playerJoined',
  'playerLeft',
  'roomClosed',
]);

/**
 * A live room is driven by the server on its own: a round is being played
 * with turns (a timer passes them) or with bots. A restart loads these rooms
 * at once so their timers and bots carry on.
 */
export function isLive(state: RoomState): boolean {
  const round = state.round;
  return (
    state.status === 'open' &&
    round?.status === 'playing' &&
    (round.turn !== null || state.players.some((p) => p.bot !== undefined))
  );
}

export const INTERNAL: ErrorBody = {
  code: 'internal',
  message: 'The server failed to handle that; nothing changed. Try again.',
};

/**
 * Group commit: the commands of every room that arrive in one turn of the
 * event loop are written in ONE SQLite transaction, then published and
 * answered. Persist before ack or broadcast still holds for each command; the
 * disk sees one commit instead of dozens (profiling showed the per-command
 * transaction as the server's largest cost). If the batch fails, each command
 * is retried on its own, so one room's bad write fails only that room's
 * commands: the first that failed and those decided after it.
 */
export class GroupCommit {
  private queue: Item[] = [];
  private scheduled = false;

  constructor(
    private readonly store: SqliteStore,
    private readonly transport: Transport,
    private readonly logger: Logger,
    /** After a flush, per room touched: whether its state changed, and if a person's command did. */
    private readonly settled: (hosted: Hosted, changed: boolean, person: boolean) => void,
  ) {}

  enqueue(
    hosted: Hosted,
    envelopes: Envelope[],
    state: RoomState,
    grant: Credential | undefined,
    person = false,
  ): Promise<RunResult> {
    if (envelopes.length === 0 && hosted.pending === 0) {
      return Promise.resolve({ ok: true, seq: hosted.state.seq });
    }
    // A player who left or was kicked loses their tokens in the same transaction.
    const gone = envelopes.flatMap((e) => (e.event.type === 'playerLeft' ? [e.event] : []));
    const change: CredentialChange = {
      ...(grant ? { grant } : {}),
      ...(gone[0] ? { revokePlayer: gone[0].playerId } : {}),
    };
    const live = envelopes.some((e) => LIVENESS.has(e.event.type)) ? isLive(state) : undefined;
    hosted.latest = state;
    hosted.pending++;
    return new Promise((resolve) => {
      this.queue.push({ hosted, envelopes, state, change, live, person, gone, resolve });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Resolves once nothing is queued: what was acked is on disk, what was asked is answered. */
  async idle(): Promise<void> {
    while (this.scheduled) await new Promise((resolve) => setImmediate(resolve));
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    let failed: Set<Item>;
    try {
      failed = this.write(batch);
    } catch (err) {
      this.logger.error('group commit failed', err);
      failed = new Set(batch);
    }
    // Per room touched: whether its state changed, and whether a person's command changed it.
    const touched = new Map<Hosted, { changed: boolean; person: boolean }>();
    for (const item of batch) {
      const { hosted } = item;
      hosted.pending--;
      const seen = touched.get(hosted) ?? { changed: false, person: false };
      touched.set(hosted, seen);
      if (failed.has(item)) {
        item.resolve({ ok: false, error: INTERNAL });
        continue;
      }
      const before = hosted.state;
      hosted.state = item.state;
      if (item.envelopes.length > 0) {
        seen.changed = true;
        seen.person ||= item.person;
      }
      this.tell(item, before);
      item.resolve({ ok: true, seq: item.state.seq });
    }
    for (const [hosted, { changed, person }] of touched) {
      // Commands decided on a state that never became durable are gone: start again from the store's.
      if (hosted.pending === 0) hosted.latest = hosted.state;
      this.settled(hosted, changed, person);
    }
  }

  /** Writes the batch; returns the items that did not commit. */
  private write(batch: Item[]): Set<Item> {
    const writes = batch.filter((i) => i.envelopes.length > 0);
    try {
      this.store.appendBatch(
        writes.map((i) => ({
          room: i.hosted.code,
          envelopes: i.envelopes,
          change: i.change,
          live: i.live,
        })),
      );
      return new Set();
    } catch (err) {
      this.logger.error(`a commit of ${writes.length} commands failed; retrying one by one`, err);
    }
    const failed = new Set<Item>();
    const broken = new Set<Hosted>();
    for (const item of batch) {
      if (broken.has(item.hosted)) {
        failed.add(item);
        continue;
      }
      try {
        if (item.envelopes.length > 0) {
          this.store.append(item.hosted.code, item.envelopes, item.change, item.live);
        }
      } catch (err) {
        this.logger.error(`room ${item.hosted.code}: commit failed`, err);
        broken.add(item.hosted);
        failed.add(item);
      }
    }
    return failed;
  }

  /** Telling others cannot undo a committed command: a failure here is logged, not answered. */
  private tell(item: Item, before: RoomState): void {
    const { hosted, envelopes, gone } = item;
    try {
      if (envelopes.length > 0) this.transport.publish(hosted.code, envelopes, before, item.state);
      for (const { playerId, reason } of gone) {
        hosted.connections.delete(playerId);
        this.transport.revoke(hosted.code, playerId, reason);
      }
    } catch (err) {
      this.logger.error(`room ${hosted.code}: publishing events failed`, err);
    }
  }
}
