import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ChatRoom } from "../src/room/chat-room";
import { freshRoom, roomPath } from "./support/rooms";
import { nth } from "./support/round-robin";
import { sleep } from "./support/sleep";
import { EventStreamReader } from "./support/sse-reader";
import { call, joinAs, openStream, sayOk } from "./support/workers/self-client";

describe("resuming with Last-Event-ID", () => {
  it("replays exactly the events after the id, then continues live, while messages keep arriving", async () => {
    const room = freshRoom();
    const writers = await Promise.all(["w1", "w2", "w3", "w4"].map((name) => joinAs(room, name)));
    const away = await joinAs(room, "away");
    const acknowledged: number[] = [];
    let posting = true;
    // Four writers post throughout, each a little slower than the rate limit's steady pace: its
    // bucket refills in real time, so they wait between posts.
    const paceMs = (1.1 * 1000) / Number(env.RATE_PER_SECOND);
    const publishers = writers.map(async (writer, n) => {
      for (let i = 0; posting; i++) {
        acknowledged.push(await sayOk(writer, `${n}:${i}`));
        await sleep(paceMs);
      }
    });

    const first = await openStream(room);
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) seen.push((await first.reader.nextChat()).id);
    await first.reader.cancel();
    // Messages arrive while nobody reads.
    const missed = [await sayOk(away, "while away"), await sayOk(away, "still away")];

    const second = await openStream(room, { lastEventId: seen.at(-1) });
    const replay = await second.reader.chatUntil((_, id) => id === missed.at(-1));
    seen.push(...replay.map((event) => event.id));
    for (let i = 0; i < 6; i++) seen.push((await second.reader.nextChat()).id);
    posting = false;
    await Promise.all(publishers);
    await second.reader.cancel();

    const replayed = seen.slice(6);
    expect(replayed[0]).toBe((seen[5] ?? 0) + 1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBe((seen[i - 1] ?? 0) + 1);
    for (const id of missed) expect(replayed).toContain(id);
    expect(
      acknowledged.filter((id) => id <= (seen.at(-1) ?? 0)).every((id) => seen.includes(id) || id < (seen[0] ?? 0)),
    ).toBe(true);
  });

  it("gives a new stream its position first, so a reader cut off before any message misses nothing", async () => {
    const room = freshRoom();
    const alice = await joinAs(room, "alice");
    // More messages than HISTORY_ON_CONNECT, so a new reader starts partway through them.
    const onConnect = Number(env.HISTORY_ON_CONNECT);
    const people = await Promise.all(Array.from({ length: onConnect + 4 }, (_, i) => joinAs(room, `p${i}`)));
    for (const person of people) await sayOk(person, "hello");
    const latest = await sayOk(alice, "before");

    const first = await openStream(room);
    const greeting = await first.reader.next();
    expect(greeting).toMatchObject({ event: "presence", id: String(latest - onConnect) });
    await first.reader.cancel(); // cut off before a single chat event arrived

    await sayOk(alice, "while away");
    const last = await sayOk(alice, "also");
    const second = await openStream(room, { lastEventId: Number(greeting.id) });
    const replay = await second.reader.chatUntil((data) => data.msg === "also");
    // The history it would have been sent, then the two it missed.
    const expected = Array.from({ length: onConnect + 2 }, (_, i) => latest - onConnect + 1 + i);
    expect(replay.map((event) => event.id)).toEqual(expected);
    expect(expected.at(-1)).toBe(last);
    await second.reader.cancel();
  });

  it("takes the id from a lastEventId query parameter on a first connect", async () => {
    const room = freshRoom();
    const alice = await joinAs(room, "alice");
    const ids = [await sayOk(alice, "one"), await sayOk(alice, "two"), await sayOk(alice, "three")];
    const response = await call(`${roomPath(room)}/stream?lastEventId=${ids[0]}`);
    const reader = new EventStreamReader(response);
    const replay = await reader.chatUntil((data) => data.msg === "three");
    expect(replay.map((event) => event.data.msg)).toEqual(["two", "three"]);
    await reader.cancel();
  });

  it("sends nothing old when the client is up to date", async () => {
    const room = freshRoom();
    const alice = await joinAs(room, "alice");
    const last = await sayOk(alice, "seen already");
    const { reader } = await openStream(room, { lastEventId: last });
    const next = await sayOk(alice, "fresh");
    expect(await reader.nextChat()).toMatchObject({ id: next, data: { msg: "fresh" } });
    await reader.cancel();
  });

  it("says so before the replay when the id is older than what is retained", async () => {
    const room = freshRoom();
    const people = await Promise.all(
      ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"].map((name) => joinAs(room, name)),
    );
    const retained = Number(env.HISTORY_RETAINED);
    let last = 0;
    for (let i = 0; i < retained; i++) last = await sayOk(nth(people, i), `m${i}`);
    const { reader } = await openStream(room, { lastEventId: 1 });
    let event = await reader.next();
    while (event.event === "presence") event = await reader.next();
    expect(event.event).toBe("gap");
    const gap = JSON.parse(event.data) as { lastEventId: number; oldestId: number; latestId: number };
    expect(gap).toEqual({ lastEventId: 1, oldestId: last - retained + 1, latestId: last });
    const replay = await reader.chatUntil((data) => data.msg === `m${retained - 1}`);
    expect(replay).toHaveLength(retained);
    expect(replay[0]?.id).toBe(last - retained + 1);
    await reader.cancel();
  });

  it("says so when the id is newer than anything this room has sent", async () => {
    const room = freshRoom();
    await joinAs(room, "alice");
    const { reader } = await openStream(room, { lastEventId: 999 });
    let event = await reader.next();
    while (event.event === "presence") event = await reader.next();
    expect(event.event).toBe("gap");
    expect(await reader.nextChat()).toMatchObject({ data: { msg: "add user : alice" } });
    await reader.cancel();
  });
});

