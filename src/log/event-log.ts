/** A stored event: its id, its SSE event name (none for a default-type event) and its JSON `data`. */
export interface StoredEvent {
  id: number;
  event?: string;
  data: string;
}

/** What a row is stored with besides its data: who may change it and what it points at. */
export interface EventLinks {
  /** The SSE event name; none for messages, joins and leaves. */
  event?: string;
  /** The session that posted a message, the only one that may edit or delete it. */
  author?: string;
  /** The message a change is about. */
  target?: number;
  /** The message a reply answers. */
  replyTo?: number;
}

/** A stored message, as its row holds it. */
export interface StoredMessage {
  id: number;
  event?: string;
  data: string;
  author?: string;
}

/**
 * The room's history in SQLite. Ids come from AUTOINCREMENT, so they only ever grow, even across
 * restarts and after every older row has been deleted by retention.
 *
 * A message's row always holds the message as it is now: an edit, a reaction or a deletion
 * rewrites it in place (keeping its id) besides being appended as an event of its own. So a
 * new reader's history shows messages as they are, and a resuming reader, which is sent both,
 * ends with what a reader that stayed built from the changes.
 *
 * A change that carries the whole of what it changes (an edit, the reactors of one emoji)
 * makes the earlier change of its kind to the same message needless: that row is removed, so a
 * message has at most one stored edit and one reaction row per emoji however often it changes.
 * Retention keeps the newest `retained` rows; the ids it removed are all at or below
 * `droppedThrough`, and a reader that asks for events after an id below it has missed some.
 * Ids above it may be missing too, but only as changes that a later one carries.
 */
export class EventLog {
  readonly #sql: SqlStorage;
  readonly #retained: number;
  #lastId: number;
  #rows: number;
  #droppedThrough: number;
  /** Where the history of the newest `count` timeline rows starts, as of `lastId`; cleared by any write. */
  #historyStart: { count: number; afterId: number } | undefined;

