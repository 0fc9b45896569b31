import { matchExpression, type ParsedQuery } from "./search-query";
import { indexedText, isSearchable } from "./search-text";

/** What a search returns: message ids, newest first, and whether older ones match too. */
export interface SearchPage {
  ids: number[];
  more: boolean;
}

/** Ids one table of the index covers: enough that a search reads few, few enough that each stays quick to change. */
export const SEARCH_SHARD_IDS = 65_536;

/** Most new messages waiting to go into the index together. */
export const PENDING_MOST = 64;

/**
 * The room's messages as a full-text index in SQLite (FTS5), by message id, in tables of
 * {@link SEARCH_SHARD_IDS} ids each: new messages go to a small table, so what each post and
 * each merge of the index rewrites does not grow with the room; a search reads the tables newest
 * first and stops once it has a page; and a table whose every id retention has removed is
 * dropped whole.
 *
 * Each table is contentless: it holds words and where they occur, never the text, so the room's
 * log stays the one copy. With `secure-delete` on, removing a message takes its words out of the
 * index's pages at once. A `contentless_delete=1` table would not need the text to remove a
 * message, but it only records the id as deleted and leaves the words in its pages until a merge
 * rewrites them, which for the oldest messages may be never; so removing takes the text that was
 * indexed, and the room passes it as it still has it.
 *
 * Every word's first three characters are indexed as a word of their own, so that a short prefix
 * of common words (`the`) reads one list instead of merging the lists of every word it starts.
 * Each prefix length kept adds an entry for nearly every word of every message, and a removal
 * rewrites a page for each entry, so only this one is kept: shorter terms are asked for as whole
 * words (see `search-query.ts`), and a longer prefix merges the lists of the words it starts,
 * one table at a time. Column sizes are not kept either: nothing ranks by them, and they would
 * be one more row written with every message.
 *
 * FTS5 writes a segment of its own for every transaction that adds to a table, and merges them
 * as they pile up, so indexing each post as it comes costs more than the post. New messages wait
 * instead in a plain table, at most {@link PENDING_MOST} of them, and go into the index together,
 * when the queue is full or before a search reads it. A message that leaves the index while it
 * waits only leaves the queue, its text overwritten first, as the log does.
 */
export class MessageSearch {
  readonly #sql: SqlStorage;
  /** The tables that exist, by number, which the shards table lists too. */
  readonly #shards: Set<number>;

