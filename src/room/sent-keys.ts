/**
 * The keys a page gave its recent messages, per session, so that a message sent again (a retry
 * after a broken connection, a reload) is answered with the id it already got instead of being
 * posted twice. Kept in SQLite, since a retry often comes after a deploy or an eviction, and
 * bounded: each session keeps its newest `perSession` keys, and a session's keys go with it.
 */
export class SentKeys {
  readonly #sql: SqlStorage;
  readonly #perSession: number;

  constructor(sql: SqlStorage, perSession: number) {
    this.#sql = sql;
    this.#perSession = perSession;
    sql.exec(`CREATE TABLE IF NOT EXISTS sent_keys (
      token TEXT NOT NULL,
      key TEXT NOT NULL,
      event_id INTEGER NOT NULL,
      PRIMARY KEY (token, key)
    )`);
    // The newest keys of a session, for trimming to the bound.
    sql.exec("CREATE INDEX IF NOT EXISTS sent_keys_by_event ON sent_keys (token, event_id)");
  }

  /** The id the message sent under `key` got, if the session sent one under it. */
  find(token: string, key: string): number | undefined {
    return this.#sql
      .exec<{ event_id: number }>("SELECT event_id FROM sent_keys WHERE token = ? AND key = ?", token, key)
      .toArray()[0]?.event_id;
  }

  remember(token: string, key: string, eventId: number): void {
    this.#sql.exec("INSERT INTO sent_keys (token, key, event_id) VALUES (?, ?, ?)", token, key, eventId);
    this.#sql.exec(
      `DELETE FROM sent_keys WHERE token = ? AND event_id <= (
         SELECT event_id FROM sent_keys WHERE token = ? ORDER BY event_id DESC LIMIT 1 OFFSET ?
       )`,
      token,
      token,
      this.#perSession,
    );
  }

  /** Forgets the keys of a session that has ended. */
  forgetSession(token: string): void {
    this.#sql.exec("DELETE FROM sent_keys WHERE token = ?", token);
  }

  /** Forgets the keys of every session that no longer exists. */
  forgetEndedSessions(): void {
    this.#sql.exec("DELETE FROM sent_keys WHERE token NOT IN (SELECT token FROM sessions)");
  }
}
