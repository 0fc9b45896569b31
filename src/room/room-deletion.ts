import type { RoomDeleter } from "../moderation/moderation";
import { encodeMessage } from "../streams/sse";

/** What every stream of a room is sent last as the room is deleted: by whom, and when. */
export interface RoomDeletedEvent {
  kind: "room_deleted";
  by: RoomDeleter;
  at: number;
}

const encoder = new TextEncoder();

/**
 * The named `deleted` event, framed. It is never stored, since the log it would go in is erased
 * with it, and so has no id of its own: its empty `id:` clears a reader's last event id instead
 * (EventSource sends none after it), because the room that follows numbers its events from 1
 * again, and a reader coming back into it must start afresh, not from a place in the old log.
 */
export function deletedFrame(by: RoomDeleter, at: number): Uint8Array {
  const event: RoomDeletedEvent = { kind: "room_deleted", by, at };
  return encoder.encode(encodeMessage({ event: "deleted", id: "", data: JSON.stringify(event) }));
}
