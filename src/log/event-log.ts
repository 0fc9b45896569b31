import type { ChatEvent } from "./chat-event";
import type { StoredEvent } from "./stored-event";
import { EVENTS_PER_PAGE_MESSAGE, type HistoryPage, Timeline } from "./timeline";

export type { StoredEvent } from "./stored-event";
export type { HistoryPage } from "./timeline";

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

/** What every stored event is appended with: when it happened, and whether it is a message. */
export interface EventFacts extends EventLinks {
  /** Server time in milliseconds since the epoch, as the event's data says it. */
  at: number;
  /** A message, which a page of history counts; a join, a leave or a change is not. */
  message: boolean;
}

/** How much history a room keeps: whichever bound is reached first. */
export interface Retention {
  /** Most events stored (a message's replaced changes take no place). */
  events: number;
  /** Longest an event is kept, in milliseconds. */
  ms: number;
}

/** Told of what retention is about to remove: the messages among it, and the id it removes every event through. */
export type Expiring = (messages: StoredEvent[], through: number) => void;

/** Most old events one write removes: a room over its bounds gets back within them a few at a time. */
const TRIM_PER_WRITE = 4;

/** Most old events the room's alarm removes at once, in a room nothing is written to. */
export const TRIM_PER_ALARM = 500;

/** A stored message, as its row holds it. */
export interface StoredMessage {
  id: number;
  event?: string;
  data: string;
  author?: string;
  /** The message a change is about; none for a row of the timeline. */
  target?: number;
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
 * Retention keeps the newest `retention.events` rows, none older than `retention.ms`, removing the
 * oldest a few at a time as events are appended (and by the room's alarm when none are), so no
 * write ever walks the log. The ids it removed are all at or below `droppedThrough`, and a
 * reader that asks for events after an id below it has missed some. Ids above it may be
 * missing too, but only as changes that a later one carries.
 *
 * Pages of the timeline (messages, joins, leaves and notices, no changes) are read through
 * timeline.ts.
 */
export class EventLog {
  readonly #sql: SqlStorage;
  readonly #timeline: Timeline;
  readonly #retention: Retention;
  #lastId: number;
  /** Rows stored, kept in storage too, so that a room of a million events never counts them. */
  #rows: number;
  #droppedThrough: number;
  /** Where the history of the newest `count` timeline rows starts, as of `lastId`; cleared by any write. */
  #historyStart: { count: number; afterId: number } | undefined;

  readonly #expiring: Expiring;

  /**
   * @param expiring told of the messages retention is about to remove, each as it is now, and
   *   of the id it removes every event through, so that what else holds their text (the search
   *   index) lets it go too
   */
  constructor(sql: SqlStorage, retention: Retention, expiring: Expiring = () => {}) {
    this.#sql = sql;
    this.#timeline = new Timeline(sql);
    this.#retention = retention;
    this.#expiring = expiring;
    sql.exec(`CREATE TABLE IF NOT EXISTS events (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      data TEXT NOT NULL
    )`);
    addMissingColumns(sql);
    sql.exec("CREATE INDEX IF NOT EXISTS events_by_target ON events (target) WHERE target IS NOT NULL");
    sql.exec("CREATE INDEX IF NOT EXISTS events_by_reply_to ON events (reply_to) WHERE reply_to IS NOT NULL");
    sql.exec("CREATE INDEX IF NOT EXISTS messages ON events (id) WHERE message = 1");
    this.#lastId =
      sql.exec<{ seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'events'").toArray()[0]?.seq ?? 0;
    sql.exec("CREATE TABLE IF NOT EXISTS event_retention (dropped_through INTEGER NOT NULL)");
    if (!columnsOf(sql, "event_retention").has("stored_rows")) {
      // Counted once, in a room from before the count was kept (which held a thousand at most).
      sql.exec("ALTER TABLE event_retention ADD COLUMN stored_rows INTEGER");
      sql.exec("UPDATE event_retention SET stored_rows = (SELECT COUNT(*) FROM events)");
    }
    const stored = sql
      .exec<{ dropped_through: number; stored_rows: number }>(
        "SELECT dropped_through, stored_rows FROM event_retention",
      )
      .toArray()[0];
    if (stored) {
      this.#droppedThrough = stored.dropped_through;
      this.#rows = stored.stored_rows;
    } else {
      // A room from before this was kept: retention had removed every id below the oldest row.
      this.#droppedThrough = (this.oldestId() ?? this.#lastId + 1) - 1;
      this.#rows = sql.exec<{ count: number }>("SELECT COUNT(*) AS count FROM events").one().count;
      sql.exec(
        "INSERT INTO event_retention (dropped_through, stored_rows) VALUES (?, ?)",
        this.#droppedThrough,
        this.#rows,
      );
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

  /** Stores an event, drops some of what falls out of retention, and returns the new id. */
  append(data: string, facts: EventFacts): number {
    const { id } = this.#sql
      .exec<{ id: number }>(
        "INSERT INTO events (data, event, author, target, reply_to, at, message) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        data,
        facts.event ?? null,
        facts.author ?? null,
        facts.target ?? null,
        facts.replyTo ?? null,
        facts.at,
        facts.message ? 1 : 0,
      )
      .one();
    this.#lastId = id;
    this.#rows += 1;
    this.#trim(facts.at, TRIM_PER_WRITE);
    this.#saveCounts();
    this.#historyStart = undefined;
    return id;
  }

  /**
   * Removes up to `most` events that retention no longer keeps, for a room nothing is written
   * to, and says whether more may be due now, or else when the oldest event left falls out by age
   * (none when nothing is stored).
   */
  expire(now: number, most = TRIM_PER_ALARM): { more: boolean; next?: number } {
    const dropped = this.#trim(now, most);
    if (dropped > 0) {
      this.#saveCounts();
      this.#historyStart = undefined;
    }
    // As many as it may remove at once: more may be due already.
    if (dropped === most) return { more: true };
    const oldest = this.#sql.exec<{ at: number | null }>("SELECT at FROM events ORDER BY id LIMIT 1").toArray()[0];
    return oldest === undefined ? { more: false } : { more: false, next: (oldest.at ?? now) + this.#retention.ms };
  }

  /**
   * Removes the oldest events past the count or the age retention keeps, at most `most` of
   * them. Their text is overwritten first, as in {@link rewrite}, so that an expired message
   * does not linger in the database's free space either.
   */
  #trim(now: number, most: number): number {
    const overCount = this.#rows - this.#retention.events;
    const cutoff = now - this.#retention.ms;
    const oldest = this.#sql
      .exec<{ id: number; at: number | null }>("SELECT id, at FROM events ORDER BY id LIMIT ?", most)
      .toArray();
    // The oldest rows are all that remain at or below the last of them to go.
    let dropped = 0;
    while (dropped < oldest.length && (dropped < overCount || (oldest[dropped]?.at ?? now) < cutoff)) dropped += 1;
    const through = oldest[dropped - 1]?.id;
    if (through === undefined) return 0;
    const messages = this.#sql
      .exec<{ id: number; data: string }>(
        "SELECT id, data FROM events WHERE id <= ? AND message = 1 AND event IS NULL",
        through,
      )
      .toArray();
    this.#expiring(messages, through);
    // A kept reply quotes the message it answers; the quote goes with it, as with a deletion.
    for (const { id } of messages) {
      for (const reply of this.repliesTo(id)) {
        if (reply.id <= through) continue;
        const message = JSON.parse(reply.data) as ChatEvent;
        if (message.replyTo === undefined) continue;
        const quote = { id, user: message.replyTo.user, expired: true as const };
        this.rewrite(reply.id, JSON.stringify({ ...message, replyTo: quote }));
      }
    }
    this.#sql.exec("UPDATE events SET data = zeroblob(length(CAST(data AS BLOB))) WHERE id <= ?", through);
    this.#sql.exec("DELETE FROM events WHERE id <= ?", through);
    this.#rows -= dropped;
    if (through > this.#droppedThrough) this.#droppedThrough = through;
    return dropped;
  }

  #saveCounts(): void {
    this.#sql.exec("UPDATE event_retention SET dropped_through = ?, stored_rows = ?", this.#droppedThrough, this.#rows);
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
    if (rows.length > 0) this.#saveCounts();
    this.#historyStart = undefined;
  }

  /** Removes the stored events of a kind about no message (the room's settings), which the next one replaces. */
  removeRoomEvents(kind: string): void {
    const removed = this.#sql
      .exec("DELETE FROM events WHERE event = ? AND target IS NULL RETURNING id", kind)
      .toArray();
    this.#rows -= removed.length;
    if (removed.length > 0) this.#saveCounts();
    this.#historyStart = undefined;
  }

  /** Id of the oldest event still stored, or undefined when none is. */
  oldestId(): number | undefined {
    return this.#sql.exec<{ id: number | null }>("SELECT MIN(id) AS id FROM events").one().id ?? undefined;
  }

  /** Up to `limit` stored events of every kind with an id greater than `afterId` (and less than `beforeId`), oldest first. */
  replay(afterId: number, limit: number, beforeId = this.#lastId + 1): StoredEvent[] {
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
   * The id a new reader's history starts after, so that it holds the newest `count` messages
   * and the joins, leaves and notices among them (no more than a few for each message); changes
   * to messages come along, as replay sends every event, and take no place.
   */
  historyStart(count: number): number {
    if (this.#historyStart?.count === count) return this.#historyStart.afterId;
    let afterId = this.#lastId;
    if (count > 0) {
      const nth = this.#timeline.nthMessage("<", this.#lastId + 1, count);
      const floor = this.#timeline.nthEventBefore(this.#lastId + 1, count * EVENTS_PER_PAGE_MESSAGE);
      const first = Math.max(nth ?? 0, floor ?? 0, this.#droppedThrough + 1);
      afterId = first - 1;
    }
    this.#historyStart = { count, afterId };
    return afterId;
  }

  /** The timeline before `beforeId`, `count` messages of it (see timeline.ts). */
  before(beforeId: number, count: number): HistoryPage {
    return this.#timeline.before(beforeId, count);
  }

  /** The timeline after `afterId`, `count` messages of it (see timeline.ts). */
  after(afterId: number, count: number): HistoryPage {
    return this.#timeline.after(afterId, count, this.#lastId);
  }

  /** The stored row with this id, if retention has kept it. */
  get(id: number): StoredMessage | undefined {
    const row = this.#sql
      .exec<{ id: number; event: string | null; data: string; author: string | null; target: number | null }>(
        "SELECT id, event, data, author, target FROM events WHERE id = ?",
        id,
      )
      .toArray()[0];
    if (!row) return undefined;
    const stored: StoredMessage = { id: row.id, data: row.data };
    if (row.event !== null) stored.event = row.event;
    if (row.author !== null) stored.author = row.author;
    if (row.target !== null) stored.target = row.target;
    return stored;
  }

  /** Calls `visit` with every stored message that is not deleted, oldest first. */
  eachMessage(visit: (id: number, message: ChatEvent) => void): void {
    for (const row of this.#sql.exec<{ id: number; data: string }>(
      "SELECT id, data FROM events WHERE message = 1 AND event IS NULL ORDER BY id",
    )) {
      visit(row.id, JSON.parse(row.data) as ChatEvent);
    }
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

/** The names of a table's columns. */
function columnsOf(sql: SqlStorage, table: string): Set<string> {
  return new Set(
    sql
      .exec<{ name: string }>("SELECT name FROM pragma_table_info(?)", table)
      .toArray()
      .map((column) => column.name),
  );
}

/**
 * Rooms made before messages could change have rows without the columns that track changes,
 * and rooms made before history was paged rows without their time and kind, which are read
 * from their data once (such a room kept a thousand events at most).
 */
function addMissingColumns(sql: SqlStorage): void {
  const present = columnsOf(sql, "events");
  const columns: [string, string][] = [
    ["event", "TEXT"],
    ["author", "TEXT"],
    ["target", "INTEGER"],
    ["reply_to", "INTEGER"],
    ["at", "INTEGER"],
    ["message", "INTEGER NOT NULL DEFAULT 0"],
  ];
  for (const [name, type] of columns) {
    if (!present.has(name)) sql.exec(`ALTER TABLE events ADD COLUMN ${name} ${type}`);
  }
  if (!present.has("message")) {
    sql.exec(`UPDATE events SET
      at = json_extract(data, '$.at'),
      message = CASE
        WHEN target IS NULL AND event IS NULL AND json_extract(data, '$.kind') = 'message' THEN 1
        WHEN target IS NULL AND event = 'delete' THEN 1
        ELSE 0 END`);
  }
}
