import { expect } from "vitest";
import type { ChatClient } from "./chat-client.ts";
import { sleep } from "./sleep.ts";

/** What one reader that reconnects through faults was sent. */
export interface ReaderResult {
  /** Ids of the chat events received, in arrival order. */
  ids: number[];
  reconnects: number;
}

/**
 * Reads a room's stream as EventSource does: whenever the stream ends, breaks or falls silent for
 * `silenceMs`, it reconnects with Last-Event-ID, at once, and while the server cannot be reached
 * it tries again every `retryDelayMs`. Resolves with the id of every chat event it was sent, in
 * order, once one has `msg` equal to `done`; fails after `timeoutMs`.
 */
export async function readThroughFaults(
  client: ChatClient,
  room: string,
  done: string,
  { retryDelayMs = 200, silenceMs = 5000, timeoutMs = 60_000 } = {},
): Promise<ReaderResult> {
  const ids: number[] = [];
  const deadline = Date.now() + timeoutMs;
  // The stream's own last id, not the last chat id: the greeting's `presence` event carries a
  // position too, so a reader cut off before its first chat message still resumes from there
  // instead of starting over from recent history. Kept across connections and, when empty, not
  // sent: as EventSource does.
  let lastEventId: string | undefined;
  let reconnects = -1;
  while (Date.now() < deadline) {
    reconnects++;
    const opened = await client.openStream(room, lastEventId ? { lastEventId } : {}).catch(() => undefined);
    if (!opened) {
      await sleep(retryDelayMs);
      continue;
    }
    try {
      for (;;) {
        const event = await opened.reader.nextChat(Math.min(silenceMs, Math.max(1, deadline - Date.now())));
        ids.push(event.id);
        if (event.data.msg === done) return { ids, reconnects };
      }
    } catch {
      // Cut off, broken or silent: reconnect, as EventSource would.
    } finally {
      // A connection that set no id leaves the one before in force.
      lastEventId = opened.reader.lastEventId ?? lastEventId;
      await opened.reader.cancel();
    }
  }
  throw new Error(`never saw ${done}; got ${ids.length} events`);
}

/**
 * Checks the promise of a fault test: every reader reconnected at least once, saw ids strictly
 * increasing, and saw every acknowledged message. Returns a one-line account for the test log.
 */
export function expectNothingLost(
  label: string,
  sent: number,
  acknowledged: number[],
  results: ReaderResult[],
): string {
  for (const { ids, reconnects } of results) {
    expect(reconnects).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1] ?? 0);
    for (const id of acknowledged) expect(ids).toContain(id);
  }
  return (
    `${label}: sent ${sent}, acknowledged ${acknowledged.length}, delivered ${results.map((r) => r.ids.length).join("/")} ` +
    `to ${results.length} readers after ${results.map((r) => r.reconnects).join("/")} reconnects, lost 0`
  );
}
