import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { relayInRoom } from "../../src/streams/relay-protocol.ts";
import type { Participant } from "../support/chat-client.ts";
import { heartbeatsUntil } from "../support/heartbeats.ts";
import { freshRoom } from "../support/rooms.ts";
import { nth } from "../support/round-robin.ts";
import { EventStreamReader } from "../support/sse-reader.ts";
import { roomStats } from "../support/workers/relay-readers.ts";
import { upstreamAs } from "../support/workers/relay-upstream.ts";
import { relayOf } from "../support/workers/relays.ts";
import { lastEventId } from "../support/workers/room-authority.ts";
import { joinAs, openStream, sayOk } from "../support/workers/self-client.ts";

const BOUND = Number(env.MAX_BACKLOG_BYTES);
/** About a kilobyte a message, so that the bound is passed within what the room retains. */
const TEXT = "x".repeat(990);

/** Enough participants that posting one message after another never meets the rate limit. */
async function writersIn(room: string): Promise<Participant[]> {
  const writers: Participant[] = [];
  for (let i = 0; i < 12; i++) writers.push(await joinAs(room, `w${i}`));
  return writers;
}

/** Fails unless `ids` are every id after `afterId` up to `last`, each once and in order. */
function expectEveryIdOnce(ids: number[], afterId: number, last: number): void {
  expect(ids).toEqual(Array.from({ length: last - afterId }, (_, i) => afterId + 1 + i));
}

describe("a relayed reader that stops reading", () => {
  it("delays nobody, is cut off by its relay near its byte bound, and catches up from history on reconnect", async () => {
    const room = freshRoom();
    const writers = await writersIn(room);
    // The room serves the first reader itself; the stalled one goes to relay 0, the reading one to relay 1.
    const direct = await openStream(room);
    const stalled = await openStream(room);
    const stalledFirst = await stalled.reader.nextChat(); // then it reads nothing more
    const relayed = await openStream(room);
    for (const { reader } of [direct, relayed]) await reader.chatUntil((data) => data.msg === "add user : w11");
    expect((await relayOf(room, 0).stats()).readers).toBe(1);
    expect((await relayOf(room, 1).stats()).readers).toBe(1);

    const acknowledged: number[] = [];
    let sentBytes = 0;
    let cutAfterBytes: number | undefined;
    for (let i = 0; i < 85 && cutAfterBytes === undefined; i++) {
      // Each post is seen by both reading streams before the next is sent: a relay or a room
      // that waited on the stalled stream would stop this loop.
      const id = await sayOk(nth(writers, i), `${i} ${TEXT}`);
      acknowledged.push(id);
      expect((await relayed.reader.nextChat()).id).toBe(id);
      expect((await direct.reader.nextChat()).id).toBe(id);
      sentBytes += 1000;
      if ((await relayOf(room, 0).stats()).readers === 0) cutAfterBytes = sentBytes;
    }
    expect(cutAfterBytes).toBeDefined();
    expect(cutAfterBytes).toBeGreaterThanOrEqual(BOUND / 2);
    console.log(`stalled relayed reader cut off after ${cutAfterBytes} bytes of messages`);
    expect(await stalled.reader.endsWithin(2000)).toBe(true);
    // Its relay goes on reading from the room and serving the others.
    const next = await sayOk(nth(writers, 0), "after the cut");
    expect((await relayed.reader.nextChat()).id).toBe(next);
    acknowledged.push(next);

    // Back with the last id it saw, on the relay that cut it off (once the room has heard it
    // closed), it gets everything it missed, in order, once: most of it from the room's history.
    await heartbeatsUntil(
      direct.reader,
      async () => (await roomStats(room)).subscribers === 2,
      "the room still counts the stream its relay cut off",
    );
    const resumed = await openStream(room, { lastEventId: stalledFirst.id });
    expect((await relayOf(room, 0).stats()).readers).toBe(1);
    expect((await relayOf(room, 0).stats()).recentFrom).toBeGreaterThan(stalledFirst.id);
    const replay = await resumed.reader.chatUntil((_, id) => id === next, 5000);
    expectEveryIdOnce(
      replay.map((event) => event.id),
      stalledFirst.id,
      next,
    );
    await Promise.all([resumed, relayed, direct, stalled].map((stream) => stream.reader.cancel()));
  }, 30_000);
});

