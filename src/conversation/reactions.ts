import { REACTION_EMOJI } from "../common/reaction-emoji";
import type { Reactions as ReactionsByEmoji } from "../log/chat-event";

/**
 * Who reacted to which message with which emoji, in SQLite. A reaction belongs to the session
 * that made it (so that only it can take it back) and is shown under the name it had then.
 * Reactions go with their message, whether retention drops it or its author deletes it.
 */
export class Reactions {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS reactions (
      message_id INTEGER NOT NULL,
      emoji TEXT NOT NULL,
      token TEXT NOT NULL,
      name TEXT NOT NULL,
      PRIMARY KEY (message_id, emoji, token)
    )`);
    // Retention deletes the oldest event with every append; its reactions follow it here,
    // without the room having to know which ids went.
    sql.exec(`CREATE TRIGGER IF NOT EXISTS reactions_follow_events AFTER DELETE ON events
      BEGIN DELETE FROM reactions WHERE message_id = OLD.id; END`);
  }

  has(messageId: number, emoji: string, token: string): boolean {
    return (
      this.#sql
        .exec("SELECT 1 FROM reactions WHERE message_id = ? AND emoji = ? AND token = ?", messageId, emoji, token)
        .toArray().length > 0
    );
  }

  /** Reactions on a message, every emoji and person counted. */
  count(messageId: number): number {
    return this.#sql
      .exec<{ count: number }>("SELECT COUNT(*) AS count FROM reactions WHERE message_id = ?", messageId)
      .one().count;
  }

  add(messageId: number, emoji: string, token: string, name: string): void {
    this.#sql.exec(
      "INSERT INTO reactions (message_id, emoji, token, name) VALUES (?, ?, ?, ?)",
      messageId,
      emoji,
      token,
      name,
    );
  }

  remove(messageId: number, emoji: string, token: string): void {
    this.#sql.exec("DELETE FROM reactions WHERE message_id = ? AND emoji = ? AND token = ?", messageId, emoji, token);
  }

  forget(messageId: number): void {
    this.#sql.exec("DELETE FROM reactions WHERE message_id = ?", messageId);
  }

  /** The names that reacted with each emoji, in the order they did, emoji in the set's order. */
  of(messageId: number): ReactionsByEmoji {
    const rows = this.#sql
      .exec<{ emoji: string; name: string }>(
        "SELECT emoji, name FROM reactions WHERE message_id = ? ORDER BY rowid",
        messageId,
      )
      .toArray();
    const byEmoji: ReactionsByEmoji = {};
    for (const emoji of REACTION_EMOJI) {
      const names = rows.filter((row) => row.emoji === emoji).map((row) => row.name);
      if (names.length > 0) byEmoji[emoji] = names;
    }
    return byEmoji;
  }
}
