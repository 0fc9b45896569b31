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

/**
 * The request the room's `fetch` gets. What identifies the reader travels in headers, so that
 * no token or address appears in a URL a log might record.
 */
export function toRoomRequest(subscribe: SubscribeRequest): Request {
  const headers = new Headers();
  if (subscribe.token !== undefined) headers.set("Chat-Token", subscribe.token);
  if (subscribe.strict) headers.set("Chat-Strict", "1");
  if (subscribe.pendingToken !== undefined) headers.set("Chat-Pending-Token", subscribe.pendingToken);
  if (subscribe.lastEventId !== undefined) headers.set("Last-Event-ID", String(subscribe.lastEventId));
  if (subscribe.client !== undefined) headers.set("Chat-Client", subscribe.client);
  return new Request("https://room.internal/stream", { headers });
}

export function fromRoomRequest(request: Request): SubscribeRequest {
  const header = (name: string) => request.headers.get(name) ?? undefined;
  const lastEventId = header("Last-Event-ID");
  return {
    token: header("Chat-Token"),
    strict: header("Chat-Strict") === "1",
    pendingToken: header("Chat-Pending-Token"),
    lastEventId: lastEventId === undefined ? undefined : Number(lastEventId),
    client: header("Chat-Client"),
  };
}
