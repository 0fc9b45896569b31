import type { StoredEvent } from "./stored-event";

/** A page of the timeline, oldest first, each event as it is now. */
export interface HistoryPage {
  events: StoredEvent[];
  /** Kept timeline events exist before the first one. */
  earlier: boolean;
  /** Timeline events exist after the last one. */
  later: boolean;
}

/** Most timeline events a page of history holds per message it counts, joins and notices included. */
export const EVENTS_PER_PAGE_MESSAGE = 10;

/**
 * The room's timeline in the events table: every row that is no change to a message
 * (`target IS NULL`), so messages (a deleted one as its deletion), joins, leaves and the room's
 * notices. Pages of it count messages, found through their own index, so that no run of joins
 * pushes a message out; each query walks an index from a known id, whatever the room holds.
 */
export class Timeline {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  /**
   * The timeline before `beforeId`: its newest `count` messages, every one of them, and the
   * joins, leaves and notices between them, the newest few for each message when a flood of
   * them came between two messages.
   */
  before(beforeId: number, count: number): HistoryPage {
    const from = count > 0 ? (this.nthMessage("<", beforeId, count) ?? 0) : beforeId;
    const events = this.#page("id >= ? AND id < ? ORDER BY id DESC", from, beforeId, count).reverse();
    const first = events[0]?.id ?? beforeId;
    return { events, earlier: this.#timelineExists("<", first), later: this.#timelineExists(">=", beforeId) };
  }

  /**
   * The timeline after `afterId`: its oldest `count` messages, every one of them, and the joins,
   * leaves and notices between them, the oldest few for each message when a flood of them came
   * between two messages.
   */
  after(afterId: number, count: number, lastId: number): HistoryPage {
    const to = count > 0 ? (this.nthMessage(">", afterId, count) ?? lastId) : afterId;
    const events = this.#page("id > ? AND id <= ? ORDER BY id", afterId, to, count);
    const last = events.at(-1)?.id ?? afterId;
    return { events, earlier: this.#timelineExists("<=", afterId), later: this.#timelineExists(">", last) };
  }

  /**
   * The messages of a range, at most `count`, and at most {@link EVENTS_PER_PAGE_MESSAGE} other
   * timeline events for each, in the order `range` gives, merged into that order.
   */
  #page(range: string, from: number, to: number, count: number): StoredEvent[] {
    const messages = this.#timeline(`message = 1 AND ${range}`, from, to, count);
    const notices = this.#timeline(`message = 0 AND ${range}`, from, to, Math.max(1, count) * EVENTS_PER_PAGE_MESSAGE);
    const descending = range.endsWith("DESC");
    return [...messages, ...notices].sort((a, b) => (descending ? b.id - a.id : a.id - b.id));
  }

  /** The id of the `count`th message before (`<`) or after (`>`) `id`, counting from it. */
  nthMessage(direction: "<" | ">", id: number, count: number): number | undefined {
    const order = direction === "<" ? "DESC" : "ASC";
    return this.#sql
      .exec<{ id: number }>(
        `SELECT id FROM events WHERE message = 1 AND id ${direction} ? ORDER BY id ${order} LIMIT 1 OFFSET ?`,
        id,
        count - 1,
      )
      .toArray()[0]?.id;
  }

  /** The id of the `count`th timeline event before `id`. */
  nthEventBefore(id: number, count: number): number | undefined {
    return this.#sql
      .exec<{ id: number }>(
        "SELECT id FROM events WHERE target IS NULL AND id < ? ORDER BY id DESC LIMIT 1 OFFSET ?",
        id,
        count - 1,
      )
      .toArray()[0]?.id;
  }

  #timeline(where: string, from: number, to: number, limit: number): StoredEvent[] {
    return this.#sql
      .exec<{ id: number; event: string | null; data: string }>(
        `SELECT id, event, data FROM events WHERE target IS NULL AND ${where} LIMIT ?`,
        from,
        to,
        limit,
      )
      .toArray()
      .map(({ id, event, data }) => (event === null ? { id, data } : { id, event, data }));
  }

  #timelineExists(direction: "<" | "<=" | ">" | ">=", id: number): boolean {
    const order = direction.startsWith("<") ? "DESC" : "ASC";
    return (
      this.#sql
        .exec(`SELECT 1 FROM events WHERE target IS NULL AND id ${direction} ? ORDER BY id ${order} LIMIT 1`, id)
        .toArray().length > 0
    );
  }
}
