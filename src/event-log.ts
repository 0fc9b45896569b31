/** A stored event: its id and the JSON text sent as its `data`. */
export interface StoredEvent {
  id: number;
  data: string;
}

/**
 * The room's history in SQLite. Ids come from AUTOINCREMENT, so they only ever grow, even across
 * restarts and after every older row has been deleted by retention.
 */
export class EventLog {
  readonly #sql: SqlStorage;
  readonly #retained: number;
  #lastId: number;

  constructor(sql: SqlStorage, retained: number) {
    this.#sql = sql;
    this.#retained = retained;
    sql.exec(`CREATE TABLE IF NOT EXISTS events (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      data TEXT NOT NULL
    )`);
    this.#lastId =
      sql.exec<{ seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'events'").toArray()[0]?.seq ?? 0;
  }

  /** Id of the newest event ever stored, 0 when there has been none. */
  get lastId(): number {
    return this.#lastId;
  }

  /** Stores an event, drops what falls out of retention, and returns the new id. */
  append(data: string): number {
    const { id } = this.#sql.exec<{ id: number }>("INSERT INTO events (data) VALUES (?) RETURNING id", data).one();
    this.#sql.exec("DELETE FROM events WHERE id <= ?", id - this.#retained);
    this.#lastId = id;
    return id;
  }

  /** Id of the oldest event still stored, or undefined when none is. */
  oldestId(): number | undefined {
    return this.#sql.exec<{ id: number | null }>("SELECT MIN(id) AS id FROM events").one().id ?? undefined;
  }

  /** Up to `limit` stored events with an id greater than `afterId`, oldest first. */
  after(afterId: number, limit: number): StoredEvent[] {
    return this.#sql
      .exec<{ id: number; data: string }>(
        "SELECT id, data FROM events WHERE id > ? ORDER BY id LIMIT ?",
        afterId,
        limit,
      )
      .toArray();
  }
}
