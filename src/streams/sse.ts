/** One Server-Sent Events message, as the EventSource spec frames it. */
export interface SseMessage {
  /** Payload; each line becomes its own `data:` line, so any line ending is safe here. */
  data: string;
  /** Event type; absent means `message`, which is what `EventSource.onmessage` receives. */
  event?: string;
  /** Becomes the stream's last event id, which a reconnecting EventSource sends back. */
  id?: string | number;
  /** Reconnection delay in milliseconds. */
  retry?: number;
}

const LINE_BREAK = /\r\n|\r|\n/;

/**
 * Frames one SSE message as text, ending with the blank line that dispatches it.
 * Throws when `event` or `id` holds a line break, since that would let a value inject fields.
 */
export function encodeMessage(message: SseMessage): string {
  let frame = "";
  if (message.event !== undefined) frame += `event: ${singleLine("event", message.event)}\n`;
  if (message.id !== undefined) frame += `id: ${singleLine("id", String(message.id))}\n`;
  if (message.retry !== undefined) frame += `retry: ${retryValue(message.retry)}\n`;
  for (const line of message.data.split(LINE_BREAK)) frame += `data: ${line}\n`;
  return `${frame}\n`;
}

/** Frames a `retry:` field alone: it sets the reconnection delay and dispatches no event. */
export function encodeRetry(milliseconds: number): string {
  return `retry: ${retryValue(milliseconds)}\n\n`;
}

/** Frames a comment, which every client ignores; used as a heartbeat. */
export function encodeComment(text: string): string {
  return text
    .split(LINE_BREAK)
    .map((line) => `: ${line}\n`)
    .join("")
    .concat("\n");
}

function singleLine(field: string, value: string): string {
  if (LINE_BREAK.test(value)) throw new TypeError(`SSE ${field} must not contain a line break`);
  return value;
}

function retryValue(milliseconds: number): number {
  if (!Number.isSafeInteger(milliseconds) || milliseconds < 0) {
    throw new TypeError("SSE retry must be a non-negative integer");
  }
  return milliseconds;
}
