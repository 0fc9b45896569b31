/**
 * Pulls message sequence numbers out of an SSE byte stream, fast enough for hundreds of
 * thousands of events a second: it looks only for the benchmark's marker inside each frame
 * instead of parsing JSON.
 */

/** Marks a benchmark message: `"msg":"#<seq>|…`. */
export const MARKER = '"msg":"#';

export class SseScanner {
  #pending = "";

  /** Feeds raw bytes; the benchmark's frames are ASCII, so they are read as latin1 without decoding. */
  pushBytes(bytes: Buffer, onMessage: (seq: number, id: number) => void, onOtherId?: (id: number) => void): void {
    this.push(bytes.toString("latin1"), onMessage, onOtherId);
  }

  /**
   * Feeds a decoded chunk; calls `onMessage` with the sequence number and the event id of every
   * complete benchmark frame in it, and `onOtherId` with the id of any other frame that carries
   * one (the room's greeting gives the stream's position that way).
   */
  push(text: string, onMessage: (seq: number, id: number) => void, onOtherId?: (id: number) => void): void {
    const buffer = this.#pending + text;
    let start = 0;
    for (;;) {
      const end = buffer.indexOf("\n\n", start);
      if (end === -1) break;
      const marker = buffer.indexOf(MARKER, start);
      if (marker !== -1 && marker < end) {
        const idAt = buffer.lastIndexOf("id: ", marker);
        onMessage(digitsAt(buffer, marker + MARKER.length), idAt >= start ? digitsAt(buffer, idAt + 4) : -1);
      } else if (onOtherId) {
        const idAt = fieldAt(buffer, "id: ", start, end);
        if (idAt !== -1) onOtherId(digitsAt(buffer, idAt + 4));
      }
      start = end + 2;
    }
    this.#pending = buffer.slice(start);
  }
}

/** Where a line starting with `field` begins within the frame [start, end), or -1. */
function fieldAt(text: string, field: string, start: number, end: number): number {
  for (let at = text.indexOf(field, start); at !== -1 && at < end; at = text.indexOf(field, at + 1)) {
    if (at === start || text[at - 1] === "\n") return at;
  }
  return -1;
}

function digitsAt(text: string, from: number): number {
  let value = 0;
  for (let i = from, code = text.charCodeAt(i); code >= 48 && code <= 57; code = text.charCodeAt(++i)) {
    value = value * 10 + (code - 48);
  }
  return value;
}

/** The text of benchmark message `seq`, padded so that its event's JSON is about `size` bytes. */
export function benchMessage(seq: number, size: number): string {
  const head = `#${seq}|`;
  // The event JSON adds about 80 bytes around `msg` (name, kind, user, time).
  return head + "x".repeat(Math.max(0, size - 80 - head.length));
}
