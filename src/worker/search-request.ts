import { FailureError, fail, unwrap } from "../common/result";
import { type ParsedQuery, parseSearchQuery } from "../conversation/search-query";
import { SEARCH_PAGE_MOST } from "../conversation/search-results";
import { type Fields, requiredField } from "./request-body";

/** Results a page of a search holds when the request does not say. */
const DEFAULT_SEARCH_RESULTS = 20;

const WHOLE = /^\d{1,15}$/;

/**
 * What `POST /search` asks: `q`, the words; `before`, the id older results start below; `limit`,
 * how many. The words travel in the body, never the URL, so that no request log holds them.
 */
export function parseSearchRequest(fields: Fields): { query: ParsedQuery; before?: number; limit: number } {
  const { query } = unwrap(parseSearchQuery(requiredField(fields, "q")));
  const rawBefore = fields.get("before");
  const before = rawBefore === undefined ? undefined : whole(rawBefore);
  if (before === undefined && rawBefore !== undefined) {
    throw refuse("before is the id of the oldest result so far, a whole number from 1.");
  }
  const rawLimit = fields.get("limit");
  const limit = rawLimit === undefined ? DEFAULT_SEARCH_RESULTS : whole(rawLimit);
  if (limit === undefined || limit > SEARCH_PAGE_MOST) {
    throw refuse(`limit is a number of results from 1 to ${SEARCH_PAGE_MOST}.`);
  }
  return before === undefined ? { query, limit } : { query, before, limit };
}

/** A whole number from 1, given as a JSON number or as a form's string. */
function whole(raw: unknown): number | undefined {
  const value = typeof raw === "number" ? raw : typeof raw === "string" && WHOLE.test(raw) ? Number(raw) : Number.NaN;
  return Number.isSafeInteger(value) && value >= 1 ? value : undefined;
}

function refuse(message: string): FailureError {
  return new FailureError(fail(400, "invalid_search", message));
}
