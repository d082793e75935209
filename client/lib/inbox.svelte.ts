/*
 * Be the acceptor, on the player's side: answers sent from the inbox, and the
 * wrong ones explained. The 'mistake' event carries the explanation; under fog
 * of war no events arrive, so the view's count of my mistakes says the answer
 * was wrong and the acceptor's rule, in the engine's words, explains it.
 */
import type { Request } from '../../shared/paxos/index.ts';
import { acceptorReason } from '../../shared/paxos/index.ts';
import type { RoomState } from '../../shared/room/index.ts';
import type { Game } from './game.svelte.ts';
import type { Mistake } from './room.svelte.ts';

interface Sent {
  request: Request;
  promised: number | null;
  /** My mistakes in this round before the answer. */
  before: number;
  round: number;
}

export class Answers {
  #sent = $state.raw<Sent[]>([]);
  readonly #game: Game;

  constructor(game: Game) {
    this.#game = game;
  }

  /** My wrong answers in this round, oldest first. */
  get mistakes(): Mistake[] {
    return this.#mistakes;
  }

  #mistakes = $derived.by((): Mistake[] => {
    const state = this.#game.state;
    if (state?.hiddenFrom === undefined) return this.#game.mistakes;
    const count = this.#count(state);
    const round = state.round?.number;
    return this.#sent
      .filter((s) => s.round === round && s.before < count)
      .slice(0, count)
      .map((s) => ({
        messageId: s.request.id,
        explanation: acceptorReason({ promisedId: s.promised, accepted: null }, s.request),
        applied: state.round?.rules.wrongAnswers === 'apply',
      }));
  });

  #count(state: RoomState | null): number {
    const me = this.#game.identity?.playerId;
    return (me && state?.round?.stats.mistakes[me]) || 0;
  }

  answer(request: Request, answer: 'grant' | 'reject'): Promise<boolean> {
    const state = this.#game.state;
    const round = state?.round;
    if (round) {
      const promised = round.paxos.acceptors[request.to]?.promisedId ?? null;
      const sent = { request, promised, before: this.#count(state), round: round.number };
      this.#sent = [...this.#sent.slice(-9), sent];
    }
    return this.#game.command('node:answer', { messageId: request.id, answer });
  }
}
