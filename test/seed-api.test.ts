import { describe, expect, it } from "vitest";
import { form, jsonBody } from "./support/chat-client";
import { cookieFrom } from "./support/cookies";
import { freshRoom, roomPath } from "./support/rooms";
import { call, openStream } from "./support/workers/self-client";

// The original chat's client opens the stream, joins with `POST users/`, posts with `msg` and
// `name`, and leaves with `DELETE /users` naming itself `username`, all with the browser's cookies.
describe.each([
  ["form", form],
  ["JSON", jsonBody],
] as const)("the original API with %s bodies", (_, encode) => {
  it.each([undefined, "seed-room"])("runs join → message → leave on a live stream (room %s)", async (fixedRoom) => {
    const room = fixedRoom === undefined ? undefined : freshRoom(fixedRoom);
    const base = roomPath(room);
    const { response: streamResponse, reader } = await openStream(room);
    const cookie = cookieFrom(streamResponse);

    const joined = await call(`${base}/users/`, { method: "POST", ...withCookie(encode({ name: "alice" }), cookie) });
    expect(joined.status).toBe(201);
    const session = cookieFrom(joined);

    const posted = await call(`${base}/messages`, {
      method: "POST",
      ...withCookie(encode({ msg: "hi", name: "alice" }), session),
    });
    expect(posted.status).toBe(201);

    const left = await call(`${base}/users?username=alice`, { method: "DELETE", headers: { Cookie: session } });
    expect(left.status).toBe(200);
    expect(await left.json()).toMatchObject({ name: "alice" });

    const events = await reader.chatUntil((data) => data.msg === "left user : alice");
    const ours = events.filter((event) => event.data.user === "alice");
    expect(ours.map((event) => ({ name: event.data.name, msg: event.data.msg }))).toEqual([
      { name: "", msg: "add user : alice" },
      { name: "alice", msg: "hi" },
      { name: "", msg: "left user : alice" },
    ]);
    expect(ours[1]?.data.kind).toBe("message");
    const ids = ours.map((event) => event.id);
    expect(ids[0]).toBeLessThan(ids[1] ?? 0);
    expect(ids[1]).toBeLessThan(ids[2] ?? 0);
    await reader.cancel();
  });
});

describe("the original API", () => {
  it("accepts the leave's username in the body as well as the query string", async () => {
    const room = freshRoom();
    const joined = await call(`${roomPath(room)}/users`, { method: "POST", ...form({ name: "bob" }) });
    const session = cookieFrom(joined);
    const left = await call(`${roomPath(room)}/users`, {
      method: "DELETE",
      ...withCookie(form({ username: "bob" }), session),
    });
    expect(left.status).toBe(200);
    expect(left.headers.get("Set-Cookie")).toMatch(/Max-Age=0/);
  });

  it("accepts multipart form bodies", async () => {
    const room = freshRoom();
    const body = new FormData();
    body.set("name", "carol");
    const joined = await call(`${roomPath(room)}/users`, { method: "POST", body });
    expect(joined.status).toBe(201);
  });

  it("treats room names without regard to case", async () => {
    const room = freshRoom("Case");
    const joined = await call(`/r/${room.toUpperCase()}/users`, { method: "POST", ...form({ name: "dan" }) });
    expect(joined.status).toBe(201);
    const users = await call(`/r/${room.toLowerCase()}/users`);
    expect(await users.json()).toEqual([{ name: "dan" }]);
  });

  it("lists who is online, sorted by name", async () => {
    const room = freshRoom();
    for (const name of ["zoe", "amy"]) {
      await call(`${roomPath(room)}/users`, { method: "POST", ...form({ name }) });
    }
    const response = await call(`${roomPath(room)}/users`);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual([{ name: "amy" }, { name: "zoe" }]);
  });

  it("returns the session as a token too, and answers a repeated join with 200", async () => {
    const room = freshRoom();
    const first = await call(`${roomPath(room)}/users`, { method: "POST", ...jsonBody({ name: "eve" }) });
    const { token } = await first.json<{ token: string }>();
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(first.headers.get("Set-Cookie")).toContain(`chat.${room}=${token}`);
    const again = await call(`${roomPath(room)}/users`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ name: "eve" }),
    });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ token, name: "eve" });
  });
});

describe("room pages", () => {
  it("redirects /r/<room> to /r/<room>/", async () => {
    const response = await call("/r/Games", { redirect: "manual" });
    expect(response.status).toBe(308);
    expect(new URL(response.headers.get("Location") ?? "").pathname).toBe("/r/games/");
  });

  it("serves the chat page at /r/<room>/ and at /", async () => {
    for (const path of ["/r/games/", "/"]) {
      const response = await call(path);
      expect(response.status).toBe(200);
      expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
      expect(await response.text()).toContain("<title>");
    }
  });
});

function withCookie(init: RequestInit, cookie: string): RequestInit {
  const headers = new Headers(init.headers);
  headers.set("Cookie", cookie);
  return { ...init, headers };
}
