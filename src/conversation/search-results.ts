import type { ChatEvent } from "../log/chat-event";
import type { EventLog } from "../log/event-log";
import type { MessageSearch } from "./message-search";
import { matchRanges, type ParsedQuery } from "./search-query";

/** Most results one page of a search holds. */
export const SEARCH_PAGE_MOST = 50;

/** A message a search found, as it is now, and where in its text the query's words are. */
export interface SearchResult {
  id: number;
  /** The message's JSON, as the stream and history carry it. */
  data: string;
  /** Ranges of the message's text to mark, as [from, to) offsets in UTF-16 code units. */
  marks: [number, number][];
}

export interface SearchAnswer {
  /** Newest first. */
  results: SearchResult[];
  /** Older messages match too: ask again with `before` the last result's id. */
  more: boolean;
}

/** The messages holding every word of `query`, newest first, each read from the log as it is now. */
export function searchMessages(
  log: EventLog,
  search: MessageSearch,
  query: ParsedQuery,
  page: { before?: number; limit: number },
): SearchAnswer {
  const found = search.find(query, page);
  const results: SearchResult[] = [];
  for (const id of found.ids) {
    const row = log.get(id);
    // The index and the log change together, so every id found is a message; a row that is
    // anything else is passed by rather than shown as one.
    if (!row || row.event !== undefined) continue;
    const message = JSON.parse(row.data) as ChatEvent;
    if (message.kind !== "message") continue;
    results.push({ id, data: row.data, marks: matchRanges(message.msg, query) });
  }
  return { results, more: found.more };
}