  /** How many messages wait in the queue. */
  #pending: number;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec("CREATE TABLE IF NOT EXISTS message_search_shards (shard INTEGER PRIMARY KEY)");
    sql.exec("CREATE TABLE IF NOT EXISTS message_search_pending (id INTEGER PRIMARY KEY, text TEXT NOT NULL)");
    this.#pending = sql.exec<{ count: number }>("SELECT COUNT(*) AS count FROM message_search_pending").one().count;
    this.#shards = new Set(
      sql
        .exec<{ shard: number }>("SELECT shard FROM message_search_shards")
        .toArray()
        .map((row) => row.shard),
    );
  }

  /** Adds a message's text. An id is indexed once; an edit removes the old text first. */
  index(id: number, text: string): void {
    if (!isSearchable(text)) return;
    this.#sql.exec("INSERT INTO message_search_pending (id, text) VALUES (?, ?)", id, text);
    this.#pending += 1;
    if (this.#pending >= PENDING_MOST) this.flush();
  }

  /** Puts every waiting message into the index, and empties the queue. */
  flush(): void {
    if (this.#pending === 0) return;
    const waiting = this.#sql
      .exec<{ id: number; text: string }>("SELECT id, text FROM message_search_pending ORDER BY id")
      .toArray();
    for (const { id, text } of waiting) {
      this.#sql.exec(`INSERT INTO ${this.#table(id, true)} (rowid, text) VALUES (?, ?)`, id, indexedText(text));
    }
    this.#sql.exec("UPDATE message_search_pending SET text = zeroblob(length(CAST(text AS BLOB)))");
    this.#sql.exec("DELETE FROM message_search_pending");
    this.#pending = 0;
  }

  /**
   * Takes a message out of the index, given the text it was indexed with (the message as it was
   * before an edit or deletion). A text that was never indexed under this id changes nothing.
   */
  remove(id: number, text: string): void {
    if (!isSearchable(text)) return;
    if (this.#pending > 0 && this.#unqueue(id)) return;
    if (!this.#shards.has(shardOf(id))) return;
    const table = this.#table(id, false);
    this.#sql.exec(`INSERT INTO ${table} (${table}, rowid, text) VALUES ('delete', ?, ?)`, id, indexedText(text));
  }

  /** Replaces a message's indexed text after an edit. */
  replace(id: number, previous: string, text: string): void {
    this.remove(id, previous);
    this.index(id, text);
  }

  /** Drops the tables whose every id is at or below `id`: retention has removed all they held. */
  forgetThrough(id: number): void {
    for (const shard of this.#shards) {
      if ((shard + 1) * SEARCH_SHARD_IDS - 1 > id) continue;
      this.#sql.exec(`DROP TABLE IF EXISTS ${tableName(shard)}`);
      this.#sql.exec("DELETE FROM message_search_shards WHERE shard = ?", shard);
      this.#shards.delete(shard);
    }
  }

  /**
   * Up to `limit` ids of messages holding every term, newest first, below `before` when given.
   * Each table walks its lists from the newest id down and stops after one more than the page
   * still needs, so the first page of a word in most messages costs about what a rare word's does.
   */
  find(query: ParsedQuery, options: { before?: number; limit: number }): SearchPage {
    this.flush();
    const before = options.before ?? Number.MAX_SAFE_INTEGER;
    const expression = matchExpression(query);
    const ids: number[] = [];
    const shards = [...this.#shards].filter((shard) => shard * SEARCH_SHARD_IDS < before).sort((a, b) => b - a);
    for (const shard of shards) {
      const table = tableName(shard);
      const rows = this.#sql
        .exec<{ id: number }>(
          `SELECT rowid AS id FROM ${table} WHERE ${table} MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?`,
          expression,
          before,
          options.limit + 1 - ids.length,
        )
        .toArray();
      for (const row of rows) ids.push(row.id);
      if (ids.length > options.limit) break;
    }
    return { ids: ids.slice(0, options.limit), more: ids.length > options.limit };
  }

  /** Takes a message out of the queue, its text overwritten first; false if it was not waiting. */
  #unqueue(id: number): boolean {
    const zeroed = this.#sql.exec(
      "UPDATE message_search_pending SET text = zeroblob(length(CAST(text AS BLOB))) WHERE id = ? RETURNING id",
      id,
    );
    if (zeroed.toArray().length === 0) return false;
    this.#sql.exec("DELETE FROM message_search_pending WHERE id = ?", id);
    this.#pending -= 1;
    return true;
  }

  /** The table that holds `id`, made first if `create` and it does not exist yet. */
  #table(id: number, create: boolean): string {
    const shard = shardOf(id);
    const table = tableName(shard);
    if (create && !this.#shards.has(shard)) {
      this.#sql.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS ${table} USING fts5(
        text,
        content = '',
        columnsize = 0,
        tokenize = "unicode61 remove_diacritics 2",
        prefix = '3'
      )`);
      this.#sql.exec(`INSERT INTO ${table} (${table}, rank) VALUES ('secure-delete', 1)`);
      this.#sql.exec("INSERT INTO message_search_shards (shard) VALUES (?)", shard);
      this.#shards.add(shard);
    }
    return table;
  }
}

function shardOf(id: number): number {
  return Math.floor(id / SEARCH_SHARD_IDS);
}

/** A table's name, from its number only, so that nothing else ever reaches the SQL. */
function tableName(shard: number): string {
  if (!Number.isSafeInteger(shard) || shard < 0) throw new Error(`no search table ${shard}`);
  return `message_search_${shard}`;
}
