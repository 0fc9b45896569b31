/**
 * How the Worker asks a room for an event stream: one RPC call that answers with the stream, or
 * with the refusal the Worker sends on as it sends every other.
 */

export interface SubscribeRequest {
  /** Session token from the cookie or the query string, if the reader sent one. */
  token?: string;
  /** Refuse an unknown token rather than treating the reader as anonymous (it was named explicitly, not a stale cookie). */
  strict?: boolean;
  /** The pending token an anonymous reader already holds from an earlier stream. */
  pendingToken?: string;
  /** Resume after this event id instead of starting from recent history. */
  lastEventId?: number;
  /** The reader's address, for the per-client cap. */
  client?: string;
}

export interface Subscription {
  stream: ReadableStream<Uint8Array>;
  /** A pending token the reader did not hold yet, to be set as its cookie. */
  newPendingToken?: string;
}

/** `Content-Encoding: identity` keeps proxies (wrangler dev's among them) from compressing, and so buffering, the stream. */
export const STREAM_HEADERS: Readonly<Record<string, string>> = {
  "Content-Type": "text/event-stream; charset=utf-8",
  "Cache-Control": "no-cache, no-transform",
  "Content-Encoding": "identity",
  "X-Accel-Buffering": "no",
};
