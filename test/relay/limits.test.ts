import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ChatRoom } from "../../src/room/chat-room";
import { toRoomRequest } from "../../src/room/room-stream";
import type { HandOff } from "../../src/room/stream-admission";
import { RELAY_HEADER } from "../../src/streams/relay-protocol";
import type { OpenedStream } from "../support/chat-client";
import { freshClientAddress } from "../support/client-addresses";
import { expectError } from "../support/expect-error";
import { freshRoom, roomPath } from "../support/rooms";
import { roomStats, untilRoom } from "../support/workers/relay-readers";
import { relayOf } from "../support/workers/relays";
import { call, openStream } from "../support/workers/self-client";

const CAP = Number(env.MAX_SUBSCRIBERS);

/** A stream asked for from `address`, as Cloudflare names the caller. */
function streamFrom(room: string, address: string): Promise<Response> {
  return call(`${roomPath(room)}/stream`, { headers: { "CF-Connecting-IP": address } });
}

async function cancelAll(streams: OpenedStream[]): Promise<void> {
  await Promise.all(streams.map((stream) => stream.reader.cancel()));
}

describe("MAX_SUBSCRIBERS across relays", () => {
  it("counts streams on relays: past it a stream is refused though relays could take it, until some close", async () => {
    const room = freshRoom("cap");
    // The first is the room's own; the others go to relays, one each.
    const own = await openStream(room);
    const relayed = await Promise.all(Array.from({ length: CAP - 1 }, () => openStream(room)));
    expect(await roomStats(room)).toMatchObject({ subscribers: CAP, directReaders: 1, relays: CAP - 1 });
    // Past the cap from any address, while relays could take many more.
    await expectError(await streamFrom(room, freshClientAddress()), 503, "room_full");

    // The room's own stream closes: the next takes its place, and the one after is refused.
    await own.reader.cancel();
    const watching = relayed.at(-1)?.reader;
    if (!watching) throw new Error("no stream on a relay");
    await untilRoom(room, watching, (stats) => stats.directReaders === 0, "the room kept its closed stream");
    expect((await roomStats(room)).subscribers).toBe(CAP - 1);
    const again = await openStream(room);
    expect(await roomStats(room)).toMatchObject({ subscribers: CAP, directReaders: 1 });
    await expectError(await streamFrom(room, freshClientAddress()), 503, "room_full");

    // Streams on relays close: their relays tell the room, which takes as many new ones.
    await cancelAll(relayed.slice(0, 5));
    await untilRoom(room, watching, (stats) => stats.subscribers === CAP - 5, "the relays' closed streams still count");
    const relays = await Promise.all(relayed.map((_, shard) => relayOf(room, shard).stats()));
    expect(relays.filter((relay) => relay.readers === 0)).toHaveLength(5);
    const more = await Promise.all(Array.from({ length: 5 }, () => openStream(room)));
    expect(await roomStats(room)).toMatchObject({ subscribers: CAP, directReaders: 1, relays: CAP - 1 });
    await expectError(await streamFrom(room, freshClientAddress()), 503, "room_full");
    await cancelAll([again, ...relayed.slice(5), ...more]);
  }, 20_000);
});

describe("MAX_STREAMS_PER_CLIENT across relays", () => {
  it("counts an address's streams on relays towards its cap, and frees one when its relay reports it closed", async () => {
    const room = freshRoom("per-client");
    const [crowded, neighbour] = [freshClientAddress(), freshClientAddress()];
    // This project's cap is far above MAX_SUBSCRIBERS, since every request without an address
    // counts as one; so the room's own rule is put to a room built over the same storage with
    // a cap of two, asked as the Worker asks it.
    await runInDurableObject(env.CHAT_ROOM.getByName(room), async (_: ChatRoom, state) => {
      const capped = new ChatRoom(state, { ...env, MAX_STREAMS_PER_CLIENT: "2" });
      const ask = (client: string) => capped.fetch(toRoomRequest({ client, region: "local" }));

      const served = await ask(crowded);
      expect(served.status).toBe(200);
      expect(served.headers.has(RELAY_HEADER)).toBe(false);
      const handed = await ask(crowded);
      expect(handed.headers.get(RELAY_HEADER)).toBe("local/0");
      const handOff = await handed.json<HandOff>();
      expect(handOff.stream.client).toBe(crowded);

      await expectError(await ask(crowded), 429, "too_many_streams");
      const other = await ask(neighbour);
      expect(other.headers.get(RELAY_HEADER)).toBe("local/1");
      await other.body?.cancel();

      // The relay reports the stream closed: the address may open another.
      capped.relayedClosed([handOff.stream.id]);
      const again = await ask(crowded);
      expect(again.headers.get(RELAY_HEADER)).toBe("local/0");
      await again.body?.cancel();
      await served.body?.cancel();
    });
  });
});
