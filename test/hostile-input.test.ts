import { env, evictDurableObject, runInDurableObject, SELF } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ChatRoom } from "../src/room/chat-room";
import { form, jsonBody } from "./support/chat-client";
import { expectError } from "./support/expect-error";
import { freshRoom, roomPath } from "./support/rooms";
import { call, joinAs, ORIGIN, say, sayOk } from "./support/workers/self-client";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("oversized requests", () => {
  it("refuses a URL over 4,096 characters with 414", async () => {
    await expectError(await call(`/users?pad=${"a".repeat(5000)}`), 414, "url_too_long");
  });

  it("refuses headers over 16 KiB with 431", async () => {
    const response = await call("/users", { headers: { "X-Padding": "a".repeat(17 * 1024) } });
    await expectError(response, 431, "headers_too_large");
  });

  it("refuses a body longer than its Content-Length claims, reading no more than the cap", async () => {
    // A mebibyte offered a kibibyte at a time, counting what the Worker takes.
    const chunk = new TextEncoder().encode("x".repeat(1024));
    let offered = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(offered === 0 ? new TextEncoder().encode(`name=${"x".repeat(1019)}`) : chunk);
        offered += 1024;
        if (offered >= 1024 * 1024) controller.close();
      },
    });
    const response = await SELF.fetch(`${ORIGIN}${roomPath(freshRoom())}/users`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": "10" },
      body,
    });
    await expectError(response, 413, "body_too_large");
    // The 16 KiB cap, and what the runtime's pipe holds beyond it, but not the rest.
    expect(offered).toBeLessThan(64 * 1024);
  });

  it("refuses a form body sent as JSON, and JSON sent as a form", async () => {
    const room = freshRoom();
    const asJson = await call(`${roomPath(room)}/users`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "name=alice",
    });
    await expectError(asJson, 400, "invalid_json");
    const asForm = await call(`${roomPath(room)}/users`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: '{"name":"alice"}',
    });
    await expectError(asForm, 400, "missing_field");
  });
});

describe("JSON meant to confuse", () => {
  it.each([
    ["a nested object", { name: { first: "alice" } }],
    ["an array", { name: ["alice"] }],
    ["a number", { name: 7 }],
    ["null", { name: null }],
    ["a boolean", { name: true }],
  ])("refuses a name that is %s", async (_, body) => {
    await expectError(
      await call(`${roomPath(freshRoom())}/users`, { method: "POST", ...jsonBody(body) }),
      400,
      "invalid_field",
    );
  });

  it("does not take a name from a __proto__ key, and pollutes nothing", async () => {
    const room = freshRoom();
    const response = await call(`${roomPath(room)}/users`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: '{"__proto__":{"name":"admin","isAdmin":true}}',
    });
    await expectError(response, 400, "missing_field");
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it("takes the first of repeated form fields, as the original server did", async () => {
    const room = freshRoom();
    const response = await call(`${roomPath(room)}/users`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "name=alice&name=mallory",
    });
    expect(await response.json()).toMatchObject({ name: "alice" });
  });

  it("refuses 10,000 combining marks in a name and in a message, and far fewer stacked", async () => {
    const room = freshRoom();
    const alice = await joinAs(room, "alice");
    const tenThousand = `a${"\u0301".repeat(10_000)}`;
    await expectError(
      await call(`${roomPath(room)}/users`, { method: "POST", ...jsonBody({ name: tenThousand }) }),
      413,
      "body_too_large",
    );
    await expectError(await say(alice, tenThousand), 413, "body_too_large");
    const stacked = `a${"\u0301".repeat(500)}`;
    await expectError(
      await call(`${roomPath(room)}/users`, { method: "POST", ...jsonBody({ name: stacked }) }),
      400,
      "invalid_name",
    );
    await expectError(await say(alice, stacked), 400, "invalid_message");
  });
});

describe("room names meant to escape", () => {
  it.each(["%2F", "a%2Fb", "..%2F", "lobby%00", "ｌｏｂｂｙ", "lobbу"])("refuses /r/%s", async (room) => {
    const response = await call(`/r/${room}/users`);
    expect([400, 404]).toContain(response.status);
  });

  it.each(["/r/../users", "/r/%2E%2E/users"])(
    "resolves dot segments before routing: %s is the lobby's list",
    async (path) => {
      const response = await call(path);
      expect(response.status).toBe(200);
      expect(Array.isArray(await response.json())).toBe(true);
    },
  );
});

