import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { ChatRoom } from "../src/room/chat-room";
import { form } from "./support/chat-client";
import { CookieJar, cookieFrom } from "./support/cookies";
import { heartbeatsUntil } from "./support/heartbeats";
import { freshRoom, roomPath } from "./support/rooms";
import { EventStreamReader } from "./support/sse-reader";
import { call, joinAs, openStream, sayOk } from "./support/workers/self-client";

const GRACE_MS = Number(env.PRESENCE_GRACE_SECONDS) * 1000;

async function online(room: string): Promise<string[]> {
  const response = await call(`${roomPath(room)}/users`);
  return (await response.json<{ name: string }[]>()).map((user) => user.name);
}

async function lastEventId(room: string): Promise<number> {
  return (await env.CHAT_ROOM.getByName(room).stats()).lastEventId;
}

/** When the room's alarm is set to go off, or null if none is set. */
function alarmAt(room: string): Promise<number | null> {
  return runInDurableObject(env.CHAT_ROOM.getByName(room), (_: ChatRoom, state) => state.storage.getAlarm());
}

/**
 * Runs the room's alarm now, with the room's clock reading `at`: the test moves the room's time
 * on instead of waiting for it. The room runs in the test's isolate, so it reads the `Date.now`
 * mocked here.
 */
async function runAlarmAt(room: string, at: number): Promise<void> {
  const clock = vi.spyOn(Date, "now").mockReturnValue(at);
  try {
    expect(await runDurableObjectAlarm(env.CHAT_ROOM.getByName(room))).toBe(true);
  } finally {
    clock.mockRestore();
  }
}

/**
 * Moves the room's time on to `until`: runs each alarm the room sets for before then, at the
 * time it was set for. Returns the alarm still to come, or null if the room set none.
 */
async function advanceTo(room: string, until: number): Promise<number | null> {
  for (let alarms = 0; alarms < 10; alarms++) {
    const at = await alarmAt(room);
    if (at === null || at >= until) return at;
    await runAlarmAt(room, at);
  }
  throw new Error("the room kept setting alarms");
}

const RETENTION_MS = Number(env.HISTORY_RETAINED_DAYS) * 24 * 60 * 60 * 1000;

/**
 * Runs every alarm the room sets for presence. The one left, if any, is the alarm that removes
 * the room's history when it grows too old, a whole retention period away.
 */
async function settle(room: string): Promise<void> {
  const start = Date.now();
  const left = await advanceTo(room, start + RETENTION_MS / 2);
  if (left !== null) expect(left).toBeGreaterThanOrEqual(start + RETENTION_MS - 10 * GRACE_MS);
}

/**
 * Moves the room's time on to the end of a grace period that began when the room found a stream
 * closed, at some time between `closing` and `closed`, and returns that end.
 */
async function graceDeadline(room: string, closing: number, closed: number): Promise<number> {
  const deadline = await advanceTo(room, closing + GRACE_MS);
  if (deadline === null) throw new Error("no alarm set for the grace period");
  expect(deadline).toBeGreaterThanOrEqual(closing + GRACE_MS);
  expect(deadline).toBeLessThanOrEqual(closed + GRACE_MS);
  return deadline;
}

/** Checks that the room's alarm is set for `deadline`, and that `name` is online until it and gone at it. */
async function expectGoneAt(room: string, deadline: number, name: string): Promise<void> {
  expect(await alarmAt(room)).toBe(deadline);
  await runAlarmAt(room, deadline - 1);
  expect(await online(room)).toEqual([name]);
  await runAlarmAt(room, deadline);
  expect(await online(room)).toEqual([]);
}

/** Waits, on a bystander's heartbeats, until the room holds `count` streams besides the bystander's. */
async function untilStreams(room: string, count: number): Promise<void> {
  const bystander = await openStream(room);
  try {
    await heartbeatsUntil(
      bystander.reader,
      async () => (await env.CHAT_ROOM.getByName(room).stats()).subscribers === count + 1,
      `the room still holds streams other than the ${count} expected`,
    );
  } finally {
    await bystander.reader.cancel();
  }
}