describe("a reader resuming from far back on a relay that has just started", () => {
  it("is sent its history at its own pace, as the room would, not cut off", async () => {
    const room = freshRoom();
    const writers = await writersIn(room);
    const from = await lastEventId(room);
    // More history after `from` than a reader may have waiting.
    for (let i = 0; i < 80; i++) await sayOk(nth(writers, i), `${i} ${TEXT}`);
    const last = await lastEventId(room);
    const direct = await openStream(room);
    const resumed = await openStream(room, { lastEventId: from });
    await resumed.reader.next(); // the greeting's presence; then it reads nothing for a while
    await direct.reader.commentsAtLeast(direct.reader.comments + 3);
    expect((await relayOf(room, 0).stats()).readers).toBe(1);
    const replay = await resumed.reader.chatUntil((_, id) => id === last, 5000);
    expectEveryIdOnce(
      replay.map((event) => event.id),
      from,
      last,
    );
    await Promise.all([resumed.reader.cancel(), direct.reader.cancel()]);
  }, 20_000);
});

describe("a relay that falls behind its stream from the room", () => {
  it("is cut off by the room near the byte bound, delaying nobody, and resuming after its last id is sent every event after it once", async () => {
    const room = freshRoom();
    const writers = await writersIn(room);
    const direct = await openStream(room);
    await direct.reader.chatUntil((data) => data.msg === "add user : w11");
    // A relay's stream from the room, as a relay that reads nothing more opens it, serving one reader.
    const relay = relayInRoom("local", 7);
    const from = await lastEventId(room);
    const served = [{ id: "a-reader-of-relay-7" }];
    const behind = await upstreamAs(room, relay, from, served);
    expect(await roomStats(room)).toMatchObject({ subscribers: 2, relays: 1 });

    const acknowledged: number[] = [];
    let sentBytes = 0;
    let cutAfterBytes: number | undefined;
    for (let i = 0; i < 85 && cutAfterBytes === undefined; i++) {
      const id = await sayOk(nth(writers, i), `${i} ${TEXT}`);
      acknowledged.push(id);
      expect((await direct.reader.nextChat()).id).toBe(id);
      sentBytes += 1000;
      const stats = await roomStats(room);
      // What the room holds for the relay never passes the bound by more than a frame.
      expect(stats.queuedBytes).toBeLessThanOrEqual(BOUND + 1200);
      // Cut off, the relay reads from the room no more; its reader stays counted meanwhile.
      if (stats.relaysReading === 0) {
        cutAfterBytes = sentBytes;
        expect(stats).toMatchObject({ subscribers: 2, relays: 1 });
      }
    }
    expect(cutAfterBytes).toBeDefined();
    expect(cutAfterBytes).toBeGreaterThanOrEqual(BOUND / 2);
    console.log(`relay that fell behind cut off after ${cutAfterBytes} bytes of messages`);
    expect(await new EventStreamReader(behind).endsWithin(2000)).toBe(true);

    // The relay opens its stream again after the last id it holds, listing the same reader.
    const again = new EventStreamReader(await upstreamAs(room, relay, from, served));
    expect(await roomStats(room)).toMatchObject({ subscribers: 2, relays: 1, relaysReading: 1 });
    const last = acknowledged.at(-1) ?? 0;
    const events = await again.until((event) => event.id === String(last), 5000);
    expectEveryIdOnce(
      events.flatMap((event) => (event.id === undefined ? [] : [Number(event.id)])),
      from,
      last,
    );
    // Then it is told it is live, and is sent what comes next, once.
    const live = await again.next();
    expect(live.event).toBe("relay");
    expect(JSON.parse(live.data)).toEqual({ op: "live", afterId: last });
    const next = await sayOk(nth(writers, 1), "live again");
    expect((await again.nextChat()).id).toBe(next);
    await Promise.all([again.cancel(), direct.reader.cancel()]);
  }, 30_000);
});
