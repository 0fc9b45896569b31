import { describe, expect, it } from "vitest";
import type { HistoryPager, StreamOwner } from "../src/streams/subscriber-stream";
import { Subscribers } from "../src/streams/subscribers";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const anonymous = { token: undefined, pendingToken: undefined };
const greeting = encoder.encode(": hello\n\n");

/** A history of `count` events of `size` bytes each, served `perPage` at a time. */
function history(count: number, size: number, perPage: number): HistoryPager {
  return (afterId) => {
    if (afterId >= count) return undefined;
    const ids = Array.from({ length: Math.min(perPage, count - afterId) }, (_, i) => afterId + i + 1);
    const frames = ids.map((id) => `id: ${id}\ndata: ${"x".repeat(size - 14)}\n\n`).join("");
    return { frames: encoder.encode(frames), lastId: ids.at(-1) ?? afterId };
  };
}

const noHistory = history(0, 0, 1);
const ROOM_BUDGET = 1 << 20;
// Longer than any test: these tests send heartbeats themselves, with touchAll.
const HEARTBEAT_MS = 3_600_000;
const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

/** Reads until `until` has arrived, returning all the text read. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, until: string): Promise<string> {
  let text = "";
  while (!text.includes(until)) {
    const { done, value } = await reader.read();
    if (done) throw new Error("stream ended");
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

/** Opens a stream and reads its greeting; a read left waiting lets it go live. */
async function openLive(subscribers: Subscribers, owner: StreamOwner = anonymous) {
  const reader = subscribers.open(greeting, 0, owner).getReader();
  await readUntil(reader, "hello");
  const next = reader.read();
  await tick();
  return { reader, next };
}

