import { REACTION_EMOJI } from "./reaction-emoji";
import { FailureError, fail } from "./result";

/** The room the original chat's root endpoints act on. */
export const DEFAULT_ROOM = "lobby";

const ROOM_PATTERN = /^[a-z0-9_-]{1,32}$/;

// Bidi embeddings, overrides and isolates make text display as something other than what it
// is; refused everywhere.
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/u;
// Controls other than newline and tab, and the line and paragraph separators.
const CONTROL_IN_MESSAGE = /[^\P{Cc}\n\t]|[\p{Zl}\p{Zp}]/u;
const CONTROL_IN_NAME = /[\p{Cc}\p{Zl}\p{Zp}]/u;
// Invisible format characters (zero-width space, joiners, BOM, soft hyphen, …).
const FORMAT = /\p{Cf}/gu;
// More combining marks on one character than any script needs: "zalgo" text.
const STACKED_MARKS = /\p{M}{9,}/u;

function refuse(status: number, code: string, message: string): FailureError {
  return new FailureError(fail(status, code, message));
}

/** Lower-cases a room name and checks it is 1–32 of `a-z 0-9 - _`. */
export function parseRoomName(raw: string): string {
  const room = raw.toLowerCase();
  if (!ROOM_PATTERN.test(room)) {
    throw refuse(400, "invalid_room", "A room name is 1 to 32 characters of letters, digits, '-' and '_'.");
  }
  return room;
}

/**
 * How two names are compared: after compatibility normalization, without invisible format
 * characters, without regard to case. "Alice", "ａｌｉｃｅ" and "ali\u200Bce" are one name.
 */
export function nameKey(name: string): string {
  return nameForm(name).toLowerCase();
}

/** A name as {@link nameKey} compares it, with its case kept. */
export function nameForm(name: string): string {
  return name.normalize("NFKC").replace(FORMAT, "");
}

/** Normalizes and trims a display name and checks its length and characters. */
export function parseDisplayName(raw: string, maxLength: number): string {
  const name = checkedText(raw, "name").normalize("NFC").trim();
  const length = [...name].length;
  if (length === 0 || length > maxLength || nameKey(name).trim() === "") {
    throw refuse(400, "invalid_name", `A name is 1 to ${maxLength} visible characters.`);
  }
  if (CONTROL_IN_NAME.test(name) || BIDI_CONTROL.test(name)) {
    throw refuse(400, "invalid_name", "A name cannot contain control or text-direction characters.");
  }
  if (STACKED_MARKS.test(name)) throw refuse(400, "invalid_name", "A name cannot stack that many accents.");
  return name;
}

/** Trims a message, unifies its line endings, and checks its length and characters. */
export function parseMessageText(raw: string, maxLength: number): string {
  const text = checkedText(raw, "message").replace(/\r\n?/g, "\n").normalize("NFC").trim();
  const length = [...text].length;
  if (length === 0 || text.replace(FORMAT, "").trim() === "") {
    throw refuse(400, "empty_message", "A message cannot be empty.");
  }
  if (length > maxLength) throw refuse(400, "message_too_long", `A message is at most ${maxLength} characters.`);
  if (CONTROL_IN_MESSAGE.test(text) || BIDI_CONTROL.test(text)) {
    throw refuse(400, "invalid_message", "A message cannot contain control or text-direction characters.");
  }
  if (STACKED_MARKS.test(text)) throw refuse(400, "invalid_message", "A message cannot stack that many accents.");
  return text;
}

/** Parses an event id a client sends back to resume a stream. */
export function parseEventId(raw: string): number {
  const id = /^\d{1,15}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(id)) throw refuse(400, "invalid_event_id", "Last-Event-ID must be a whole number.");
  return id;
}

/** Refuses text with unpaired surrogates, which no encoding can carry. */
function checkedText(raw: string, what: string): string {
  if (!raw.isWellFormed()) throw refuse(400, `invalid_${what}`, `The ${what} is not well-formed Unicode text.`);
  return raw;
}

const MESSAGE_KEY = /^[A-Za-z0-9_-]{8,64}$/;

/** A key a client gave a message so that sending it again never posts it twice: 8–64 of `A-Z a-z 0-9 - _`. */
export function parseMessageKey(raw: string): string {
  if (!MESSAGE_KEY.test(raw)) {
    throw refuse(400, "invalid_key", "A message key is 8 to 64 characters of letters, digits, '-' and '_'.");
  }
  return raw;
}

/** The id of a message a request is about: a whole number, as a string (forms) or a number (JSON). */
export function parseMessageId(raw: unknown): number {
  const id =
    typeof raw === "number" ? raw : typeof raw === "string" && /^\d{1,15}$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id) || id < 1) {
    throw refuse(400, "invalid_message_id", "A message id is a whole number from 1 up.");
  }
  return id;
}

/** An emoji to react with: one of the room's set. */
export function parseReactionEmoji(raw: string): string {
  if (!REACTION_EMOJI.includes(raw)) {
    throw refuse(400, "unknown_emoji", `A reaction is one of ${REACTION_EMOJI.join(" ")}.`);
  }
  return raw;
}

/** A room's topic: one line of at most `maxLength` characters, or empty for none. */
export function parseTopic(raw: string, maxLength: number): string {
  const topic = checkedText(raw, "topic").normalize("NFC").trim();
  if ([...topic].length > maxLength) throw refuse(400, "invalid_topic", `A topic is at most ${maxLength} characters.`);
  if (CONTROL_IN_NAME.test(topic) || BIDI_CONTROL.test(topic)) {
    throw refuse(400, "invalid_topic", "A topic is one line, without control or text-direction characters.");
  }
  return topic;
}

/** Slow mode's interval: whole seconds from 0 (off) to an hour. */
export function parseSlowMode(raw: unknown): number {
  const seconds = typeof raw === "number" ? raw : typeof raw === "string" && /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 0 || seconds > 3600) {
    throw refuse(400, "invalid_setting", "Slow mode is a whole number of seconds from 0 (off) to 3600.");
  }
  return seconds;
}

/** A yes or no setting, as JSON's true and false or a form's "true" and "false". */
export function parseSwitch(raw: unknown, name: string): boolean {
  if (raw === true || raw === "true") return true;
  if (raw === false || raw === "false") return false;
  throw refuse(400, "invalid_setting", `The field '${name}' is true or false.`);
}

/** How long a removal lasts: whole minutes, from one to thirty days. */
export function parseRemovalMinutes(raw: unknown): number {
  const minutes = typeof raw === "number" ? raw : typeof raw === "string" && /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(minutes) || minutes < 1 || minutes > 30 * 24 * 60) {
    throw refuse(400, "invalid_duration", "A removal lasts a whole number of minutes, from 1 to 43200 (30 days).");
  }
  return minutes;
}
