import { type EventStreamReader, TimeoutError } from "./sse-reader.ts";

/**
 * Waits until `check` holds: checks it at once, then again after each heartbeat `reader`
 * receives, and fails with `failure` if it still does not hold after `timeoutMs`.
 *
 * Why heartbeats: a room notices a closed stream only when the cancel reaches it, which workerd
 * does not always pass on, or else when its next heartbeat cannot be written to the stream.
 * Heartbeats run on a real interval, so whatever follows from a stream going away (a freed
 * place, a participant gone) can wait for the next one. Any open stream in the room, a
 * bystander's, receives that heartbeat as a comment: waiting on it waits as long as the room
 * needs and no longer, where a sleep would guess. Other changes the room makes only as time
 * passes can be waited for the same way.
 */
export async function heartbeatsUntil(
  reader: EventStreamReader,
  check: () => boolean | Promise<boolean>,
  failure: string,
  timeoutMs = 3000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const start = reader.comments;
  for (;;) {
    if (await check()) return;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`${failure} (waited ${timeoutMs} ms, ${reader.comments - start} heartbeats)`);
    try {
      await reader.commentsAtLeast(reader.comments + 1, left);
    } catch (error) {
      // Out of time: `check` has one last look before the next turn fails.
      if (!(error instanceof TimeoutError)) throw error;
    }
  }
}