  constructor(sql: SqlStorage, retained: number) {
    this.#sql = sql;
    this.#retained = retained;
    sql.exec(`CREATE TABLE IF NOT EXISTS events (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      data TEXT NOT NULL
    )`);
    addMissingColumns(sql);
    sql.exec("CREATE INDEX IF NOT EXISTS events_by_target ON events (target) WHERE target IS NOT NULL");
    sql.exec("CREATE INDEX IF NOT EXISTS events_by_reply_to ON events (reply_to) WHERE reply_to IS NOT NULL");
    this.#lastId =
      sql.exec<{ seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'events'").toArray()[0]?.seq ?? 0;
    this.#rows = sql.exec<{ count: number }>("SELECT COUNT(*) AS count FROM events").one().count;
    sql.exec("CREATE TABLE IF NOT EXISTS event_retention (dropped_through INTEGER NOT NULL)");
    const stored = sql.exec<{ dropped_through: number }>("SELECT dropped_through FROM event_retention").toArray()[0];
    if (stored) {
      this.#droppedThrough = stored.dropped_through;
    } else {
      // A room from before this was kept: retention had removed every id below the oldest row.
      this.#droppedThrough = (this.oldestId() ?? this.#lastId + 1) - 1;
      sql.exec("INSERT INTO event_retention (dropped_through) VALUES (?)", this.#droppedThrough);
    }
  }

  /** The highest id retention has removed (0 when it has removed none). */
  get droppedThrough(): number {
    return this.#droppedThrough;
  }

  /** Id of the newest event ever stored, 0 when there has been none. */
  get lastId(): number {
    return this.#lastId;
  }

  /** Stores an event, drops what falls out of retention, and returns the new id. */
  append(data: string, links: EventLinks = {}): number {
    const { id } = this.#sql
      .exec<{ id: number }>(
        "INSERT INTO events (data, event, author, target, reply_to) VALUES (?, ?, ?, ?, ?) RETURNING id",
        data,
        links.event ?? null,
        links.author ?? null,
        links.target ?? null,
        links.replyTo ?? null,
      )
      .one();
    this.#lastId = id;
    this.#rows += 1;
    if (this.#rows > this.#retained) {
      const dropped = this.#sql
        .exec<{ id: number }>(
          "DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY id LIMIT ?) RETURNING id",
          this.#rows - this.#retained,
        )
        .toArray();
      this.#rows -= dropped.length;
      // Not spread into Math.max: a setting lowered a long way drops many rows at once.
      for (const row of dropped) if (row.id > this.#droppedThrough) this.#droppedThrough = row.id;
      this.#sql.exec("UPDATE event_retention SET dropped_through = ?", this.#droppedThrough);
    }
    this.#historyStart = undefined;
    return id;
  }

  /**
   * Removes the stored changes of one kind made to a message (those for one emoji, for
   * reactions), because an event about to be appended carries all they did. Their text is
   * overwritten first, as in {@link rewrite}.
   */
  removeChanges(target: number, kind: string, emoji?: string): void {
    const rows = this.#sql
      .exec<{ id: number; emoji: string | null }>(
        "SELECT id, json_extract(data, '$.emoji') AS emoji FROM events WHERE target = ? AND event = ?",
        target,
        kind,
      )
      .toArray()
      .filter((row) => emoji === undefined || row.emoji === emoji);
    for (const { id } of rows) {
      this.#sql.exec("UPDATE events SET data = zeroblob(length(CAST(data AS BLOB))) WHERE id = ?", id);
      this.#sql.exec("DELETE FROM events WHERE id = ?", id);
    }
    this.#rows -= rows.length;
    this.#historyStart = undefined;
  }

  /** Removes the stored events of a kind about no message (the room's settings), which the next one replaces. */
  removeRoomEvents(kind: string): void {
    const removed = this.#sql
      .exec("DELETE FROM events WHERE event = ? AND target IS NULL RETURNING id", kind)
      .toArray();
    this.#rows -= removed.length;
    this.#historyStart = undefined;
  }

  /** Id of the oldest event still stored, or undefined when none is. */
  oldestId(): number | undefined {
    return this.#sql.exec<{ id: number | null }>("SELECT MIN(id) AS id FROM events").one().id ?? undefined;
  }

  /** Up to `limit` stored events with an id greater than `afterId` (and less than `beforeId`), oldest first. */
  after(afterId: number, limit: number, beforeId = this.#lastId + 1): StoredEvent[] {
    return this.#sql
      .exec<{ id: number; event: string | null; data: string }>(
        "SELECT id, event, data FROM events WHERE id > ? AND id < ? ORDER BY id LIMIT ?",
        afterId,
        beforeId,
        limit,
      )
      .toArray()
      .map(({ id, event, data }) => (event === null ? { id, data } : { id, event, data }));
  }

  /**
   * The id a new reader's history starts after, so that it holds the newest `count` rows of the
   * timeline (messages, joins and leaves): changes to messages and deleted messages take no
   * place in it.
   */
  historyStart(count: number): number {
    if (this.#historyStart?.count === count) return this.#historyStart.afterId;
    let afterId = this.#lastId;
    if (count > 0) {
      const nth = this.#sql
        .exec<{ id: number }>("SELECT id FROM events WHERE event IS NULL ORDER BY id DESC LIMIT 1 OFFSET ?", count - 1)
        .toArray()[0];
      afterId = nth ? nth.id - 1 : (this.oldestId() ?? this.#lastId + 1) - 1;
    }
    this.#historyStart = { count, afterId };
    return afterId;
  }

  /** The stored row with this id, if retention has kept it. */
  get(id: number): StoredMessage | undefined {
    const row = this.#sql
      .exec<{ id: number; event: string | null; data: string; author: string | null }>(
        "SELECT id, event, data, author FROM events WHERE id = ?",
        id,
      )
      .toArray()[0];
    if (!row) return undefined;
    return { id: row.id, data: row.data, event: row.event ?? undefined, author: row.author ?? undefined };
  }

  /** The stored replies to a message. */
  repliesTo(id: number): StoredEvent[] {
    return this.#sql.exec<{ id: number; data: string }>("SELECT id, data FROM events WHERE reply_to = ?", id).toArray();
  }

  /**
   * Replaces a row's data (and event name), keeping its id. The old text is first overwritten
   * with zeros of the same size, which SQLite writes over the same bytes, so that it does not
   * linger in the database's free space.
   */
  rewrite(id: number, data: string, event?: string): void {
    this.#sql.exec("UPDATE events SET data = zeroblob(length(CAST(data AS BLOB))) WHERE id = ?", id);
    this.#sql.exec("UPDATE events SET data = ?, event = ? WHERE id = ?", data, event ?? null, id);
    this.#historyStart = undefined;
  }
}

/** Rooms made before messages could change have rows without the columns that track changes. */
function addMissingColumns(sql: SqlStorage): void {
  const present = new Set(
    sql
      .exec<{ name: string }>("SELECT name FROM pragma_table_info('events')")
      .toArray()
      .map((column) => column.name),
  );
  const columns: [string, string][] = [
    ["event", "TEXT"],
    ["author", "TEXT"],
    ["target", "INTEGER"],
    ["reply_to", "INTEGER"],
  ];
  for (const [name, type] of columns) {
    if (!present.has(name)) sql.exec(`ALTER TABLE events ADD COLUMN ${name} ${type}`);
  }
}
