import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ChatRoom } from "../src/chat-room";
import { call, cookieFrom, form, freshRoom, joinAs, openStream, roomPath, sayOk, sleep } from "./helpers/chat-client";

// The tests run with PRESENCE_GRACE_SECONDS = 1.
const GRACE_MS = 1000;

async function online(room: string): Promise<string[]> {
  const response = await call(`${roomPath(room)}/users`);
  return (await response.json<{ name: string }[]>()).map((user) => user.name);
}

describe("presence", () => {
  it("announces a participant whose stream went away as left after the grace period", async () => {
    const room = freshRoom();
    const watcher = await openStream(room);
    const alice = await joinAs(room, "alice");
    const own = await openStream(room, { token: alice.token });
    expect(await online(room)).toEqual(["alice"]);
    await own.reader.cancel();

    const events = await watcher.reader.chatUntil((data) => data.msg === "left user : alice", 4 * GRACE_MS);
    expect(events.map((event) => event.data.msg)).toEqual(["add user : alice", "left user : alice"]);
    expect(events[1]).toMatchObject({ data: { name: "", kind: "leave", user: "alice" } });
    expect(await online(room)).toEqual([]);
    await watcher.reader.cancel();
  });

  it("announces nothing when the participant reconnects within the grace period", async () => {
    const room = freshRoom();
    const watcher = await openStream(room);
    const alice = await joinAs(room, "alice");
    const bob = await joinAs(room, "bob");
    const first = await openStream(room, { token: alice.token });
    const bobStream = await openStream(room, { token: bob.token });
    await first.reader.cancel();
    await sleep(GRACE_MS / 4);
    const second = await openStream(room, { token: alice.token });
    await sleep(GRACE_MS * 2);
    // A marker after the grace period has passed: nothing about alice came before it.
    await sayOk(bob, "marker");
    const events = await watcher.reader.chatUntil((data) => data.msg === "marker");
    expect(events.map((event) => event.data.msg)).toEqual(["add user : alice", "add user : bob", "marker"]);
    expect(await online(room)).toEqual(["alice", "bob"]);
    await Promise.all([second.reader.cancel(), bobStream.reader.cancel(), watcher.reader.cancel()]);
  });

  it("keeps a participant while any of their streams is open", async () => {
    const room = freshRoom();
    const alice = await joinAs(room, "alice");
    const tabs = [await openStream(room, { token: alice.token }), await openStream(room, { token: alice.token })];
    await tabs[0]?.reader.cancel();
    await sleep(GRACE_MS * 2);
    expect(await online(room)).toEqual(["alice"]);
    await tabs[1]?.reader.cancel();
  });

  it("counts a stream opened before joining, with the cookie it was given, for the participant", async () => {
    const room = freshRoom();
    const { response, reader } = await openStream(room);
    const pending = cookieFrom(response);
    expect(pending).toMatch(new RegExp(`^chat\\.${room}\\.pending=`));
    const joined = await call(`${roomPath(room)}/users`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: pending },
      body: "name=alice",
    });
    // The session gets a fresh token, never the pending one a third party could have planted.
    expect(cookieFrom(joined)).toMatch(new RegExp(`^chat\\.${room}=`));
    expect(cookieFrom(joined).split("=")[1]).not.toBe(pending.split("=")[1]);
    expect(joined.headers.get("Set-Cookie")).toContain(`chat.${room}.pending=; Path=/; Max-Age=0`);
    await sleep(GRACE_MS * 2);
    expect(await online(room)).toEqual(["alice"]);
    await reader.cancel();
  });

  it("counts every stream opened before joining, one per tab, once the reader joins", async () => {
    const room = freshRoom();
    const first = await openStream(room);
    const pending = cookieFrom(first.response);
    const second = await openStream(room, { cookie: pending });
    expect(second.response.headers.get("Set-Cookie")).toBeNull();
    await call(`${roomPath(room)}/users`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: pending },
      body: "name=alice",
    });
    await first.reader.cancel();
    await sleep(GRACE_MS * 2);
    expect(await online(room)).toEqual(["alice"]);
    await second.reader.cancel();
  });

  it("keeps a session cookie set by a join when a stream opened at the same time answers later", async () => {
    const room = freshRoom();
    const joined = await call(`${roomPath(room)}/users`, { method: "POST", ...form({ name: "alice" }) });
    const { response, reader } = await openStream(room);
    // The stream's cookie has another name, so a browser keeps both.
    expect(cookieFrom(response).split("=")[0]).not.toBe(cookieFrom(joined).split("=")[0]);
    await reader.cancel();
  });

  it("lets a participant who joined without a stream stay until the grace period runs out", async () => {
    const room = freshRoom();
    await joinAs(room, "alice");
    expect(await online(room)).toEqual(["alice"]);
    await sleep(GRACE_MS * 2.5);
    expect(await online(room)).toEqual([]);
  });

  it("brings back a participant who reconnects after being announced as left", async () => {
    const room = freshRoom();
    const watcher = await openStream(room);
    const alice = await joinAs(room, "alice");
    await watcher.reader.chatUntil((data) => data.msg === "left user : alice", 4 * GRACE_MS);
    const back = await openStream(room, { token: alice.token });
    await watcher.reader.chatUntil((data) => data.msg === "add user : alice");
    expect(await online(room)).toEqual(["alice"]);
    await Promise.all([back.reader.cancel(), watcher.reader.cancel()]);
  });

  it("forgets streams whose reader has gone away", async () => {
    const room = freshRoom();
    const stub = env.CHAT_ROOM.getByName(room);
    const streams = await Promise.all([1, 2, 3].map(() => openStream(room)));
    expect((await stub.stats()).subscribers).toBe(3);
    await Promise.all(streams.map(({ reader }) => reader.cancel()));
    await sleep(1000); // a few heartbeats at HEARTBEAT_SECONDS = 0.25
    expect((await stub.stats()).subscribers).toBe(0);
  });

  it("holds no session for a participant who left", async () => {
    const room = freshRoom();
    const joined = await call(`${roomPath(room)}/users`, { method: "POST", ...form({ name: "alice" }) });
    const cookie = cookieFrom(joined);
    await call(`${roomPath(room)}/users`, { method: "DELETE", headers: { Cookie: cookie } });
    const sessions = await runInDurableObject(
      env.CHAT_ROOM.getByName(room),
      (_: ChatRoom, state) => state.storage.sql.exec("SELECT COUNT(*) AS n FROM sessions").one().n,
    );
    expect(sessions).toBe(0);
    const posted = await call(`${roomPath(room)}/messages`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie },
      body: "msg=still%20here%3F",
    });
    expect(posted.status).toBe(401);
  });
});

describe("presence across an eviction of the room", () => {
  it("still announces as left someone whose stream closed before the room was evicted", async () => {
    const room = freshRoom();
    const stub = env.CHAT_ROOM.getByName(room);
    const alice = await joinAs(room, "alice");
    const own = await openStream(room, { token: alice.token });
    await own.reader.cancel();
    await sleep(50);
    await evictDurableObject(stub);
    await sleep(GRACE_MS * 2.5);
    expect(await online(room)).toEqual([]);
    const { reader } = await openStream(room, { lastEventId: 0 });
    const events = await reader.chatUntil((data) => data.kind === "leave");
    expect(events.map((event) => event.data.msg)).toEqual(["add user : alice", "left user : alice"]);
    await reader.cancel();
  });

  it("still announces as left someone who joined without a stream before the eviction", async () => {
    const room = freshRoom();
    await joinAs(room, "alice");
    await evictDurableObject(env.CHAT_ROOM.getByName(room));
    await sleep(GRACE_MS * 2.5);
    expect(await online(room)).toEqual([]);
  });
});
