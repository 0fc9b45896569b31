import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { freshRoom, roomPath } from "./support/rooms";
import { nth } from "./support/round-robin";
import { call, joinAs, openStream, sayOk } from "./support/workers/self-client";

describe("the event stream", () => {
  it("is an uncompressed, uncached text/event-stream", async () => {
    const { response, reader } = await openStream(freshRoom());
    expect(response.headers.get("Content-Type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("Cache-Control")).toContain("no-cache");
    expect(response.headers.get("Content-Encoding")).toBe("identity");
    await reader.cancel();
  });

  it("starts with a retry field and the list of who is online", async () => {
    const room = freshRoom();
    await joinAs(room, "alice");
    const { reader } = await openStream(room);
    const presence = await reader.next();
    const delay = Number(env.RECONNECT_DELAY_MS);
    expect(reader.raw.startsWith(`retry: ${delay}\n\n`)).toBe(true);
    expect(reader.retry).toBe(delay);
    expect(presence.event).toBe("presence");
    const latestId = (await env.CHAT_ROOM.getByName(room).stats()).lastEventId;
    expect(JSON.parse(presence.data)).toEqual({ users: [{ name: "alice" }], latestId });
    await reader.cancel();
  });

  it("tells the page the room's limits, as configured, in an event with no id", async () => {
    const { reader } = await openStream(freshRoom());
    let event = await reader.next();
    while (event.event !== "limits") event = await reader.next();
    // Sent without an id field, it leaves the reader's Last-Event-ID as it was.
    const frame = reader.raw.split("\n\n").find((block) => block.startsWith("event: limits\n"));
    expect(frame?.split("\n").some((line) => line.startsWith("id:"))).toBe(false);
    expect(JSON.parse(event.data)).toEqual({
      nameMaxLength: Number(env.NAME_MAX_LENGTH),
      messageMaxLength: Number(env.MESSAGE_MAX_LENGTH),
      typingIntervalMs: Number(env.TYPING_INTERVAL_SECONDS) * 1000,
      heartbeatMs: Number(env.HEARTBEAT_SECONDS) * 1000,
      editWindowMs: Number(env.EDIT_WINDOW_SECONDS) * 1000,
      reactionEmoji: ["👍", "❤️", "😂", "🎉", "😮", "😢"],
      reactionsPerMessage: Number(env.REACTIONS_PER_MESSAGE),
    });
    await reader.cancel();
  });

  it("sends every chat event as a default-type message with an id and one line of JSON", async () => {
    const room = freshRoom();
    const { reader } = await openStream(room);
    const alice = await joinAs(room, "alice");
    await sayOk(alice, "line one\nline two");
    await reader.chatUntil((data) => data.kind === "message");
    const frames = reader.raw.split("\n\n").filter((frame) => frame.includes('"kind"'));
    expect(frames).toHaveLength(2);
    for (const frame of frames) {
      const lines = frame.split("\n");
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^id: \d+$/);
      expect(lines[1]).toMatch(/^data: \{.*\}$/);
    }
    expect(JSON.parse(frames[1]?.split("\n")[1]?.slice(6) ?? "")).toMatchObject({
      name: "alice",
      msg: "line one\nline two",
      kind: "message",
      user: "alice",
    });
    await reader.cancel();
  });

  it("delivers each message to every subscriber with the same id", async () => {
    const room = freshRoom();
    const readers = await Promise.all([1, 2, 3].map(() => openStream(room)));
    const alice = await joinAs(room, "alice");
    const id = await sayOk(alice, "to all");
    for (const { reader } of readers) {
      const events = await reader.chatUntil((data) => data.msg === "to all");
      expect(events.at(-1)?.id).toBe(id);
      await reader.cancel();
    }
  });

  it("stamps events with the server's time", async () => {
    const room = freshRoom();
    const { reader } = await openStream(room);
    const before = Date.now();
    await joinAs(room, "alice");
    const { data } = await reader.nextChat();
    expect(data.at).toBeGreaterThanOrEqual(before);
    expect(data.at).toBeLessThanOrEqual(Date.now());
    await reader.cancel();
  });

  it("sends heartbeat comments while the stream is idle", async () => {
    const { reader } = await openStream(freshRoom());
    await reader.commentsAtLeast(2, 3000);
    expect(reader.raw).toContain(": heartbeat\n\n");
    await reader.cancel();
  });

  it("keeps rooms apart", async () => {
    const here = freshRoom();
    const there = freshRoom();
    const { reader } = await openStream(here);
    await sayOk(await joinAs(there, "elsewhere"), "not for you");
    await sayOk(await joinAs(here, "local"), "for you");
    const events = await reader.chatUntil((data) => data.msg === "for you");
    expect(events.map((event) => event.data.user)).not.toContain("elsewhere");
    await reader.cancel();
  });
});

describe("history", () => {
  it("sends a new subscriber the recent history, oldest first, then live events", async () => {
    const room = freshRoom();
    const alice = await joinAs(room, "alice");
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push(await sayOk(alice, `old ${i}`));
    const { reader } = await openStream(room);
    const history = await reader.chatUntil((data) => data.msg === "old 4");
    expect(history.map((event) => event.data.msg)).toEqual([
      "add user : alice",
      "old 0",
      "old 1",
      "old 2",
      "old 3",
      "old 4",
    ]);
    expect(history.slice(1).map((event) => event.id)).toEqual(ids);
    const live = await sayOk(alice, "new");
    expect(await reader.nextChat()).toMatchObject({ id: live, data: { msg: "new" } });
    await reader.cancel();
  });

  it("limits the history a new subscriber gets to HISTORY_ON_CONNECT events", async () => {
    const room = freshRoom();
    const onConnect = Number(env.HISTORY_ON_CONNECT);
    const people = await Promise.all(["a", "b", "c"].map((name) => joinAs(room, name)));
    let last = 0;
    const posts = onConnect + 4;
    for (let i = 0; i < posts; i++) last = await sayOk(nth(people, i), `m${i}`);
    const { reader } = await openStream(room);
    const history = await reader.chatUntil((data) => data.msg === `m${posts - 1}`);
    expect(history).toHaveLength(onConnect);
    expect(history[0]?.id).toBe(last - onConnect + 1);
    await reader.cancel();
  });

  it("serves the same API under the room's prefix", async () => {
    const room = freshRoom();
    const response = await call(`${roomPath(room)}/users`);
    expect(await response.json()).toEqual([]);
  });
});
