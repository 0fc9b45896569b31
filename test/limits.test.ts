import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { form, jsonBody } from "./support/chat-client";
import { expectError } from "./support/expect-error";
import { heartbeatsUntil } from "./support/heartbeats";
import { freshRoom, roomPath } from "./support/rooms";
import { call, joinAs, openStream, say, sayOk } from "./support/workers/self-client";

const NAME_MAX = Number(env.NAME_MAX_LENGTH);
const MESSAGE_MAX = Number(env.MESSAGE_MAX_LENGTH);

function post(room: string, path: string, init: RequestInit): Promise<Response> {
  return call(`${roomPath(room)}${path}`, { method: "POST", ...init });
}

describe("names", () => {
  it.each([
    ["empty", ""],
    ["only spaces", "   "],
    ["longer than NAME_MAX_LENGTH", "x".repeat(NAME_MAX + 1)],
    ["a control character", "al\u0007ice"],
    ["a newline", "ali\nce"],
    ["a bidi override", "\u202Eecila"],
    ["only a zero-width space", "\u200B"],
    ["a line separator", "ali\u2028ce"],
    ["an unpaired surrogate", "ali\uD800ce"],
    ["a stack of combining marks", `a${"\u0301".repeat(20)}`],
  ])("refuses a name that is %s", async (_, name) => {
    // JSON can carry an unpaired surrogate (as an escape); a form would turn it into U+FFFD.
    await expectError(await post(freshRoom(), "/users", jsonBody({ name })), 400, "invalid_name");
    if (name.isWellFormed()) await expectError(await post(freshRoom(), "/users", form({ name })), 400, "invalid_name");
  });

  it("trims a name and counts characters, not bytes", async () => {
    const room = freshRoom();
    const name = "가".repeat(NAME_MAX);
    const response = await post(room, "/users", jsonBody({ name: `  ${name} ` }));
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ name });
  });

  it("refuses a join without a name", async () => {
    await expectError(await post(freshRoom(), "/users", form({})), 400, "missing_field");
    await expectError(await post(freshRoom(), "/users", { method: "POST" }), 400, "missing_field");
  });

  it("refuses a name of the wrong JSON type", async () => {
    await expectError(await post(freshRoom(), "/users", jsonBody({ name: 42 })), 400, "invalid_field");
    await expectError(await post(freshRoom(), "/users", jsonBody({ name: ["a"] })), 400, "invalid_field");
  });
});