describe("sessions", () => {
  it("stop working once they have been unused for the session lifetime", async () => {
    const room = freshRoom();
    const alice = await joinAs(room, "alice");
    await call(`${roomPath(room)}/users`, { method: "DELETE", headers: { Authorization: `Bearer ${alice.token}` } });
    const bob = await joinAs(room, "bob");
    const stub = env.CHAT_ROOM.getByName(room);
    // Bob went offline and was last seen a day longer ago than SESSION_TTL_DAYS; the next join
    // sweeps his session away.
    const seenAt = Date.now() - (Number(env.SESSION_TTL_DAYS) + 1) * 86_400_000;
    await runInDurableObject(stub, (_: ChatRoom, state) => {
      state.storage.sql.exec("UPDATE sessions SET online = 0, seen_at = ? WHERE name = 'bob'", seenAt);
    });
    await evictDurableObject(stub);
    await joinAs(room, "carol");
    await expectError(await say(bob, "still me?"), 401, "not_joined");
  });
});

describe("responses", () => {
  it.each([
    ["an API answer", "/users", "GET"],
    ["a refusal", "/nope", "GET"],
    ["a redirect", "/r/abc", "GET"],
    ["a page", "/", "GET"],
  ])("carry security headers: %s", async (_, path, method) => {
    const response = await call(path, { method, redirect: "manual" });
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(response.headers.get("Referrer-Policy")).toBe("same-origin");
    expect(response.headers.get("Content-Security-Policy")).toBeTruthy();
  });

  it("carry security headers on the event stream too", async () => {
    const response = await call(`${roomPath(freshRoom())}/stream`);
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(response.headers.get("Content-Security-Policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    await response.body?.cancel();
  });
});

describe("logs", () => {
  it("record every refusal as one JSON line, without the refused text, names, room or tokens", async () => {
    const warnings: string[] = [];
    const everything: string[] = [];
    const capture =
      (into: string[][]) =>
      (...args: unknown[]) => {
        for (const list of into) list.push(args.map(String).join(" "));
      };
    vi.spyOn(console, "warn").mockImplementation(capture([warnings, everything]));
    vi.spyOn(console, "error").mockImplementation(capture([warnings, everything]));
    for (const method of ["log", "info", "debug"] as const) {
      vi.spyOn(console, method).mockImplementation(capture([everything]));
    }
    const room = freshRoom();
    const alice = await joinAs(room, "alice");
    await sayOk(alice, "accepted plans");
    const stranger = "S".repeat(32);
    // One at a time, so that the log lines come in this order.
    const refused = [
      () => say(alice, "refused plans ".padEnd(Number(env.MESSAGE_MAX_LENGTH) + 1, "x")),
      () => call(`${roomPath(room)}/users`, { method: "POST", ...form({ name: "ALICE" }) }),
      () => call(`${roomPath(room)}/users`, { method: "POST", ...form({ name: "mallory\u0007" }) }),
      () =>
        call(`${roomPath(room)}/messages`, {
          method: "POST",
          headers: { "Content-Type": "application/json", Authorization: `Bearer ${stranger}` },
          body: JSON.stringify({ msg: "a stranger's words" }),
        }),
      () =>
        call(`${roomPath(room)}/messages`, {
          method: "POST",
          headers: { "Content-Type": "application/json", Authorization: `Bearer ${alice.token}` },
          body: JSON.stringify({ msg: "posing as trudy", name: "trudy" }),
        }),
      () => call("/nope"),
    ];
    const statuses: number[] = [];
    for (const request of refused) statuses.push((await request()).status);
    expect(statuses).toEqual([400, 409, 400, 401, 403, 404]);

    const refusals = warnings.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(refusals.map((entry) => [entry.event, entry.status, entry.error, entry.method, entry.path])).toEqual([
      ["request_refused", 400, "message_too_long", "POST", "/r/:room/messages"],
      ["request_refused", 409, "name_taken", "POST", "/r/:room/users"],
      ["request_refused", 400, "invalid_name", "POST", "/r/:room/users"],
      ["request_refused", 401, "not_joined", "POST", "/r/:room/messages"],
      ["request_refused", 403, "wrong_name", "POST", "/r/:room/messages"],
      ["request_refused", 404, "not_found", "GET", "/nope"],
    ]);
    const all = everything.join("\n").toLowerCase();
    for (const secret of ["refused plans", "accepted plans", "stranger's words", "posing as", "trudy", "mallory"]) {
      expect(all).not.toContain(secret);
    }
    expect(all).not.toContain("alice");
    expect(all).not.toContain(room.toLowerCase());
    expect(all).not.toContain(alice.token.toLowerCase());
    expect(all).not.toContain(stranger.toLowerCase());
  });
});
