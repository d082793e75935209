import type { ScriptStep } from '../scenario.ts';

/*
 * A guided demo's state and events (the rules: shared/room/demo.ts). A leaf module of types,
 * so that the room's types name them without importing the engine's code.
 */

/** A question of the demo (an `ask` step), open until the host reveals it. */
export interface DemoAsk {
  /** The scenario step (1-based) that asked it. */
  step: number;
  question: string;
  choices: string[];
  /** Each player's answer so far (player id → choice); they may change it until the reveal. */
  answers: Record<string, string>;
  revealed: boolean;
  /** The right answer, known to the room only once revealed (null: no right or wrong). */
  answer: string | null;
}

/** A demo loaded into the round being played. */
export interface DemoState {
  title: string | null;
  /** Steps in the scenario. */
  total: number;
  /**
   * The scenario's steps: the host's alone. The server leaves them out of every other
   * audience's events and snapshots (server/fog.ts), so no future step or answer leaks.
   */
  steps?: ScriptStep[];
  /** Steps played so far (the log is append-only: this only grows). */
  played: number;
  /** The step every screen shows (Back moves it behind `played`; Next forward again). */
  cursor: number;
  /** `ends[i]`: the seq after which step `i` was done (`ends[0]`: the demo's load). */
  ends: number[];
  /** The latest `say`: the projector's caption. */
  caption: string | null;
  /** The latest question, open or revealed (null before the first, and after the next step). */
  ask: DemoAsk | null;
}

export type DemoEvent =
  /** A scenario was loaded into the round that just started; `steps` only in the host's copy. */
  | { type: 'demoLoaded'; title: string | null; total: number; steps?: ScriptStep[] }
  /**
   * Step `step` was played (its Paxos events or its note came just before). A `say` step
   * carries its text (the caption), an `ask` step its question without the answer.
   */
  | {
      type: 'demoStepped';
      step: number;
      say?: string;
      ask?: { question: string; choices: string[] };
    }
  /** A player answered the open question (or changed their answer). */
  | { type: 'demoPredicted'; playerId: string; choice: string }
  /** The question is closed; the right answer (null: none) and the tallies follow from it. */
  | { type: 'demoRevealed'; step: number; answer: string | null }
  /** The shared cursor moved (Back, or Next while behind). */
  | { type: 'demoMoved'; cursor: number }
  /** "From here on, you play": the rest of the scenario is dropped; the round goes on live. */
  | { type: 'demoLive' };