describe("messages", () => {
  it("refuses an empty or blank message and broadcasts nothing", async () => {
    const room = freshRoom();
    const alice = await joinAs(room, "alice");
    const { reader } = await openStream(room);
    await expectError(await say(alice, ""), 400, "empty_message");
    await expectError(await say(alice, " \n\t "), 400, "empty_message");
    await sayOk(alice, "marker");
    const events = await reader.chatUntil((data) => data.msg === "marker");
    expect(events.map((event) => event.data.msg)).toEqual(["add user : alice", "marker"]);
    await reader.cancel();
  });

  it("takes MESSAGE_MAX_LENGTH characters and refuses one more", async () => {
    const room = freshRoom();
    const alice = await joinAs(room, "alice");
    expect((await say(alice, "é".repeat(MESSAGE_MAX))).status).toBe(201);
    await expectError(await say(alice, "x".repeat(MESSAGE_MAX + 1)), 400, "message_too_long");
  });

  it.each([
    ["only zero-width characters", "\u200B\u200C\uFEFF", "empty_message"],
    ["a bidi override", "price \u202E0001", "invalid_message"],
    ["an unpaired surrogate", "oops \uDC00", "invalid_message"],
    ["a stack of combining marks", `Z${"\u0336".repeat(50)}`, "invalid_message"],
  ])("refuses a message of %s", async (_, msg, error) => {
    const alice = await joinAs(freshRoom(), "alice");
    await expectError(await say(alice, msg), 400, error);
  });

  it("keeps emoji built with joiners and accents that combine normally", async () => {
    const alice = await joinAs(freshRoom(), "alice");
    expect((await say(alice, "👩‍💻 café Tiếng Việt")).status).toBe(201);
  });

  it("refuses control characters but keeps newlines and tabs", async () => {
    const room = freshRoom();
    const alice = await joinAs(room, "alice");
    await expectError(await say(alice, "beep\u0007"), 400, "invalid_message");
    expect((await say(alice, "a\tb\r\nc")).status).toBe(201);
  });

  it("refuses a message without msg", async () => {
    const room = freshRoom();
    const alice = await joinAs(room, "alice");
    const response = await call(`${roomPath(room)}/messages`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${alice.token}` },
      body: JSON.stringify({ text: "wrong field" }),
    });
    await expectError(response, 400, "missing_field");
  });
});

describe("bodies", () => {
  it("refuses a body over 16 KiB by its Content-Length", async () => {
    const big = "x".repeat(16 * 1024 + 1);
    await expectError(await post(freshRoom(), "/users", form({ name: big })), 413, "body_too_large");
  });

  it("refuses a streamed body over 16 KiB that declares no length", async () => {
    const chunk = new TextEncoder().encode(`name=${"x".repeat(17 * 1024)}`);
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(chunk);
        controller.close();
      },
    });
    const response = await post(freshRoom(), "/users", {
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body,
    });
    await expectError(response, 413, "body_too_large");
  });

  it("refuses malformed JSON and JSON that is not an object", async () => {
    for (const body of ["{", '"alice"', "[]", "null"]) {
      const response = await post(freshRoom(), "/users", { headers: { "Content-Type": "application/json" }, body });
      await expectError(response, 400, "invalid_json");
    }
  });

  it("refuses a body that is not UTF-8", async () => {
    const response = await post(freshRoom(), "/users", {
      headers: { "Content-Type": "application/json" },
      body: new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d]),
    });
    await expectError(response, 400, "invalid_encoding");
  });

  it("refuses a content type it does not read, naming the three it does", async () => {
    const response = await post(freshRoom(), "/users", { headers: { "Content-Type": "text/plain" }, body: "alice" });
    const { message } = (await response.clone().json()) as { message: string };
    await expectError(response, 415, "unsupported_media_type");
    for (const type of ["application/x-www-form-urlencoded", "multipart/form-data", "application/json"]) {
      expect(message).toContain(type);
    }
  });

  it("refuses a multipart body that cannot be parsed", async () => {
    const response = await post(freshRoom(), "/users", {
      headers: { "Content-Type": "multipart/form-data; boundary=x" },
      body: "not multipart",
    });
    await expectError(response, 400, "invalid_form");
  });
});

describe("paths and methods", () => {
  it.each(["/nope", "/api/stream", "/r/lobby/nope", "/r/", "/messages/1"])(
    "answers %s with a JSON 404",
    async (path) => {
      await expectError(await call(path), 404, "not_found");
    },
  );

  it.each([
    ["PUT", "/messages", "GET, POST, PATCH, DELETE"],
    ["DELETE", "/typing", "POST"],
    ["GET", "/reactions", "POST, DELETE"],
    ["POST", "/stream", "GET"],
    ["PATCH", "/users", "GET, POST, DELETE"],
  ])("answers %s %s with a JSON 405 naming what is allowed", async (method, path, allow) => {
    const response = await call(path, { method });
    expect(response.headers.get("Allow")).toBe(allow);
    await expectError(response, 405, "method_not_allowed");
  });

  it.each(["a".repeat(33), "bad.name", "sp%20ace", "%2F", "a..b", "ünï"])("refuses the room name %j", async (room) => {
    const response = await call(`/r/${room}/users`);
    expect([400, 404]).toContain(response.status);
    const body = await response.json<{ error: string }>();
    expect(["invalid_room", "not_found"]).toContain(body.error);
  });

  it("refuses a Last-Event-ID that is not a number", async () => {
    const response = await call("/stream", { headers: { "Last-Event-ID": "abc" } });
    await expectError(response, 400, "invalid_event_id");
  });
});

describe("rate limit", () => {
  it("allows a burst of RATE_BURST, then answers 429 with Retry-After and broadcasts nothing", async () => {
    const room = freshRoom();
    const burst = Number(env.RATE_BURST);
    const alice = await joinAs(room, "alice");
    const bob = await joinAs(room, "bob");
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < burst + 2; i++) {
      const response = await say(alice, `burst ${i}`);
      statuses.push(response.status);
      if (response.status === 429) limited ??= response;
    }
    expect(statuses.slice(0, burst)).toEqual(Array(burst).fill(201));
    expect(statuses.slice(burst)).toEqual([429, 429]);
    expect(Number(limited?.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    if (!limited) throw new Error("no response was limited");
    await expectError(limited, 429, "rate_limited");
    // Another participant is not affected.
    expect((await say(bob, "unaffected")).status).toBe(201);
    const { reader } = await openStream(room, { lastEventId: 0 });
    const events = await reader.chatUntil((data) => data.msg === "unaffected");
    expect(events.filter((event) => event.data.user === "alice" && event.data.kind === "message")).toHaveLength(burst);
    await reader.cancel();
  });
});

describe("subscriber cap", () => {
  it("answers 503 with Retry-After past MAX_SUBSCRIBERS, and takes new streams once some close", async () => {
    const room = freshRoom();
    const cap = Number(env.MAX_SUBSCRIBERS);
    const open = await Promise.all(Array.from({ length: cap }, () => openStream(room)));
    const warnings: string[] = [];
    const warn = vi.spyOn(console, "warn").mockImplementation((line: string) => void warnings.push(line));
    const refused = await call(`${roomPath(room)}/stream`);
    warn.mockRestore();
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);
    await expectError(refused, 503, "room_full");
    // The room refuses the stream, and logs it, since the Worker sends its answer on as it is.
    expect(warnings.map((line) => JSON.parse(line))).toContainEqual({
      event: "stream_refused",
      status: 503,
      error: "room_full",
    });
    // Other rooms are not affected.
    const elsewhere = await openStream(freshRoom());
    await elsewhere.reader.cancel();
    await Promise.all(open.slice(0, 5).map(({ reader }) => reader.cancel()));
    const watching = open.at(-1)?.reader;
    if (!watching) throw new Error("no stream left open");
    await heartbeatsUntil(
      watching,
      async () => (await env.CHAT_ROOM.getByName(room).stats()).subscribers <= cap - 5,
      "the room never found the closed streams",
    );
    const again = await openStream(room);
    await Promise.all([again, ...open.slice(5)].map(({ reader }) => reader.cancel()));
  });
});