describe("subscribers", () => {
  it("replay a history a page at a time, only as the reader takes it", async () => {
    const subscribers = new Subscribers(1000, ROOM_BUDGET, HEARTBEAT_MS, history(50, 100, 5), () => undefined);
    const reader = subscribers.open(greeting, 0, anonymous).getReader();
    await tick();
    // Nothing has been read: the replay waits, with no more than the greeting queued.
    expect(subscribers.catchingUp).toBe(1);
    expect(subscribers.queuedBytes()).toBe(greeting.byteLength);

    const text = await readUntil(reader, "id: 50\n");
    expect([...text.matchAll(/^id: (\d+)$/gm)].map((match) => Number(match[1]))).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    const next = reader.read();
    await tick();
    expect(subscribers.catchingUp).toBe(0);
    subscribers.broadcast(encoder.encode("data: live\n\n"));
    expect(decoder.decode((await next).value)).toBe("data: live\n\n");
    await reader.cancel();
  });

  it("send a frame at once to a reader that is waiting", async () => {
    const subscribers = new Subscribers(1000, ROOM_BUDGET, HEARTBEAT_MS, noHistory, () => undefined);
    const { reader, next } = await openLive(subscribers);
    subscribers.broadcast(encoder.encode("data: one\n\n"));
    expect(decoder.decode((await next).value)).toBe("data: one\n\n");
    await reader.cancel();
  });

  it("coalesce the frames for a busy reader into one chunk, in order", async () => {
    const subscribers = new Subscribers(10_000, ROOM_BUDGET, HEARTBEAT_MS, noHistory, () => undefined);
    const { reader, next } = await openLive(subscribers);
    subscribers.broadcast(encoder.encode("data: 1\n\n")); // taken by the waiting read
    subscribers.broadcast(encoder.encode("data: 2\n\n")); // queued
    for (let i = 3; i <= 6; i++) subscribers.broadcast(encoder.encode(`data: ${i}\n\n`)); // held back
    expect(subscribers.queuedBytes()).toBe(9 * 5);
    expect(decoder.decode((await next).value)).toBe("data: 1\n\n");
    expect(decoder.decode((await reader.read()).value)).toBe("data: 2\n\n");
    expect(decoder.decode((await reader.read()).value)).toBe("data: 3\n\ndata: 4\n\ndata: 5\n\ndata: 6\n\n");
    expect(subscribers.queuedBytes()).toBe(0);
    await reader.cancel();
  });

  it("do not cut off a reader that is slowly taking its replay when a heartbeat comes", async () => {
    const subscribers = new Subscribers(100, ROOM_BUDGET, HEARTBEAT_MS, history(50, 100, 5), () => undefined);
    const stream = subscribers.open(greeting, 0, anonymous);
    await tick();
    subscribers.touchAll(encoder.encode(`: ${"x".repeat(200)}\n\n`));
    expect(subscribers.size).toBe(1);
    await stream.cancel();
  });

  it("cut off a reader whose backlog passes the bound, and tell who it was", async () => {
    const removed: StreamOwner[] = [];
    const subscribers = new Subscribers(1000, ROOM_BUDGET, HEARTBEAT_MS, noHistory, (subscriber) =>
      removed.push(subscriber),
    );
    const { reader, next } = await openLive(subscribers, { token: "t", pendingToken: undefined });
    subscribers.broadcast(encoder.encode("x".repeat(100))); // taken by the waiting read
    for (let i = 0; i < 10; i++) subscribers.broadcast(encoder.encode("x".repeat(100)));
    expect(subscribers.size).toBe(1);
    subscribers.broadcast(encoder.encode("x"));
    expect(subscribers.size).toBe(0);
    expect(removed.map((subscriber) => subscriber.token)).toEqual(["t"]);
    expect(subscribers.countOwnedBy("t")).toBe(0);
    await next;
    await expect(reader.read()).rejects.toThrow("fell too far behind");
  });

  it("cut off the reader that would take the room past its budget, and only that one", async () => {
    const subscribers = new Subscribers(1000, 1500, HEARTBEAT_MS, noHistory, () => undefined);
    const a = await openLive(subscribers);
    const b = await openLive(subscribers);
    subscribers.broadcast(encoder.encode("x".repeat(100))); // taken by both waiting reads
    subscribers.broadcast(encoder.encode("x".repeat(100))); // queued for both
    for (let i = 0; i < 7; i++) subscribers.broadcast(encoder.encode("x".repeat(100))); // 1,400 held
    expect(subscribers.size).toBe(2);
    subscribers.broadcast(encoder.encode("x".repeat(100)));
    // A's frame fits (1,500 held); B's would not, so B goes and its bytes are released.
    expect(subscribers.size).toBe(1);
    expect(subscribers.queuedBytes()).toBe(100 + 800);
    await Promise.all([a.next, b.next]);
    await Promise.all([a.reader.cancel(), b.reader.cancel().catch(() => undefined)]);
  });

  it("drop a stream whose reader has gone", async () => {
    const subscribers = new Subscribers(1000, ROOM_BUDGET, HEARTBEAT_MS, noHistory, () => undefined);
    const { reader } = await openLive(subscribers);
    await reader.cancel();
    subscribers.touchAll(encoder.encode(": ping\n\n"));
    expect(subscribers.size).toBe(0);
  });

  it("hand anonymous streams to the session that adopts their pending token", async () => {
    const subscribers = new Subscribers(1000, ROOM_BUDGET, HEARTBEAT_MS, noHistory, () => undefined);
    const streams = [1, 2].map(() => subscribers.open(greeting, 0, { token: undefined, pendingToken: "p" }));
    expect(subscribers.adopt("p", "session")).toBe(2);
    expect(subscribers.countOwnedBy("session")).toBe(2);
    // Adopted streams no longer hold the pending token.
    expect(subscribers.adopt("p", "other")).toBe(0);
    subscribers.disown("session");
    expect(subscribers.countOwnedBy("session")).toBe(0);
    await Promise.all(streams.map((stream) => stream.cancel()));
  });
});
