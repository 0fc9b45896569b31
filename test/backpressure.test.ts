import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { heartbeatsUntil } from "./support/heartbeats";
import { freshRoom } from "./support/rooms";
import { nth } from "./support/round-robin";
import { joinAs, openStream, sayOk } from "./support/workers/self-client";

const BOUND = Number(env.MAX_BACKLOG_BYTES);

describe("a subscriber that stops reading", () => {
  it("delays nobody, is cut off near its byte bound, and catches up from history on reconnect", async () => {
    const room = freshRoom();
    const stub = env.CHAT_ROOM.getByName(room);
    const writers = [];
    for (let i = 0; i < 30; i++) writers.push(await joinAs(room, `w${i}`));
    const stalled = await openStream(room);
    const stalledFirst = await stalled.reader.nextChat(); // then it reads nothing more
    const live = await openStream(room);
    await live.reader.chatUntil((data) => data.msg === "add user : w29");

    const text = "x".repeat(990);
    const acknowledged: number[] = [];
    let sentBytes = 0;
    let cutAfterBytes: number | undefined;
    for (let i = 0; i < 300 && cutAfterBytes === undefined; i++) {
      const writer = nth(writers, i);
      // Each post is answered and seen by the reading subscriber before the next is sent:
      // a broadcast that waited on the stalled stream would stop this loop.
      const id = await sayOk(writer, `${i} ${text}`);
      acknowledged.push(id);
      const seen = await live.reader.nextChat();
      expect(seen.id).toBe(id);
      sentBytes += 1000;
      const stats = await stub.stats();
      // What the room holds for the stalled reader never passes the bound by more than a frame.
      expect(stats.queuedBytes).toBeLessThanOrEqual(BOUND + 1200);
      if (stats.subscribers === 1) cutAfterBytes = sentBytes;
    }

    expect(cutAfterBytes).toBeDefined();
    expect(cutAfterBytes).toBeGreaterThanOrEqual(BOUND / 2);
    console.log(`stalled subscriber cut off after ${cutAfterBytes} bytes of messages`);
    expect(await stalled.reader.endsWithin(2000)).toBe(true);

    // Reconnecting with the last id it saw, it gets everything it missed, in order, once.
    const resumed = await openStream(room, { lastEventId: stalledFirst.id });
    const last = acknowledged.at(-1);
    const replay = await resumed.reader.chatUntil((data) => data.msg.startsWith(`${acknowledged.length - 1} `), 5000);
    const replayedIds = replay.map((event) => event.id);
    expect(replayedIds.at(-1)).toBe(last);
    for (let i = 1; i < replayedIds.length; i++) expect(replayedIds[i]).toBe((replayedIds[i - 1] ?? 0) + 1);
    for (const id of acknowledged) expect(replayedIds).toContain(id);
    await Promise.all([resumed.reader.cancel(), live.reader.cancel(), stalled.reader.cancel()]);
  }, 20_000);
});

describe("a reader replaying a long history", () => {
  it("gets all of it in order, then joins the broadcast", async () => {
    const room = freshRoom();
    const stub = env.CHAT_ROOM.getByName(room);
    const writers = [];
    for (let i = 0; i < 12; i++) writers.push(await joinAs(room, `w${i}`));
    const text = "가".repeat(990);
    // The joins and posts fill the history exactly: HISTORY_RETAINED events, nearly all of
    // about 3 KiB, several times the byte bound.
    const retained = Number(env.HISTORY_RETAINED);
    const posts = retained - writers.length;
    for (let i = 0; i < posts; i++) await sayOk(nth(writers, i), `${i} ${text}`);
    const { reader } = await openStream(room, { lastEventId: 0 });
    const replay = await reader.chatUntil((data) => data.msg.startsWith(`${posts - 1} `), 5000);
    expect(replay.map((event) => event.id)).toEqual(Array.from({ length: retained }, (_, i) => i + 1));
    // The replay hands the reader over to the broadcast once it finds the reader waiting on an
    // empty stream; waiting for heartbeats is such a wait.
    await heartbeatsUntil(reader, async () => (await stub.stats()).catchingUp === 0, "the reader never caught up");
    expect(await stub.stats()).toMatchObject({ subscribers: 1, catchingUp: 0 });
    const live = await sayOk(nth(writers, 0), "live again");
    expect(await reader.nextChat()).toMatchObject({ id: live });
    await reader.cancel();
  });
});