describe("event ids", () => {
  it("keep increasing across an eviction of the room", async () => {
    const room = freshRoom();
    const alice = await joinAs(room, "alice");
    const before = [await sayOk(alice, "a"), await sayOk(alice, "b")];
    const stub = env.CHAT_ROOM.getByName(room);
    await evictDurableObject(stub);
    const after = [await sayOk(alice, "c"), await sayOk(alice, "d")];
    const ids = [...before, ...after];
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1] ?? 0);
    // The session survived the eviction too: alice could post without joining again.
    const { reader } = await openStream(room, { lastEventId: before[1] });
    expect((await reader.chatUntil((data) => data.msg === "d")).map((event) => event.data.msg)).toEqual(["c", "d"]);
    await reader.cancel();
  });

  it("never reuse an id after retention has deleted every older event", async () => {
    const room = freshRoom();
    const stub = env.CHAT_ROOM.getByName(room);
    const alice = await joinAs(room, "alice");
    const first = await sayOk(alice, "x");
    await runInDurableObject(stub, (_: ChatRoom, state) => {
      state.storage.sql.exec("DELETE FROM events");
    });
    await evictDurableObject(stub);
    expect(await sayOk(alice, "y")).toBeGreaterThan(first);
  });

  it("let a client cut off by an eviction resume without a gap", async () => {
    const room = freshRoom();
    const alice = await joinAs(room, "alice");
    const { reader } = await openStream(room);
    const seen = await reader.chatUntil((data) => data.msg === "add user : alice");
    // A restart cuts every stream; evictDurableObject waits for open streams, so drop it first.
    await reader.cancel();
    await evictDurableObject(env.CHAT_ROOM.getByName(room));
    const missed = await sayOk(alice, "while away");
    const again = await openStream(room, { lastEventId: seen.at(-1)?.id });
    expect(await again.reader.nextChat()).toMatchObject({ id: missed, data: { msg: "while away" } });
    await again.reader.cancel();
  });
});

describe("a slow replay", () => {
  it("says so when events it had still to send were deleted by retention meanwhile", async () => {
    const room = freshRoom();
    const writers = await Promise.all(Array.from({ length: 30 }, (_, i) => joinAs(room, `w${i}`)));
    const text = "가".repeat(990);
    for (let i = 0; i < 88; i++) await sayOk(nth(writers, i), `old ${i} ${text}`);
    // The reader asks for everything and then reads nothing while HISTORY_RETAINED more events
    // push out the whole history it has not been sent yet.
    const { reader } = await openStream(room, { lastEventId: 0 });
    await reader.next();
    const retained = Number(env.HISTORY_RETAINED);
    for (let i = 0; i < retained; i++) await sayOk(nth(writers, i), `new ${i}`);
    const seen: string[] = [];
    for (;;) {
      const event = await reader.next(5000);
      if (event.event === "limits" || event.event === "settings") continue;
      const msg = event.event === "gap" ? "gap" : (JSON.parse(event.data) as { msg: string }).msg;
      seen.push(msg.slice(0, 7));
      if (msg === `new ${retained - 1}`) break;
    }
    // The first gap says the early history is gone; the second comes mid-replay, where the
    // events the reader had still to be sent were deleted.
    expect(seen[0]).toBe("gap");
    const gap = seen.lastIndexOf("gap");
    expect(gap).toBeGreaterThan(1);
    expect(seen.slice(1, gap).every((msg) => msg.startsWith("old ") || msg.startsWith("add"))).toBe(true);
    expect(seen.slice(gap + 1).every((msg) => msg.startsWith("new "))).toBe(true);
    await reader.cancel();
  }, 20_000);
});
