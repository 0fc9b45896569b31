import { FailureError, fail } from "../common/result";
import { HISTORY_PAGE_MOST, type HistoryAnchor } from "../log/history-pages";

/** Messages a page of history holds when the request does not say. */
const DEFAULT_PAGE_MESSAGES = 50;

const WHOLE = /^\d{1,15}$/;

/**
 * What `GET /messages` asks for: one of `before`, `after` or `around` an event id, and `limit`
 * messages (1 to 100, 50 unless given).
 */
export function parseHistoryQuery(url: URL): { anchor: HistoryAnchor; limit: number } {
  const given = (["before", "after", "around"] as const).filter((name) => url.searchParams.has(name));
  const [side] = given;
  if (side === undefined || given.length > 1) {
    throw refuse("Ask for one of before, after or around an event id.");
  }
  const id = whole(url.searchParams.get(side) ?? "", side === "after" ? 0 : 1);
  if (id === undefined) throw refuse(`${side} is an event id, a whole number.`);
  const rawLimit = url.searchParams.get("limit");
  const limit = rawLimit === null ? DEFAULT_PAGE_MESSAGES : whole(rawLimit, 1);
  if (limit === undefined || limit > HISTORY_PAGE_MOST) {
    throw refuse(`limit is a number of messages from 1 to ${HISTORY_PAGE_MOST}.`);
  }
  const anchor: HistoryAnchor = side === "before" ? { before: id } : side === "after" ? { after: id } : { around: id };
  return { anchor, limit };
}

function whole(raw: string, min: number): number | undefined {
  const value = WHOLE.test(raw) ? Number(raw) : Number.NaN;
  return Number.isSafeInteger(value) && value >= min ? value : undefined;
}

function refuse(message: string): FailureError {
  return new FailureError(fail(400, "invalid_history_query", message));
}
