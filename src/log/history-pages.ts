import { type Failure, fail, type Result } from "../common/result";
import type { EventLog, HistoryPage } from "./event-log";

/** Where a page of history is taken from: the events before an id, after it, or around it. */
export type HistoryAnchor = { before: number } | { after: number } | { around: number };

/** Most messages one page of history holds. */
export const HISTORY_PAGE_MOST = 100;

/** A page of history as the room answers it. */
export interface HistoryAnswer extends HistoryPage {
  /** Retention has removed older events: the top of what is kept is not the start of the room. */
  trimmed: boolean;
  /** The newest id in the room as it answered. */
  latestId: number;
}

/**
 * A page of the room's timeline, each event as it is now, `limit` messages and what lies between
 * them. An anchor retention has removed is refused as such, so a page can tell a reader that
 * what it asked for is no longer kept rather than show another part of the room.
 */
export function historyPage(log: EventLog, anchor: HistoryAnchor, limit: number): Result<HistoryAnswer> {
  const found = pageAt(log, anchor, limit);
  if (!found.ok) return found;
  const { ok: _ok, ...page } = found;
  return { ok: true, ...page, trimmed: log.droppedThrough > 0, latestId: log.lastId };
}

function pageAt(log: EventLog, anchor: HistoryAnchor, limit: number): Result<HistoryPage> {
  if ("before" in anchor) {
    if (anchor.before <= log.droppedThrough) return expired(anchor.before);
    return { ok: true, ...log.before(anchor.before, limit) };
  }
  if ("after" in anchor) {
    if (anchor.after < log.droppedThrough) return expired(anchor.after);
    return { ok: true, ...log.after(anchor.after, limit) };
  }
  const { around } = anchor;
  const row = log.get(around);
  if (!row) {
    return around <= log.droppedThrough
      ? fail(410, "message_expired", `Message ${around} is older than the history this room keeps.`)
      : fail(404, "no_such_message", `There is no message ${around} in this room.`);
  }
  if (row.target !== undefined) return fail(404, "no_such_message", `Event ${around} is a change, not a message.`);
  if (row.event === "delete") return fail(410, "message_deleted", `Message ${around} was deleted.`);
  // The event itself opens the newer half, so it is there whatever the older half holds.
  const older = log.before(around, Math.floor(limit / 2));
  const newer = log.after(around - 1, limit - Math.floor(limit / 2));
  return { ok: true, events: [...older.events, ...newer.events], earlier: older.earlier, later: newer.later };
}

function expired(id: number): Failure {
  return fail(410, "history_expired", `Event ${id} is older than the history this room keeps.`);
}
