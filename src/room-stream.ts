/**
 * How the Worker asks a room for an event stream. Commands are RPC calls; a stream is an HTTP
 * response, so it goes through the room's `fetch` and the Worker hands its body on untouched.
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
  /** The reader's address, for the per-client stream cap. */
  client?: string;
}

/** Response header by which the room hands an anonymous reader a new pending token to set as its cookie. */
export const PENDING_TOKEN_HEADER = "Chat-Pending-Token";

/** `Content-Encoding: identity` keeps proxies (wrangler dev's among them) from compressing, and so buffering, the stream. */
export const STREAM_HEADERS: Readonly<Record<string, string>> = {
  "Content-Type": "text/event-stream; charset=utf-8",
  "Cache-Control": "no-cache, no-transform",
  "Content-Encoding": "identity",
  "X-Accel-Buffering": "no",
};

export function toRoomRequest(subscribe: SubscribeRequest): Request {
  const url = new URL("https://room.internal/stream");
  if (subscribe.token !== undefined) url.searchParams.set("token", subscribe.token);
  if (subscribe.strict) url.searchParams.set("strict", "1");
  if (subscribe.pendingToken !== undefined) url.searchParams.set("pending", subscribe.pendingToken);
  if (subscribe.lastEventId !== undefined) url.searchParams.set("lastEventId", String(subscribe.lastEventId));
  if (subscribe.client !== undefined) url.searchParams.set("client", subscribe.client);
  return new Request(url);
}

export function fromRoomRequest(request: Request): SubscribeRequest {
  const params = new URL(request.url).searchParams;
  const token = params.get("token");
  const pendingToken = params.get("pending");
  const lastEventId = params.get("lastEventId");
  const client = params.get("client");
  return {
    ...(token === null ? {} : { token }),
    ...(pendingToken === null ? {} : { pendingToken }),
    ...(client === null ? {} : { client }),
    strict: params.get("strict") === "1",
    ...(lastEventId === null ? {} : { lastEventId: Number(lastEventId) }),
  };
}
