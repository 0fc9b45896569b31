/**
 * How the Worker asks a room for an event stream.
 *
 * Commands are RPC calls, but a stream goes through the room's `fetch`: its body reaches the
 * client through the runtime's own HTTP pipe, where a ReadableStream returned over RPC costs
 * about 15% more CPU for every chunk sent and 10 KB more memory a subscriber (`npm run bench`,
 * workerd, 1,000 subscribers). So the request is one typed value, written once as the
 * request's JSON body, and the room's answer is the HTTP answer: a refusal is made once, in
 * the room, and the Worker sends it on as it is.
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
  /** Where the reader is (a `locationHint`), so that a relay near it serves it once the room hands streams to relays. */
  region?: string;
}

/** Response header by which the room hands an anonymous reader a new pending token, for its cookie. */
export const NEW_PENDING_TOKEN_HEADER = "Chat-New-Pending-Token";

/** `Content-Encoding: identity` keeps proxies (wrangler dev's among them) from compressing, and so buffering, the stream. */
export const STREAM_HEADERS: Readonly<Record<string, string>> = {
  "Content-Type": "text/event-stream; charset=utf-8",
  "Cache-Control": "no-cache, no-transform",
  "Content-Encoding": "identity",
  "X-Accel-Buffering": "no",
};

/** The request the room's `fetch` gets; tokens and addresses travel in its body, never in a URL a log might record. */
export function toRoomRequest(subscribe: SubscribeRequest): Request {
  return new Request("https://room.internal/stream", { method: "POST", body: JSON.stringify(subscribe) });
}

/** Reads back what {@link toRoomRequest} wrote; the Worker validated every field before. */
export function fromRoomRequest(request: Request): Promise<SubscribeRequest> {
  return request.json<SubscribeRequest>();
}
