import type Database from 'better-sqlite3';
import type { ClassEnvelope } from '../../shared/class/types.ts';

/** What a class token grants. Only its sha256 is stored, never the token. */
export interface ClassCredential {
  tokenHash: string;
  code: string;
  role: 'host' | 'student';
  /** The student the token is; null for an instructor's (or a co-host's) token. */
  studentId: string | null;
}

/** Credential changes that commit with a class command's events. */
export interface ClassCredentialChange {
  grant?: ClassCredential;
  /** Every token of this student stops working (kicked). */
  revokeStudent?: string;
}

/**
 * A class's log and tokens, beside the rooms' in the same SQLite file (server/store/sqlite.ts
 * opens it): one row per class event, as a room has one per room event. A class's tables are
 * rooms, stored as any room is; the class only names them (`tableOpened`).
 */
export class ClassStore {
  private readonly insertEvent: Database.Statement<[string, number, number, string]>;
  private readonly insertToken: Database.Statement<[string, string, string, string | null]>;
  private readonly deleteStudent: Database.Statement<[string, string]>;
  private readonly selectAll: Database.Statement<
    [string],
    { seq: number; at: number; event: string }
  >;
  private readonly selectFirst: Database.Statement<[string], { one: number }>;
  private readonly selectToken: Database.Statement<
    [string],
    { class: string; role: 'host' | 'student'; student_id: string | null }
  >;
  private readonly appendTx: (
    code: string,
    envelopes: readonly ClassEnvelope[],
    change: ClassCredentialChange,
  ) => void;

  constructor(db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS class_events (
        class TEXT NOT NULL,
        seq INTEGER NOT NULL,
        at INTEGER NOT NULL,
        event TEXT NOT NULL,
        PRIMARY KEY (class, seq)
      );
      CREATE TABLE IF NOT EXISTS class_tokens (
        token_hash TEXT PRIMARY KEY,
        class TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('host', 'student')),
        student_id TEXT
      );
      CREATE INDEX IF NOT EXISTS class_tokens_by_student ON class_tokens (class, student_id);
    `);
    this.insertEvent = db.prepare(
      'INSERT INTO class_events (class, seq, at, event) VALUES (?, ?, ?, ?)',
    );
    this.insertToken = db.prepare(
      'INSERT INTO class_tokens (token_hash, class, role, student_id) VALUES (?, ?, ?, ?)',
    );
    this.deleteStudent = db.prepare('DELETE FROM class_tokens WHERE class = ? AND student_id = ?');
    this.selectAll = db.prepare(
      'SELECT seq, at, event FROM class_events WHERE class = ? ORDER BY seq',
    );
    this.selectFirst = db.prepare('SELECT 1 AS one FROM class_events WHERE class = ? AND seq = 1');
    this.selectToken = db.prepare(
      'SELECT class, role, student_id FROM class_tokens WHERE token_hash = ?',
    );
    // A command's events and its token changes commit or fail together; a seq already taken throws.
    this.appendTx = db.transaction((code, envelopes, change) => {
      for (const e of envelopes) this.insertEvent.run(code, e.seq, e.at, JSON.stringify(e.event));
      if (change.revokeStudent !== undefined) this.deleteStudent.run(code, change.revokeStudent);
      const g = change.grant;
      if (g) this.insertToken.run(g.tokenHash, g.code, g.role, g.studentId);
    });
  }

  append(
    code: string,
    envelopes: readonly ClassEnvelope[],
    change: ClassCredentialChange = {},
  ): void {
    this.appendTx(code, envelopes, change);
  }

  /** A token alone (a co-host's, say), with no event. */
  grant(credential: ClassCredential): void {
    this.appendTx(credential.code, [], { grant: credential });
  }

  /** The whole log of a class, in order; empty for an unknown class. */
  load(code: string): ClassEnvelope[] {
    return this.selectAll.all(code).map((row) => ({
      seq: row.seq,
      at: row.at,
      event: JSON.parse(row.event) as ClassEnvelope['event'],
    }));
  }

  has(code: string): boolean {
    return this.selectFirst.get(code) !== undefined;
  }

  credential(tokenHash: string): ClassCredential | null {
    const row = this.selectToken.get(tokenHash);
    return row ? { tokenHash, code: row.class, role: row.role, studentId: row.student_id } : null;
  }
}
