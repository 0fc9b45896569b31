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
  pushBytes(bytes: Buffer, onMessage: (seq: number, id: number) => void): void {
    this.push(bytes.toString("latin1"), onMessage);
  }

  /**
   * Feeds a decoded chunk; calls `onMessage` with the sequence number and the event id of every
   * complete benchmark frame in it.
   */
  push(text: string, onMessage: (seq: number, id: number) => void): void {
    const buffer = this.#pending + text;
    let start = 0;
    for (;;) {
      const end = buffer.indexOf("\n\n", start);
      if (end === -1) break;
      const marker = buffer.indexOf(MARKER, start);
      if (marker !== -1 && marker < end) {
        const idAt = buffer.lastIndexOf("id: ", marker);
        onMessage(digitsAt(buffer, marker + MARKER.length), idAt >= start ? digitsAt(buffer, idAt + 4) : -1);
      }
      start = end + 2;
    }
    this.#pending = buffer.slice(start);
  }
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
