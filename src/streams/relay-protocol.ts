import { encodeMessage } from "./sse";

/**
 * What a room and its relays say to each other. A room past `READERS_PER_OBJECT` readers admits
 * a new stream itself (every rule of the room is checked there) and hands it to a relay, which
 * holds one stream from the room and serves it to its own readers.
 */

/** The reader a stream is for, as the room admitted it. */
export interface RelayedOwner {
  /** Session token, if the reader has joined. */
  token?: string;
  /** Token handed to an anonymous reader, which becomes its session if it joins. */
  pendingToken?: string;
  /** The reader's address, for the per-client cap. */
  client?: string;
}

/** A stream on a relay, as the room counts it. */
export interface RelayedStream extends RelayedOwner {
  /** Given by the room when it admitted the stream. */
  id: string;
  /**
   * The room's newest event id when it admitted the stream: a command the room sent from then
   * on (see {@link RelayCommand}) concerns it, even one the relay had before the stream.
   */
  since?: number;
}

/**
 * A stream the room admitted and hands to `relay` (its name within the room: region and
 * shard): the relay sends it `greeting`, then every event after `afterId`.
 */
export interface RelayedAdmission {
  room: string;
  relay: string;
  stream: RelayedStream;
  /** SSE frames: the reconnect delay, presence, a gap notice if any, limits and settings. */
  greeting: string;
  afterId: number;
}

/** What a relay asks of its room to open (or resume) the one stream it reads. */
export interface UpstreamRequest {
  /** The relay's name within the room. */
  relay: string;
  /** The last event id the relay holds; its stream resumes after it. */
  lastEventId: number;
  /** Every stream the relay serves now, so that a room that restarted counts them again. */
  streams: RelayedStream[];
}

/**
 * What the room tells a relay about its readers, in the relay's stream as a named event that
 * is never stored and never sent on. Each takes effect once the relay has every event up to
 * `afterId`, so that it lands where it would on a stream the room serves itself.
 */
export type RelayCommand =
  /** End every stream of a session once it has event `afterId` (the removal that ends it). */
  | { op: "end"; token: string; afterId: number }
  /** Hand the anonymous streams given `pendingToken` to the session `token`. */
  | { op: "adopt"; pendingToken: string; token: string; afterId: number }
  /** Make a session's streams anonymous: it ended. */
  | { op: "disown"; token: string; afterId: number }
  /**
   * The relay's stream has caught up: every event up to `afterId` has been sent, and all that
   * follows is live. (Catching up skips the ids of changes a later one carries.)
   */
  | { op: "live"; afterId: number };

/** The event name relay commands travel under. */
export const RELAY_COMMAND_EVENT = "relay";

/** The frame a relay command travels in. */
export function relayCommandFrame(command: RelayCommand): string {
  return encodeMessage({ event: RELAY_COMMAND_EVENT, data: JSON.stringify(command) });
}

/** Response header on a room's answer that hands the stream to a relay, naming it. */
export const RELAY_HEADER = "Chat-Relay";

/** A relay's name within its room: the readers' region and a shard of it. */
export function relayInRoom(region: string, shard: number): string {
  return `${region}/${shard}`;
}

/** A relay object's name: its room's, then its name within the room. Room names hold no `/`. */
export function relayName(room: string, relay: string): string {
  return `${room}/${relay}`;
}

/** A relay's stream from its room: `POST` to the room's `fetch`, told apart from a reader's by its path. */
export function toUpstreamRequest(upstream: UpstreamRequest): Request {
  return new Request("https://room.internal/relay", { method: "POST", body: JSON.stringify(upstream) });
}

export function isUpstreamRequest(request: Request): boolean {
  return new URL(request.url).pathname === "/relay";
}

/** A relayed stream handed to a relay's `fetch`. */
export function toRelayRequest(admission: RelayedAdmission): Request {
  return new Request("https://relay.internal/stream", { method: "POST", body: JSON.stringify(admission) });
}
