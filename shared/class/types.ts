import type { RoomSettings } from '../room/settings.ts';

/*
 * A class: one instructor, many students, seated into tables of friends.
 * Each table is an ordinary room (shared/room/); the class is its own small
 * event log folded by `evolveClass` (shared/class/evolve.ts), stored beside the
 * rooms' logs. The class knows who its students are, which table each sits at,
 * the class-wide questions and the moderation; the tables know the game.
 */

/** Class codes are 6 digits (a "game PIN"), so the join box tells them from 5-letter room codes. */
export const CLASS_CODE_LENGTH = 6;
/** The largest class (students who joined, kicked ones included). */
export const MAX_CLASS_STUDENTS = 300;
/** Extra time a student may be given in turn-based rounds, in seconds per turn (WCAG 2.2.1). */
export const MAX_EXTRA_SECONDS = 600;

export interface Student {
  /** Minted by the server. */
  id: string;
  /** The nickname, as shown (the instructor may rename it). */
  name: string;
  joinedAt: number;
  /** The code of the table's room the student sits at; null while waiting for the next round. */
  table: string | null;
  /** The student's player in that room (null while waiting). */
  playerId: string | null;
  /** The friend-node the student plays at that table (null while waiting). */
  seat: string | null;
  /** Extra seconds per turn in turn-based rounds (0: none). */
  extraSeconds: number;
  /** Kicked: out of the class for good, and the nickname is barred (`banned`). */
  kicked: boolean;
}

export interface ClassTable {
  /** The table's room code. */
  code: string;
  /** "Table 1", "Table 2"…: 1-based, in the order the tables were opened. */
  index: number;
}

export interface ClassQuestion {
  id: number;
  text: string;
  choices: string[];
  /** The right choice, or null for an opinion poll (every answer is right). */
  answer: string | null;
  /** studentId → choice. Changeable until the reveal. */
  answers: Record<string, string>;
  revealed: boolean;
  /** The class round being played when it was asked (0: before the first): its points go there. */
  round: number;
}

export interface ClassState {
  code: string;
  seq: number;
  title: string;
  createdAt: number;
  /** Every table's room settings (seats = the table size N, quorum): applied at the next round. */
  settings: RoomSettings;
  /** Nobody new may join (students already in keep their place). */
  locked: boolean;
  /** The projector hides the code and the join link. */
  codeHidden: boolean;
  /** In join order. */
  students: Student[];
  tables: ClassTable[];
  /** Nicknames that cannot join again (kicked), normalised with `nicknameKey`. */
  banned: string[];
  /** Class-wide rounds started (`class:startRound`). */
  round: number;
  /** For each class round (index 0 = round 1): the room round each table played in it. */
  rounds: { code: string; round: number }[][];
  /** The last class-wide pause/resume said paused. */
  paused: boolean;
  /** The last one is the open (or last revealed) question. */
  questions: ClassQuestion[];
  /** The table shown on the projector, or null for the class's own screen. */
  projected: string | null;
}

export type ClassEvent =
  | { type: 'classCreated'; code: string; title: string; settings: RoomSettings }
  | { type: 'studentJoined'; studentId: string; name: string }
  | { type: 'tableOpened'; code: string; index: number }
  | { type: 'studentSeated'; studentId: string; table: string; playerId: string; seat: string }
  | { type: 'studentRenamed'; studentId: string; name: string }
  | { type: 'studentKicked'; studentId: string }
  | { type: 'classLocked'; locked: boolean }
  | { type: 'codeHidden'; hidden: boolean }
  | { type: 'classSettingsChanged'; settings: RoomSettings }
  /** Which round each table started for this class round (a table opened late starts at 1). */
  | { type: 'classRoundStarted'; round: number; tables: { code: string; round: number }[] }
  | { type: 'classPaused'; paused: boolean }
  | { type: 'questionAsked'; id: number; text: string; choices: string[]; answer: string | null }
  | { type: 'questionAnswered'; studentId: string; choice: string }
  | { type: 'questionRevealed'; id: number }
  | { type: 'extraTimeGiven'; studentId: string; seconds: number }
  | { type: 'tableProjected'; table: string | null };

export interface ClassEnvelope {
  seq: number;
  at: number;
  event: ClassEvent;
}

/** What a student's phone is told about the class (never others' answers or the key before the reveal). */
export interface StudentView {
  code: string;
  title: string;
  studentId: string;
  name: string;
  /** Where the student sits, or null while waiting for the next round. */
  table: { code: string; index: number; seat: string } | null;
  /** Class rounds started so far (0: none yet): a late joiner waits for the next. */
  round: number;
  locked: boolean;
  kicked: boolean;
  /** The open or last revealed question. */
  question: {
    id: number;
    text: string;
    choices: string[];
    /** This student's answer so far. */
    mine: string | null;
    revealed: boolean;
    /** After the reveal: the right choice (null: a poll) and how many chose each choice. */
    answer?: string | null;
    counts?: Record<string, number>;
  } | null;
}

/** One table as the dashboard sees it (computed by `tableSummary`, sent throttled). */
export interface TableSummary {
  code: string;
  index: number;
  /** The room's last event seq this summary is of. */
  seq: number;
  /** The round's number, or 0 before the first. */
  round: number;
  status: 'lobby' | 'playing' | 'ended';
  paused: boolean;
  /** Turn-based: whose turn (the seat), else null. */
  turn: string | null;
  /** The movies chosen this round, in order (two: safety broken). */
  chosen: string[];
  /** The round's safety findings (shared/paxos findings). */
  findings: number;
  /** Wrong acceptor answers this round. */
  mistakes: number;
  /** Paxos messages sent this round: a table that is stuck shows it. */
  messages: number;
  players: {
    seat: string;
    name: string;
    playerId: string;
    bot: boolean;
    connected: boolean;
    /** No command from this seat for a while in a round being played (`IDLE_MS`). */
    idle: boolean;
    /** The round has no node for this seat (a demo of three nodes at a table of five). */
    sitsOut: boolean;
  }[];
}
