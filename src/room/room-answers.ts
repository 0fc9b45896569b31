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
  subscribers: number;
  /** Streams still being sent history at their reader's pace. */
  catchingUp: number;
  online: number;
  lastEventId: number;
  /** Bytes waiting in streams for readers to take them. */
  queuedBytes: number;
  /** Addresses and sessions the rate limiters hold a bucket for. */
  limiterKeys: number;
}

/** The id of the event a change to a message was published as; null when it changed nothing. */
export interface ChangeMade {
  id: number | null;
}
