/**
 * What a room says about its readers in `GET /room`, for the operator: how many read it, how
 * many through relays, and how many chunks the room itself has written.
 */

/** The room's own counts, as the operator sees them. */
export interface RoomCounters {
  /** Every open stream, through relays included. */
  readers: number;
  /** Relay objects serving readers now. */
  relays: number;
  /** Streams the room serves itself. */
  directReaders: number;
  /** Chunks the room has written to its streams (its relays' included); null when the room does not say. */
  chunksSent: number | null;
}

/** Asks the room `room` at `baseUrl` for its counts, presenting the operator's token. */
export async function roomCounters(baseUrl: string, room: string, operatorToken: string): Promise<RoomCounters> {
  const response = await fetch(`${baseUrl}/r/${encodeURIComponent(room)}/room`, {
    headers: { "Chat-Room-Key": operatorToken },
  });
  const body = (await response.json()) as Partial<RoomCounters>;
  if (!response.ok || body.readers === undefined) {
    throw new Error(`GET /room answered ${response.status} without the operator's counts: ${JSON.stringify(body)}`);
  }
  return {
    readers: body.readers,
    relays: body.relays ?? 0,
    directReaders: body.directReaders ?? 0,
    chunksSent: body.chunksSent ?? null,
  };
}
