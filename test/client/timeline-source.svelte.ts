// The room as the timeline reads it (client/lib/timeline.svelte.ts's TimelineSource), as
// reactive state a test sets: what client/lib/room.svelte.ts keeps as it folds events.
import type { RoomState, TranscriptLine } from '../../shared/room/index.ts';
import type { History } from '../../client/lib/room.svelte.ts';
import type { ReplyRecord } from '../../client/lib/views.ts';

export class Source {
  history = $state.raw<History>({ base: null, log: [], views: [] });
  state = $state.raw<RoomState | null>(null);
  lines = $state.raw<TranscriptLine[]>([]);
  replies = $state.raw<ReplyRecord[]>([]);
}
