import { matchExpression, type ParsedQuery } from "./search-query";
import { indexedText, isSearchable } from "./search-text";

/** What a search returns: message ids, newest first, and whether older ones match too. */
export interface SearchPage {
  ids: number[];
  more: boolean;
}

/**
 * The room's messages as a full-text index in SQLite (FTS5), by message id.
 *
 * The table is contentless: it holds words and where they occur, never the text, so the room's
 * log stays the one copy. With `secure-delete` on, removing a message takes its words out of the
 * index's pages at once. A `contentless_delete=1` table would not need the text to remove a
 * message, but it only records the id as deleted and leaves the words in its pages until a merge
 * rewrites them, which for the oldest messages may be never; so removing takes the text that was
 * indexed, and the room passes it as it still has it.
 *
 * Every word's first three characters are indexed as a word of their own, so that a short prefix
 * of common words (`the`) reads one list instead of merging the lists of every word it starts;
 * a longer prefix starts few enough words to merge. Each prefix length kept adds an entry for
 * nearly every word of every message, and a removal rewrites a page for each entry, so only
 * this one is kept: shorter terms are asked for as whole words (see `search-query.ts`). Column
 * sizes are not kept either: nothing ranks by them, and they would be one more row written with
 * every message.
 */
export class MessageSearch {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS message_search USING fts5(
      text,
      content = '',
      columnsize = 0,
      tokenize = "unicode61 remove_diacritics 2",
      prefix = '3'
    )`);
    const secure = sql
      .exec<{ v: number }>("SELECT v FROM message_search_config WHERE k = 'secure-delete'")
      .toArray()[0];
    if (secure?.v !== 1) sql.exec("INSERT INTO message_search (message_search, rank) VALUES ('secure-delete', 1)");
  }

  /** Adds a message's text. An id is indexed once; an edit removes the old text first. */
  index(id: number, text: string): void {
    if (!isSearchable(text)) return;
    this.#sql.exec("INSERT INTO message_search (rowid, text) VALUES (?, ?)", id, indexedText(text));
  }

  /**
   * Takes a message out of the index, given the text it was indexed with (the message as it was
   * before an edit or deletion). A text that was never indexed under this id changes nothing.
   */
  remove(id: number, text: string): void {
    if (!isSearchable(text)) return;
    this.#sql.exec(
      "INSERT INTO message_search (message_search, rowid, text) VALUES ('delete', ?, ?)",
      id,
      indexedText(text),
    );
  }

  /** Replaces a message's indexed text after an edit. */
  replace(id: number, previous: string, text: string): void {
    this.remove(id, previous);
    this.index(id, text);
  }

  /**
   * Up to `limit` ids of messages holding every term, newest first, below `before` when given.
   * The index walks its lists from the newest id down and stops after one more than the page,
   * so the first page of a word in most messages costs about what a rare word's does; a page
   * far back first steps through the newer part of that word's list.
   */
  find(query: ParsedQuery, options: { before?: number; limit: number }): SearchPage {
    const rows = this.#sql
      .exec<{ id: number }>(
        `SELECT rowid AS id FROM message_search
         WHERE message_search MATCH ? AND rowid < ?
         ORDER BY rowid DESC LIMIT ?`,
        matchExpression(query),
        options.before ?? Number.MAX_SAFE_INTEGER,
        options.limit + 1,
      )
      .toArray();
    return { ids: rows.slice(0, options.limit).map((row) => row.id), more: rows.length > options.limit };
  }
}
