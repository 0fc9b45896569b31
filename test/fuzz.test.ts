import { env, SELF } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FailureError } from "../src/common/result";
import { parseDisplayName, parseMessageText } from "../src/common/validate";
import { encodeMessage } from "../src/streams/sse";
import { readFields } from "../src/worker/request-body";
import { freshRoom } from "./support/rooms";
import { EventStreamReader } from "./support/sse-reader";
import { ORIGIN } from "./support/workers/self-client";

/** Any string, lone surrogates and control characters included. */
const anyText = fc.string({ unit: "binary", maxLength: 300 });
const lineFree = anyText.filter((text) => !/[\r\n]/.test(text));

async function parseBack(frame: string) {
  const reader = new EventStreamReader(new Response(frame));
  return reader.next(500);
}

/** Whether `run` either succeeds or refuses with a FailureError, never anything else. */
async function refusesCleanly(run: () => unknown): Promise<boolean> {
  try {
    await run();
    return true;
  } catch (error) {
    return error instanceof FailureError;
  }
}

describe("fuzzing", () => {
  it("the SSE encoder: any data, event and id come back out of a parser as they went in", async () => {
    await fc.assert(
      fc.asyncProperty(
        anyText,
        fc.option(lineFree, { nil: undefined }),
        fc.option(lineFree, { nil: undefined }),
        async (data, event, id) => {
          const parsed = await parseBack(encodeMessage({ data, event, id }));
          expect(parsed.data).toBe(data.replace(/\r\n|\r/g, "\n"));
          expect(parsed.event).toBe(event === undefined || event === "" ? "message" : event);
          if (id !== undefined && !id.includes("\0")) expect(parsed.id).toBe(id);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("the SSE encoder: a line break in event or id is refused, never written", () => {
    fc.assert(
      fc.property(anyText, anyText, fc.constantFrom("\n", "\r", "\r\n"), (before, after, lineBreak) => {
        expect(() => encodeMessage({ data: "x", event: before + lineBreak + after })).toThrow(TypeError);
        expect(() => encodeMessage({ data: "x", id: before + lineBreak + after })).toThrow(TypeError);
      }),
      { numRuns: 200 },
    );
  });

  it("the name and message parsers: return clean text within bounds, or refuse", () => {
    fc.assert(
      fc.property(anyText, (raw) => {
        for (const [parse, max] of [
          [parseDisplayName, Number(env.NAME_MAX_LENGTH)],
          [parseMessageText, Number(env.MESSAGE_MAX_LENGTH)],
        ] as const) {
          try {
            const text = parse(raw, max);
            expect(text.isWellFormed()).toBe(true);
            expect([...text].length).toBeGreaterThan(0);
            expect([...text].length).toBeLessThanOrEqual(max);
            expect(/[^\P{Cc}\t\n]|[\u202A-\u202E\u2066-\u2069]/u.test(text)).toBe(false);
          } catch (error) {
            expect(error).toBeInstanceOf(FailureError);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("the body reader: any bytes under any content type give fields or a clear refusal", async () => {
    const contentType = fc.constantFrom(
      "application/json",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=b",
      "text/plain",
      "",
      "application/json; charset=latin1",
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), contentType, async (body, type) => {
        const request = new Request("https://chat.test/users", {
          method: "POST",
          headers: type ? { "Content-Type": type } : {},
          body,
        });
        expect(await refusesCleanly(() => readFields(request))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("the Worker: no request makes it fail with a 5xx", async () => {
    const room = freshRoom("fuzz");
    const path = fc.oneof(
      fc.constantFrom(
        "/users",
        "/users/",
        "/messages",
        "/stream",
        `/r/${room}/users`,
        `/r/${room}/messages`,
        `/r/${room}`,
      ),
      fc.webPath(),
      fc.string({ maxLength: 40 }).map((text) => `/r/${encodeURIComponent(text)}/users`),
    );
    const request = fc.record({
      method: fc.constantFrom("GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS"),
      path,
      type: fc.constantFrom("application/json", "application/x-www-form-urlencoded", "text/plain", ""),
      body: fc.oneof(fc.json(), fc.string({ maxLength: 200 }), fc.constant('{"name":"a","msg":"b"}')),
      token: fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
      lastEventId: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ method, path, type, body, token, lastEventId }) => {
        const headers = new Headers();
        if (type) headers.set("Content-Type", type);
        if (token !== undefined) headers.set("Authorization", `Bearer ${token.replace(/[^\x20-\x7e]/g, "")}`);
        if (lastEventId !== undefined) headers.set("Last-Event-ID", lastEventId.replace(/[^\x20-\x7e]/g, ""));
        const hasBody = method !== "GET";
        const response = await SELF.fetch(ORIGIN + path, {
          method,
          headers,
          body: hasBody ? body : undefined,
          redirect: "manual",
        });
        await response.body?.cancel();
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
  });
});
