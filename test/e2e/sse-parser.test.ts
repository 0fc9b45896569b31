import { createParser } from "eventsource-parser";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type SseEvent, SseParser } from "../../public/connection/sse-parser.js";

/** Runs the page's parser over `chunks`. */
function parseWithPage(chunks: string[]): { events: SseEvent[]; retries: number[] } {
  const events: SseEvent[] = [];
  const retries: number[] = [];
  const parser = new SseParser(
    (event) => events.push(event),
    (ms) => retries.push(ms),
  );
  for (const chunk of chunks) parser.feed(chunk);
  return { events, retries };
}

/** Runs eventsource-parser, the parser the `eventsource` client uses, over the same text. */
function parseWithReference(text: string): {
  events: { type: string; data: string; id?: string }[];
  retries: number[];
} {
  const events: { type: string; data: string; id?: string }[] = [];
  const retries: number[] = [];
  const parser = createParser({
    onEvent: (event) => events.push({ type: event.event ?? "message", data: event.data, id: event.id }),
    onRetry: (ms) => retries.push(ms),
  });
  parser.feed(text);
  return { events, retries };
}

describe("the page's SSE parser", () => {
  it("reads events as the standard says: types, multi-line data, ids carried over, comments", () => {
    const { events, retries } = parseWithPage([
      "retry: 2000\n\n: a comment\n\nevent: presence\nid: 7\ndata: {}\n\n",
      "data: one\ndata: two\n\nevent:\ndata: empty type\n\nid\ndata: reset\n\n",
    ]);
    expect(retries).toEqual([2000]);
    expect(events).toEqual([
      { type: "presence", data: "{}", id: "7", lastEventId: "7" },
      { type: "message", data: "one\ntwo", id: undefined, lastEventId: "7" },
      { type: "message", data: "empty type", id: undefined, lastEventId: "7" },
      { type: "message", data: "reset", id: "", lastEventId: "" },
    ]);
  });

  it("takes CR, LF and CRLF alike, split anywhere, a CRLF across two pieces included", () => {
    const { events } = parseWithPage(["id: 1\r", "", "\ndata: a\r\r", "id: 2\ndata: b\r", "\n\r", "\n"]);
    expect(events.map(({ id, data }) => ({ id, data }))).toEqual([
      { id: "1", data: "a" },
      { id: "2", data: "b" },
    ]);
  });

  it("agrees with eventsource-parser on any stream, cut into any pieces", () => {
    const line = fc.oneof(
      fc.constantFrom("", ":", ": hi", "data", "data:", "event:", "id:", "retry: 10", "retry: x"),
      fc
        .tuple(fc.constantFrom("data", "event", "id", "retry", "other"), fc.constantFrom(":", ": "), fc.string())
        .map(([field, colon, value]) => `${field}${colon}${value.replace(/[\r\n]/g, "")}`),
    );
    const stream = fc
      .array(fc.tuple(line, fc.constantFrom("\n", "\r", "\r\n")), { maxLength: 30 })
      .map((lines) => lines.map(([text, end]) => text + end).join(""));
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 8 }), (text, cuts) => {
        // Cut points may repeat: a read can deliver nothing.
        const points = cuts.map((cut) => cut % (text.length + 1)).sort((a, b) => a - b);
        const chunks = [0, ...points].map((from, i) => text.slice(from, [...points, text.length][i]));
        const page = parseWithPage(chunks);
        const reference = parseWithReference(text);
        expect(page.retries).toEqual(reference.retries);
        expect(page.events.map(({ type, data, id }) => ({ type, data, id }))).toEqual(
          reference.events.map(({ type, data, id }) => ({ type, data, id })),
        );
      }),
      { numRuns: 500 },
    );
  });
});
