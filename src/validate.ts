import { FailureError, fail } from "./result";

/** The room the original chat's root endpoints act on. */
export const DEFAULT_ROOM = "lobby";

const ROOM_PATTERN = /^[a-z0-9_-]{1,32}$/;

// C0 and C1 controls, plus the bidi embeddings, overrides and isolates that can make a name
// or message display as something other than what it is.
const CONTROL = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;
const CONTROL_BUT_NEWLINE_AND_TAB = /[^\P{Cc}\n\t]|[\u202A-\u202E\u2066-\u2069]/u;

/** Lower-cases a room name and checks it is 1–32 of `a-z 0-9 - _`. */
export function parseRoomName(raw: string): string {
  const room = raw.toLowerCase();
  if (!ROOM_PATTERN.test(room)) {
    throw new FailureError(
      fail(400, "invalid_room", "A room name is 1 to 32 characters of letters, digits, '-' and '_'."),
    );
  }
  return room;
}

/** Trims a display name and checks its length and characters. */
export function parseDisplayName(raw: string, maxLength: number): string {
  const name = raw.trim();
  const length = [...name].length;
  if (length === 0 || length > maxLength) {
    throw new FailureError(fail(400, "invalid_name", `A name is 1 to ${maxLength} characters.`));
  }
  if (CONTROL.test(name)) {
    throw new FailureError(fail(400, "invalid_name", "A name cannot contain control characters."));
  }
  return name;
}

/** Trims a message, unifies its line endings, and checks its length and characters. */
export function parseMessageText(raw: string, maxLength: number): string {
  const text = raw.replace(/\r\n?/g, "\n").trim();
  const length = [...text].length;
  if (length === 0) throw new FailureError(fail(400, "empty_message", "A message cannot be empty."));
  if (length > maxLength) {
    throw new FailureError(fail(400, "message_too_long", `A message is at most ${maxLength} characters.`));
  }
  if (CONTROL_BUT_NEWLINE_AND_TAB.test(text)) {
    throw new FailureError(fail(400, "invalid_message", "A message cannot contain control characters."));
  }
  return text;
}

/** Parses an event id a client sends back to resume a stream. */
export function parseEventId(raw: string): number {
  const id = /^\d{1,15}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(id)) {
    throw new FailureError(fail(400, "invalid_event_id", "Last-Event-ID must be a whole number."));
  }
  return id;
}
