import { describe, expect, it } from "vitest";
import { type HistoryPager, type Subscriber, Subscribers } from "../src/subscribers";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const anonymous = { token: undefined, pendingToken: undefined };

/** A history of `count` events of `size` bytes each, served `perPage` at a time. */
function history(count: number, size: number, perPage: number): HistoryPager {
  return (afterId) => {
    if (afterId >= count) return undefined;
    const ids = Array.from({ length: Math.min(perPage, count - afterId) }, (_, i) => afterId + i + 1);
    const frames = ids.map((id) => `id: ${id}\ndata: ${"x".repeat(size - 14)}\n\n`).join("");
    return { frames: encoder.encode(frames), lastId: ids.at(-1) ?? afterId };
  };
}

async function readAll(reader: ReadableStreamDefaultReader<Uint8Array>, until: string): Promise<string> {
  let text = "";
  while (!text.includes(until)) {
    const { done, value } = await reader.read();
    if (done) throw new Error("stream ended");
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

describe("subscribers", () => {
  it("replay a history a page at a time, as fast as the reader takes it", async () => {
    const subscribers = new Subscribers(1000, history(50, 100, 5), () => undefined);
    const stream = subscribers.open(encoder.encode(": hello\n\n"), 0, anonymous);
    await tick();
    // Nothing has been read: the replay waits, holding no more than the bound and one page.
    expect(subscribers.catchingUp).toBe(1);
    expect(subscribers.queuedBytes()).toBeLessThanOrEqual(1000 + 500 + 9);
    expect(subscribers.queuedBytes()).toBeGreaterThan(0);

    const reader = stream.getReader();
    const text = await readAll(reader, "id: 50\n");
    expect([...text.matchAll(/^id: (\d+)$/gm)].map((match) => Number(match[1]))).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    await tick();
    expect(subscribers.catchingUp).toBe(0);
    await reader.cancel();
  });

  it("do not cut off a reader that is slowly taking its replay when a heartbeat comes", async () => {
    const subscribers = new Subscribers(1000, history(50, 100, 5), () => undefined);
    const stream = subscribers.open(encoder.encode(""), 0, anonymous);
    await tick();
    subscribers.touchAll(encoder.encode(`: ${"x".repeat(200)}\n\n`));
    expect(subscribers.size).toBe(1);
    await stream.cancel();
  });

  it("broadcast only to streams that have caught up", async () => {
    const subscribers = new Subscribers(1000, history(0, 0, 1), () => undefined);
    const reader = subscribers.open(encoder.encode(""), 0, anonymous).getReader();
    await tick();
    subscribers.broadcast(encoder.encode("data: live\n\n"));
    expect(await readAll(reader, "data: live")).toBe("data: live\n\n");
    await reader.cancel();
  });

  it("cut off a reader whose queue passes the bound, and tell who it was", async () => {
    const removed: Subscriber[] = [];
    const subscribers = new Subscribers(1000, history(0, 0, 1), (subscriber) => removed.push(subscriber));
    const stream = subscribers.open(encoder.encode(""), 0, { token: "t", pendingToken: undefined });
    await tick();
    for (let i = 0; i < 9; i++) subscribers.broadcast(encoder.encode("x".repeat(100)));
    expect(subscribers.size).toBe(1);
    subscribers.broadcast(encoder.encode("x".repeat(101)));
    expect(subscribers.size).toBe(0);
    expect(removed.map((subscriber) => subscriber.token)).toEqual(["t"]);
    expect(subscribers.countOwnedBy("t")).toBe(0);
    await expect(stream.getReader().read()).rejects.toThrow("fell too far behind");
  });

  it("drop a stream whose reader has gone", async () => {
    const subscribers = new Subscribers(1000, history(0, 0, 1), () => undefined);
    const stream = subscribers.open(encoder.encode(""), 0, anonymous);
    await tick();
    await stream.cancel();
    subscribers.touchAll(encoder.encode(": ping\n\n"));
    expect(subscribers.size).toBe(0);
  });

  it("hand anonymous streams to the session that adopts their pending token", async () => {
    const subscribers = new Subscribers(1000, history(0, 0, 1), () => undefined);
    const streams = [1, 2].map(() => subscribers.open(encoder.encode(""), 0, { token: undefined, pendingToken: "p" }));
    expect(subscribers.holdsPending("p")).toBe(true);
    expect(subscribers.adopt("p")).toBe(2);
    expect(subscribers.countOwnedBy("p")).toBe(2);
    expect(subscribers.holdsPending("p")).toBe(false);
    subscribers.disown("p");
    expect(subscribers.countOwnedBy("p")).toBe(0);
    await Promise.all(streams.map((stream) => stream.cancel()));
  });
});
