/**
 * The benchmark's messages: `#<seq>|` and padding, so that a subscriber can tell which message an
 * event is by looking for a marker in its data instead of parsing its JSON.
 */

/** What precedes the sequence number in an event's JSON: `"msg":"#<seq>|…`. */
const MARKER = '"msg":"#';

/** The text of benchmark message `seq`, padded so that its event's JSON is about `size` bytes. */
export function benchMessage(seq: number, size: number): string {
  const head = `#${seq}|`;
  // The event JSON adds about 80 bytes around `msg` (name, kind, user, time).
  return head + "x".repeat(Math.max(0, size - 80 - head.length));
}

/** The sequence number of the benchmark message an event's data carries, or -1 if it carries none. */
export function benchSequence(data: string): number {
  const at = data.indexOf(MARKER);
  if (at === -1) return -1;
  let value = 0;
  let digits = 0;
  for (let i = at + MARKER.length, code = data.charCodeAt(i); code >= 48 && code <= 57; code = data.charCodeAt(++i)) {
    value = value * 10 + (code - 48);
    digits++;
  }
  return digits > 0 ? value : -1;
}
