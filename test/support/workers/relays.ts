import { env } from "cloudflare:test";
import type { ChatRelay } from "../../../src/relay/chat-relay.ts";
import { relayInRoom, relayName } from "../../../src/streams/relay-protocol.ts";

/**
 * The relay object serving a room's readers as shard `shard` of the local region: without
 * `request.cf` every reader is in region "local", and with one reader per object (the
 * `workers-relay` project) a room's second reader goes to shard 0, its third to shard 1, and so on.
 */
export function relayOf(room: string, shard = 0): DurableObjectStub<ChatRelay> {
  return env.CHAT_RELAY.get(env.CHAT_RELAY.idFromName(relayName(room, relayInRoom("local", shard))));
}

/** How many of the room's readers' streams its relays serve, as the room counts them. */
export async function relayedReaders(room: string): Promise<number> {
  const stats = await env.CHAT_ROOM.getByName(room).stats();
  return stats.subscribers - stats.directReaders;
}
