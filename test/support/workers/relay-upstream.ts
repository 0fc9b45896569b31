import { env } from "cloudflare:test";
import { type RelayedStream, toUpstreamRequest } from "../../../src/streams/relay-protocol.ts";

/**
 * Opens a stream from the room as the relay named `relay` within it does (see relay-protocol.ts),
 * resuming after `lastEventId` and telling the room the relay serves `streams`: for tests of the
 * room's side, which no relay object reads.
 */
export function upstreamAs(
  room: string,
  relay: string,
  lastEventId: number,
  streams: RelayedStream[] = [],
): Promise<Response> {
  return env.CHAT_ROOM.getByName(room).fetch(toUpstreamRequest({ relay, lastEventId, streams }));
}