describe("presence", () => {
  it("announces a participant whose stream went away as left once the grace period has run out", async () => {
    const room = freshRoom();
    const watcher = await openStream(room);
    const alice = await joinAs(room, "alice");
    const own = await openStream(room, { token: alice.token });
    expect(await online(room)).toEqual(["alice"]);
    const closing = Date.now();
    await own.reader.cancel();
    await untilStreams(room, 1);
    const closed = Date.now();

    // The grace period is counted from when the room found the stream gone.
    const deadline = await graceDeadline(room, closing, closed);
    const before = await lastEventId(room);
    await runAlarmAt(room, deadline - 1);
    expect(await lastEventId(room)).toBe(before);
    expect(await online(room)).toEqual(["alice"]);
    expect(await alarmAt(room)).toBe(deadline);

    await runAlarmAt(room, deadline);
    const events = await watcher.reader.chatUntil((data) => data.msg === "left user : alice");
    expect(events.map((event) => event.data.msg)).toEqual(["add user : alice", "left user : alice"]);
    expect(events[1]).toMatchObject({ data: { name: "", kind: "leave", user: "alice", at: deadline } });
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
    await untilStreams(room, 2);
    const second = await openStream(room, { token: alice.token });
    // Every alarm the room sets runs at its time, so the grace period runs out in the room.
    await settle(room);
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
    await untilStreams(room, 1);
    await settle(room);
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
    await settle(room);
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
    await untilStreams(room, 1);
    await settle(room);
    expect(await online(room)).toEqual(["alice"]);
    await second.reader.cancel();
  });

  it("keeps a session cookie set by a join when a stream opened at the same time answers later", async () => {
    const room = freshRoom();
    // A browser with no cookie for the room opens its stream and joins at once.
    const [joined, streamed] = await Promise.all([
      call(`${roomPath(room)}/users`, { method: "POST", ...form({ name: "alice" }) }),
      call(`${roomPath(room)}/stream`),
    ]);
    expect([joined.status, streamed.status]).toEqual([201, 200]);
    const { token } = await joined.json<{ token: string }>();
    // The stream's cookie is stored last, and has another name, so the session cookie stays.
    const jar = new CookieJar();
    jar.take(joined);
    jar.take(streamed);
    const cookie = jar.header();
    expect(cookie.split("; ")).toContain(`chat.${room}=${token}`);
    const posted = await call(`${roomPath(room)}/messages`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie },
      body: "msg=hello",
    });
    expect(posted.status).toBe(201);
    // Whichever of the two the room took first, the stream sees the join once, then the post.
    const reader = new EventStreamReader(streamed);
    const events = await reader.chatUntil((data) => data.msg === "hello");
    expect(events.map((event) => [event.data.kind, event.data.user])).toEqual([
      ["join", "alice"],
      ["message", "alice"],
    ]);
    await reader.cancel();
  });

  it("lets a participant who joined without a stream stay until the grace period runs out", async () => {
    const room = freshRoom();
    const watcher = await openStream(room);
    await joinAs(room, "alice");
    const joined = (await watcher.reader.nextChat()).data.at;
    await expectGoneAt(room, joined + GRACE_MS, "alice");
    await watcher.reader.cancel();
  });

  it("brings back a participant who reconnects after being announced as left", async () => {
    const room = freshRoom();
    const watcher = await openStream(room);
    const alice = await joinAs(room, "alice");
    await settle(room);
    await watcher.reader.chatUntil((data) => data.msg === "left user : alice");
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
    await untilStreams(room, 0);
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
    const alice = await joinAs(room, "alice");
    const own = await openStream(room, { token: alice.token });
    const closing = Date.now();
    await own.reader.cancel();
    await untilStreams(room, 0);
    const closed = Date.now();
    await evictDurableObject(env.CHAT_ROOM.getByName(room));
    // The restarted room counts the grace period from the close, not from its restart.
    const deadline = await graceDeadline(room, closing, closed);
    await runAlarmAt(room, deadline);
    expect(await online(room)).toEqual([]);
    const { reader } = await openStream(room, { lastEventId: 0 });
    const events = await reader.chatUntil((data) => data.kind === "leave");
    expect(events.map((event) => event.data.msg)).toEqual(["add user : alice", "left user : alice"]);
    await reader.cancel();
  });

  it("still announces as left someone who joined without a stream before the eviction", async () => {
    const room = freshRoom();
    const watcher = await openStream(room);
    await joinAs(room, "alice");
    const joined = (await watcher.reader.nextChat()).data.at;
    await watcher.reader.cancel();
    await evictDurableObject(env.CHAT_ROOM.getByName(room));
    await expectGoneAt(room, joined + GRACE_MS, "alice");
  });
});
