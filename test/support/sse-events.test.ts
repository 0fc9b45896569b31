import { describe, expect, it } from "vitest";
import { type SseEvent, SseEventParser } from "./sse-events";
import { EventStreamReader, TimeoutError } from "./sse-reader";

/** Every event in `text`, fed in pieces of `size` characters, and the parser afterwards. */
function parse(text: string, size = text.length): { events: SseEvent[]; parser: SseEventParser } {
  const events: SseEvent[] = [];
  const parser = new SseEventParser((event) => events.push(event));
  for (let i = 0; i < text.length; i += size) parser.feed(text.slice(i, i + size));
  return { events, parser };
}

describe("the tests' and the benchmark's SSE reader", () => {
  it("dispatches an event without a type, or with an empty one, as a message", () => {
    expect(parse("data: a\n\nevent:\ndata: b\n\nevent: presence\ndata: c\n\n").events).toEqual([
      { event: "message", data: "a", id: undefined },
      { event: "message", data: "b", id: undefined },
      { event: "presence", data: "c", id: undefined },
    ]);
  });

  it("carries the last event id over to later events, as EventSource does", () => {
    const { events, parser } = parse("id: 7\ndata: a\n\ndata: b\n\nid: 8\n\ndata: c\n\nid\ndata: d\n\n");
    expect(events.map((event) => event.id)).toEqual(["7", "7", "8", ""]);
    expect(parser.lastEventId).toBe("");
  });

  it("ignores an id that contains NUL", () => {
    expect(parse("id: 1\ndata: a\n\nid: 2\0\ndata: b\n\n").events.map((event) => event.id)).toEqual(["1", "1"]);
  });

  it("reads LF, CR and CRLF line endings, mixed, in pieces of any size", () => {
    const text = "retry: 500\r\n: hi\rid: 3\r\ndata: one\rdata: two\n\r\ndata: three\r\rdata: four\n\n";
    for (const size of [1, 2, 3, text.length]) {
      const { events, parser } = parse(text, size);
      expect(events, `pieces of ${size}`).toEqual([
        { event: "message", data: "one\ntwo", id: "3" },
        { event: "message", data: "three", id: "3" },
        { event: "message", data: "four", id: "3" },
      ]);
      expect(parser.retry).toBe(500);
      expect(parser.comments).toBe(1);
    }
  });

  it("does not dispatch a block without data, nor one the stream never finished", () => {
    expect(parse("retry: 2000\n\nevent: x\n\n: heartbeat\n\ndata: cut off").events).toEqual([]);
  });

  it("keeps one leading space of a value and no more, and a field without colon is empty", () => {
    expect(parse("data:a\ndata:  b\ndata\n\n").events[0]?.data).toBe("a\n b\n");
  });

  it("waits for events with a timeout, keeping raw text, comments and retry", async () => {
    const frames = ["retry: 2000\n\n: heartbeat\n\n", 'event: presence\nid: 4\ndata: {"users":[]}\n\n'];
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const frame of frames) controller.enqueue(new TextEncoder().encode(frame));
      },
    });
    const reader = new EventStreamReader(new Response(body));
    expect(await reader.next()).toEqual({ event: "presence", data: '{"users":[]}', id: "4" });
    expect(reader.raw).toBe(frames.join(""));
    expect([reader.comments, reader.retry, reader.lastEventId]).toEqual([1, 2000, "4"]);
    await expect(reader.next(50)).rejects.toBeInstanceOf(TimeoutError);
    await reader.cancel();
  });
});
