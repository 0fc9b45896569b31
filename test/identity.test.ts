import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { form, jsonBody } from "./support/chat-client";
import { cookieFrom } from "./support/cookies";
import { expectError } from "./support/expect-error";
import { freshRoom, roomPath } from "./support/rooms";
import { act, call, joinAs, openStream, say, sayOk } from "./support/workers/self-client";

function postAs(
  room: string,
  init: { cookie?: string; token?: string; fields: Record<string, string> },
): Promise<Response> {
  const headers = new Headers({ "Content-Type": "application/x-www-form-urlencoded" });
  if (init.cookie !== undefined) headers.set("Cookie", init.cookie);
  if (init.token !== undefined) headers.set("Authorization", `Bearer ${init.token}`);
  return call(`${roomPath(room)}/messages`, {
    method: "POST",
    headers,
    body: new URLSearchParams(init.fields).toString(),
  });
}

async function lastEventId(room: string): Promise<number> {
  return (await env.CHAT_ROOM.getByName(room).stats()).lastEventId;
}

describe("identity", () => {
  it("refuses a post from someone who has not joined", async () => {
    const response = await postAs(freshRoom(), { fields: { msg: "hi", name: "alice" } });
    await expectError(response, 401, "not_joined");
  });

  it("refuses a post under a name other than the one joined with", async () => {
    const room = freshRoom();
    await joinAs(room, "alice");
    const mallory = await call(`${roomPath(room)}/users`, { method: "POST", ...form({ name: "mallory" }) });
    const response = await postAs(room, { cookie: cookieFrom(mallory), fields: { msg: "it's me", name: "alice" } });
    await expectError(response, 403, "wrong_name");
  });

  it("refuses a post whose username is not the one joined with, as a leave's, and posts nothing", async () => {
    const room = freshRoom();
    const joined = await call(`${roomPath(room)}/users`, { method: "POST", ...form({ name: "alice" }) });
    const before = await lastEventId(room);
    const cookie = cookieFrom(joined);
    await expectError(await postAs(room, { cookie, fields: { msg: "as bob", username: "bob" } }), 403, "wrong_name");
    // Both names are checked: one of them being the session's is not enough.
    const both = { msg: "as bob", name: "alice", username: "bob" };
    await expectError(await postAs(room, { cookie, fields: both }), 403, "wrong_name");
    expect(await lastEventId(room)).toBe(before);
    expect((await postAs(room, { cookie, fields: { msg: "as me", username: "Alice" } })).status).toBe(201);
  });

  it("refuses typing, edits, deletions and reactions under another username, changing nothing", async () => {
    const room = freshRoom();
    const alice = await joinAs(room, "alice");
    const id = await sayOk(alice, "mine");
    const before = await lastEventId(room);
    const acts: [string, string, Record<string, unknown>][] = [
      ["POST", "/typing", {}],
      ["PATCH", "/messages", { id, msg: "edited" }],
      ["DELETE", "/messages", { id }],
      ["POST", "/reactions", { id, emoji: "👍" }],
      ["DELETE", "/reactions", { id, emoji: "👍" }],
    ];
    for (const [method, endpoint, fields] of acts) {
      await expectError(await act(alice, method, endpoint, { ...fields, username: "bob" }), 403, "wrong_name");
    }
    // A DELETE may carry its fields in the query string, the name included.
    await expectError(await act(alice, "DELETE", `/messages?id=${id}&username=bob`), 403, "wrong_name");
    expect(await lastEventId(room)).toBe(before);
    expect((await act(alice, "PATCH", "/messages", { id, msg: "edited", username: "alice" })).status).toBe(200);
  });

  it("refuses a leave under a name other than the one joined with", async () => {
    const room = freshRoom();
    await joinAs(room, "alice");
    const mallory = await call(`${roomPath(room)}/users`, { method: "POST", ...form({ name: "mallory" }) });
    const response = await call(`${roomPath(room)}/users?username=alice`, {
      method: "DELETE",
      headers: { Cookie: cookieFrom(mallory) },
    });
    expect(response.status).toBe(403);
    const users = await call(`${roomPath(room)}/users`);
    expect(await users.json()).toEqual([{ name: "alice" }, { name: "mallory" }]);
  });

  it("refuses a leave without a session", async () => {
    const response = await call("/users?username=alice", { method: "DELETE" });
    expect(response.status).toBe(401);
  });

  it("refuses a token it never issued and a malformed one", async () => {
    const room = freshRoom();
    const unknown = await postAs(room, { token: "A".repeat(32), fields: { msg: "hi" } });
    await expectError(unknown, 401, "not_joined");
    const malformed = await postAs(room, { token: "short", fields: { msg: "hi" } });
    await expectError(malformed, 401, "invalid_token");
    const stream = await call(`${roomPath(room)}/stream?token=${"B".repeat(32)}`);
    expect(stream.status).toBe(401);
  });

  it("ignores an Authorization header of another scheme and falls back to the cookie", async () => {
    const room = freshRoom();
    const joined = await call(`${roomPath(room)}/users`, { method: "POST", ...form({ name: "alice" }) });
    const response = await call(`${roomPath(room)}/messages`, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Authorization: "Basic dXNlcjpwYXNz",
        Cookie: cookieFrom(joined),
      },
      body: "msg=hello",
    });
    expect(response.status).toBe(201);
  });

  it("keeps sessions to their room", async () => {
    const here = freshRoom();
    const alice = await joinAs(here, "alice");
    const response = await say({ ...alice, room: freshRoom() }, "wrong room");
    expect(response.status).toBe(401);
  });

  it("refuses a name already online, whatever its case, and frees it when its holder leaves", async () => {
    const room = freshRoom();
    const alice = await joinAs(room, "Alice");
    const taken = await call(`${roomPath(room)}/users`, { method: "POST", ...form({ name: "alice" }) });
    await expectError(taken, 409, "name_taken");
    await call(`${roomPath(room)}/users`, { method: "DELETE", headers: { Authorization: `Bearer ${alice.token}` } });
    const free = await call(`${roomPath(room)}/users`, { method: "POST", ...form({ name: "alice" }) });
    expect(free.status).toBe(201);
  });

  it.each([
    ["with a zero-width space", "alice\u200B"],
    ["in full-width letters", "ａｌｉｃｅ"],
    ["in capitals", "ALICE"],
  ])("treats a name %s as the name already online", async (_, lookalike) => {
    const room = freshRoom();
    await joinAs(room, "alice");
    const response = await call(`${roomPath(room)}/users`, { method: "POST", ...jsonBody({ name: lookalike }) });
    expect(response.status).toBe(409);
  });

  it("takes an empty name on a post as no name, as the original client's forms send it", async () => {
    const room = freshRoom();
    const joined = await call(`${roomPath(room)}/users`, { method: "POST", ...form({ name: "alice" }) });
    const response = await postAs(room, { cookie: cookieFrom(joined), fields: { msg: "hi", name: "" } });
    expect(response.status).toBe(201);
  });

  it("compares the name a leave claims as names are compared, without regard to case", async () => {
    const room = freshRoom();
    const joined = await call(`${roomPath(room)}/users`, { method: "POST", ...form({ name: "Bob" }) });
    const response = await call(`${roomPath(room)}/users?username=bob`, {
      method: "DELETE",
      headers: { Cookie: cookieFrom(joined), "Content-Type": "text/plain" },
      body: "ignored",
    });
    expect(response.status).toBe(200);
  });

  it("answers a post without a session with 401 before looking at its body", async () => {
    const response = await call(`${roomPath(freshRoom())}/messages`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{not json",
    });
    expect(response.status).toBe(401);
  });

  it("lets two tabs of one browser be two participants by holding a token each", async () => {
    const room = freshRoom();
    const { reader } = await openStream(room);
    const tabOne = await joinAs(room, "alice");
    const tabTwo = await joinAs(room, "bob");
    await sayOk(tabOne, "from alice");
    await sayOk(tabTwo, "from bob");
    const events = await reader.chatUntil((data) => data.msg === "from bob");
    expect(
      events.filter((event) => event.data.kind === "message").map((event) => [event.data.name, event.data.msg]),
    ).toEqual([
      ["alice", "from alice"],
      ["bob", "from bob"],
    ]);
    await reader.cancel();
  });

  it("renames a session that joins again under a new name", async () => {
    const room = freshRoom();
    const { reader } = await openStream(room);
    const alice = await joinAs(room, "alice");
    const renamed = await call(`${roomPath(room)}/users`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${alice.token}` },
      body: JSON.stringify({ name: "alicia" }),
    });
    expect(renamed.status).toBe(200);
    const events = await reader.chatUntil((data) => data.msg === "add user : alicia");
    expect(events.map((event) => event.data.msg)).toEqual([
      "add user : alice",
      "left user : alice",
      "add user : alicia",
    ]);
    expect(await (await say(alice, "as alicia")).json()).toHaveProperty("id");
    await reader.cancel();
  });

  it("refuses state-changing requests from another site's page", async () => {
    const room = freshRoom();
    const response = await call(`${roomPath(room)}/users`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "https://evil.example" },
      body: "name=alice",
    });
    await expectError(response, 403, "cross_site");
    const sameSite = await call(`${roomPath(room)}/users`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "http://chat.test" },
      body: "name=alice",
    });
    expect(sameSite.status).toBe(201);
  });

  it("marks the session cookie HttpOnly and SameSite=Lax, and Secure over https", async () => {
    const room = freshRoom();
    const plain = await call(`${roomPath(room)}/users`, { method: "POST", ...form({ name: "alice" }) });
    expect(plain.headers.get("Set-Cookie")).toMatch(/; HttpOnly; SameSite=Lax$/);
    const secure = await SELF.fetch(`https://chat.test${roomPath(room)}/users`, {
      method: "POST",
      ...form({ name: "bob" }),
    });
    expect(secure.headers.get("Set-Cookie")).toMatch(/; HttpOnly; SameSite=Lax; Secure$/);
  });
});
