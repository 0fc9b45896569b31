/** What a room's RPC methods answer with, besides refusals. */

export interface Joined {
  name: string;
  token: string;
  /** False when the caller was already in the room under this name. */
  created: boolean;
  /** The room's authority the caller joined with, if any. */
  role?: "owner" | "moderator";
}

export interface OnlineUser {
  name: string;
  /** Marked for who joined with the room's owner key (or the operator's token) or a moderator key. */
  role?: "owner" | "moderator";
}

export interface RoomStats {
  /** Every reader's stream, through relays included. */
  subscribers: number;
  /** Readers' streams the room serves itself. */
  directReaders: number;
  /** Relays serving at least one of the room's readers. */
  relays: number;
  /** Relays reading a stream from the room now. */
  relaysReading: number;
  /** Chunks the room itself has written to its streams, relays' included. */
  chunksSent: number;
  /** Streams still being sent history at their reader's pace. */
  catchingUp: number;
  online: number;
  lastEventId: number;
  /** Bytes waiting in streams for readers to take them. */
  queuedBytes: number;
  /** Addresses and sessions the rate limiters hold a bucket for. */
  limiterKeys: number;
}

/** `GET /room`: the settings and how many are online; how many read it, and where, for its owner or the operator. */
export interface RoomOverview {
  topic: string;
  slowModeSeconds: number;
  readOnly: boolean;
  online: number;
  /** Every open stream, through relays included. */
  readers?: number;
  /** Relay objects serving readers now. */
  relays?: number;
  /** Streams the room serves itself. */
  directReaders?: number;
  lastEventId?: number;
  /** Chunks the room itself has written to its streams since it started, relays' included. */
  chunksSent?: number;
}

/** The id of the event a change to a message was published as; null when it changed nothing. */
export interface ChangeMade {
  id: number | null;
}
