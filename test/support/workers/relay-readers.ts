import { env } from "cloudflare:test";
import type { RoomStats } from "../../../src/room/room-answers.ts";
import { heartbeatsUntil } from "../heartbeats.ts";
import type { SseEvent } from "../sse-events.ts";
import type { EventStreamReader } from "../sse-reader.ts";

/** The room's counters: readers through relays and direct, relays, the newest id. */
export function roomStats(room: string): Promise<RoomStats> {
  return env.CHAT_ROOM.getByName(room).stats();
}

/**
 * Waits, on `reader`'s heartbeats, until the room's counters satisfy `check`: a relay tells its
 * room of a closed stream soon after finding it closed, and finds it on a heartbeat at the latest.
 */
export function untilRoom(
  room: string,
  reader: EventStreamReader,
  check: (stats: RoomStats) => boolean,
  failure: string,
): Promise<void> {
  return heartbeatsUntil(reader, async () => check(await roomStats(room)), failure);
}

/**
 * Waits until a stream has joined the broadcast, so that it is sent signals with no id (typing)
 * too: a stream goes live once its reader has taken the last of its history and reads again,
 * which two heartbeats read after it make sure of.
 */
export async function untilLive(reader: EventStreamReader): Promise<void> {
  await reader.commentsAtLeast(reader.comments + 2);
}

/** Every event up to and including the chat event with id `id`. */
export function eventsThrough(reader: EventStreamReader, id: number): Promise<SseEvent[]> {
  return reader.until((event) => event.event === "message" && event.id === String(id));
}
