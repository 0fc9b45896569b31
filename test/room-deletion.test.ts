import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ChatRoom } from "../src/room/chat-room";
import type { OpenedStream, Participant } from "./support/chat-client";
import { expectError } from "./support/expect-error";
import { heartbeatsUntil } from "./support/heartbeats";
import { freshRoom, roomPath } from "./support/rooms";
import { nth } from "./support/round-robin";
import type { SseEvent } from "./support/sse-events";
import { claim, joinWithKey, lastEventId, moderatorKeyOf, withKey } from "./support/workers/room-authority";
import { everyRow } from "./support/workers/room-storage";
import { act, call, joinAs, openStream, say, sayOk, users } from "./support/workers/self-client";

const ADMIN_TOKEN = String(env.ADMIN_TOKEN);

afterEach(() => {
  vi.restoreAllMocks();
});

/** Every console line the Worker and the room write while a test runs. */
function captureLogs(): string[] {
  const logged: string[] = [];
  for (const method of ["log", "warn", "error"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => logged.push(args.join(" ")));
  }
  return logged;
}

/** `DELETE /room` presenting `key`, confirming with `confirm` (the room's name unless told otherwise). */
function deleteWithKey(room: string | undefined, key: string, confirm = room ?? "lobby"): Promise<Response> {
  return withKey(room, key, "DELETE", "/room", { confirm });
}

/** A stream's events up to the end, which must come with the `deleted` event, once and last. */
async function endedByDeletion(stream: OpenedStream, timeoutMs = 5000): Promise<SseEvent[]> {
  const events = await stream.reader.until((event) => event.event === "deleted", timeoutMs);
  expect(await stream.reader.endsWithin(2000)).toBe(true);
  await expect(stream.reader.next(100)).rejects.toThrow(/ended/);
  expect(events.filter((event) => event.event === "deleted")).toHaveLength(1);
  // Its empty id clears the reader's position: EventSource comes back as a new reader.
  expect(stream.reader.lastEventId).toBe("");
  return events;
}

/** The `deleted` event a stream ended with, parsed. */
function deletion(events: SseEvent[]): unknown {
  return JSON.parse(events.at(-1)?.data ?? "null");
}

/** The alarm a room has set, if any. */
function alarmOf(room: string): Promise<number | null> {
  return runInDurableObject(env.CHAT_ROOM.getByName(room), (_instance: ChatRoom, state) => state.storage.getAlarm());
}

/** A room with something of everything in it, and its owner key. */
async function busyRoom(label: string) {
  const room = freshRoom(label);
  const key = await claim(room);
  const owner = await joinWithKey(room, "Host", key);
  const helper = await joinWithKey(room, "Helper", await moderatorKeyOf(room, key));
  const mina = await joinAs(room, "Mina");
  const leo = await joinAs(room, "Leo");
  const secret = await sayOk(mina, "the password is swordfish");
  expect((await act(mina, "PATCH", "/messages", { id: secret, msg: "the password was swordfish" })).status).toBe(200);
  expect((await act(leo, "POST", "/reactions", { id: secret, emoji: "👍" })).status).toBe(200);
  await sayOk(leo, "noted, swordfish");
  expect((await withKey(room, key, "PATCH", "/room", { topic: "Swordfish club", slowModeSeconds: 5 })).status).toBe(
    200,
  );
  expect((await withKey(room, key, "POST", "/removals", { name: "Leo", minutes: 60 })).status).toBe(200);
  return { room, key, owner, helper, mina, leo };
}

describe("deleting a room", () => {
  it("by its owner's key: every stream is told last and ends, and the room starts over with nothing", async () => {
    const logged = captureLogs();
    const { room, key, owner, helper, mina } = await busyRoom("delete-by-key");
    // Someone joined and never opened a stream: presence has an alarm set for them.
    expect(await alarmOf(room)).not.toBeNull();
    const streams = [
      await openStream(room),
      await openStream(room, { token: mina.token }),
      await openStream(room, { token: owner.token }),
    ];
    for (const stream of streams) await stream.reader.until((event) => event.event === "settings");

    const answer = await deleteWithKey(room, key);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ room, deleted: true });
    expect(answer.headers.get("Set-Cookie")).toMatch(new RegExp(`^chat\\.${room}=;.*Max-Age=0`));

    for (const stream of streams) {
      const events = await endedByDeletion(stream);
      expect(deletion(events)).toEqual({ kind: "room_deleted", by: "owner", at: expect.any(Number) });
    }
    // Logged for the operator with the role alone.
    expect(logged).toContain(JSON.stringify({ event: "moderation", action: "delete_room", role: "owner" }));
    for (const line of logged) {
      expect(line).not.toContain(room);
      expect(line).not.toContain(key);
    }

    // Nobody is in it, nothing is kept of it, and no alarm is left to go off.
    expect(await users(room)).toEqual([]);
    expect(await env.CHAT_ROOM.getByName(room).stats()).toEqual({
      subscribers: 0,
      directReaders: 0,
      relays: 0,
      relaysReading: 0,
      chunksSent: 0,
      catchingUp: 0,
      online: 0,
      lastEventId: 0,
      queuedBytes: 0,
      limiterKeys: 0,
    });
    expect(await env.CHAT_ROOM.getByName(room).settings()).toEqual({ topic: "", slowModeSeconds: 0, readOnly: false });
    expect(await alarmOf(room)).toBeNull();
    // Its name can be claimed again at once: the old owner key, and the sessions, count for nothing.
    const newKey = await claim(room);
    await expectError(await withKey(room, key, "PATCH", "/room", { topic: "Still mine?" }), 403, "not_a_moderator");
    expect((await withKey(room, newKey, "PATCH", "/room", { topic: "A new room" })).status).toBe(200);
    for (const participant of [owner, helper, mina]) {
      await expectError(await say(participant, "am I still here?"), 401, "not_joined");
      await expectError(await act(participant, "PATCH", "/room", { topic: "By an old session" }), 401, "not_joined");
      await expectError(await call(`${roomPath(room)}/stream?token=${participant.token}`), 401, "not_joined");
    }
    // The participant removed from the old room may come into the new one.
    expect((await joinAs(room, "Leo")).name).toBe("Leo");
  });

  it("by the session that joined with the owner key, as the owner's page does", async () => {
    const { room, owner } = await busyRoom("delete-by-session");
    const stream = await openStream(room, { token: owner.token });
    const answer = await act(owner, "DELETE", "/room", { confirm: room });
    expect(answer.status).toBe(200);
    expect(deletion(await endedByDeletion(stream))).toMatchObject({ kind: "room_deleted", by: "owner" });
    expect(await users(room)).toEqual([]);
    expect(await lastEventId(room)).toBe(0);
  });

  it("ends a stream still being sent history with no more of it, then the deletion", async () => {
    const room = freshRoom("delete-catching-up");
    const key = await claim(room);
    const stub = env.CHAT_ROOM.getByName(room);
    const writers: Participant[] = [];
    for (let i = 0; i < 10; i++) writers.push(await joinAs(room, `w${i}`));
    // A history several times the backlog bound: a reader from the start is sent it a page at a
    // time, as it takes them.
    const text = "가".repeat(990);
    for (let i = 0; i < 60; i++) await sayOk(nth(writers, i), `${i} ${text}`);
    const stored = await lastEventId(room);
    const catchingUp = await openStream(room, { lastEventId: 0 });
    const first = await catchingUp.reader.nextChat();
    const live = await openStream(room);
    await heartbeatsUntil(live.reader, async () => (await stub.stats()).catchingUp === 1, "never went live");

    expect((await deleteWithKey(room, key)).status).toBe(200);
    const rest = await endedByDeletion(catchingUp, 10_000);
    const ids = [first.id, ...rest.flatMap((event) => (event.id ? [Number(event.id)] : []))];
    // What was already on its way, in order, and then the end: not the rest of a history that is gone.
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i + 1));
    expect(ids.length).toBeLessThan(stored);
    expect(rest.at(-1)?.event).toBe("deleted");
    await endedByDeletion(live);
    expect(await stub.stats()).toMatchObject({ subscribers: 0, catchingUp: 0, queuedBytes: 0 });
  }, 20_000);

  it("leaves nothing in the room's database that a brand-new room's does not hold", async () => {
    const { room, key, owner, mina } = await busyRoom("delete-no-trace");
    const untouched = freshRoom("never-used");
    await env.CHAT_ROOM.getByName(untouched).stats();
    const fresh = await everyRow(untouched);
    const used = JSON.stringify(await everyRow(room));
    // Found before: the search below looks where the room keeps what it was told.
    for (const trace of ["swordfish", "Swordfish club", "Mina", mina.token, owner.token]) {
      expect(used).toContain(trace);
    }

    expect((await deleteWithKey(room, key)).status).toBe(200);
    const after = await everyRow(room);
    expect(after).toEqual(fresh);
    const dump = JSON.stringify(after);
    for (const trace of ["swordfish", "Swordfish club", "Mina", "Leo", "Helper", mina.token, owner.token]) {
      expect(dump).not.toContain(trace);
    }
  });

  it("serves a reader coming back with an id from before as a new reader of the room that follows", async () => {
    const { room, key, mina } = await busyRoom("delete-resume");
    const position = await lastEventId(room);
    const old = await openStream(room, { token: mina.token });
    await old.reader.chatUntil((_data, id) => id === position);
    expect(old.reader.lastEventId).toBe(String(position));
    expect((await deleteWithKey(room, key)).status).toBe(200);
    await endedByDeletion(old);

    const newcomer = await joinAs(room, "Newcomer");
    const newId = await sayOk(newcomer, "hello, new room");
    expect(newId).toBeLessThan(position);
    // Its Last-Event-ID is ahead of everything the new room has said: it is told it missed some,
    // and is sent the room's history from the start, none of it from before.
    const back = await openStream(room, { lastEventId: position });
    const events = await back.reader.until((event) => event.event === "message" && event.id === String(newId));
    await back.reader.cancel();
    expect(events.find((event) => event.event === "presence")?.id).toBe("0");
    expect(JSON.parse(events.find((event) => event.event === "gap")?.data ?? "null")).toEqual({
      lastEventId: position,
      oldestId: 1,
      latestId: newId,
    });
    const said = events.filter((event) => event.event === "message").map((event) => JSON.parse(event.data).msg);
    expect(said).toEqual(["add user : Newcomer", "hello, new room"]);
    expect(back.reader.raw).not.toContain("swordfish");
    // A new reader, the same.
    const reader = await openStream(room);
    await reader.reader.chatUntil((data) => data.msg === "hello, new room");
    await reader.reader.cancel();
    expect(reader.reader.raw).not.toContain("swordfish");
    expect(reader.reader.raw).not.toContain("Mina");
  });

  it("by the operator: any room, one without an owner and the lobby too", async () => {
    const logged = captureLogs();
    // A room nobody claimed: no key but the operator's deletes it.
    const room = freshRoom("delete-unowned");
    const guest = await joinAs(room, "Guest");
    await sayOk(guest, "nobody owns this");
    await expectError(await deleteWithKey(room, "a-key-of-no-room"), 403, "not_a_moderator");
    await expectError(await act(guest, "DELETE", "/room", { confirm: room }), 403, "not_a_moderator");
    const stream = await openStream(room);
    expect((await deleteWithKey(room, ADMIN_TOKEN)).status).toBe(200);
    expect(deletion(await endedByDeletion(stream))).toMatchObject({ kind: "room_deleted", by: "operator" });
    expect(await lastEventId(room)).toBe(0);
    // Nothing has happened in it since: it can be claimed.
    await claim(room);

    // A claimed room, by the operator's session.
    const { room: owned } = await busyRoom("delete-by-operator");
    const operator = await joinWithKey(owned, "Operator", ADMIN_TOKEN);
    const ownedStream = await openStream(owned);
    expect((await act(operator, "DELETE", "/room", { confirm: owned })).status).toBe(200);
    expect(deletion(await endedByDeletion(ownedStream))).toMatchObject({ by: "operator" });

    // The lobby starts over empty, and stays the lobby: nobody can claim it.
    const lobbyGuest = await joinAs(undefined, "LobbyGuest");
    await sayOk(lobbyGuest, "lobby chatter");
    const lobbyStream = await openStream(undefined);
    expect((await deleteWithKey(undefined, ADMIN_TOKEN, "lobby")).status).toBe(200);
    expect(deletion(await endedByDeletion(lobbyStream))).toMatchObject({ by: "operator" });
    expect(await users(undefined)).toEqual([]);
    expect(await lastEventId("lobby")).toBe(0);
    await expectError(await call("/owner", { method: "POST" }), 403, "lobby_has_no_owner");
    expect(logged.filter((line) => line.includes('"delete_room"'))).toEqual(
      Array(3).fill(JSON.stringify({ event: "moderation", action: "delete_room", role: "operator" })),
    );
  });

  it("is refused to a moderator, anyone else, and without the room's name confirmed, changing nothing", async () => {
    const { room, key, helper, mina } = await busyRoom("delete-refused");
    const stub = env.CHAT_ROOM.getByName(room);
    // A new moderator key: Helper, who joined with the old one, moderates no more.
    const moderatorKey = await moderatorKeyOf(room, key);
    const moderator = await joinWithKey(room, "Helper2", moderatorKey);
    const stream = await openStream(room, { token: mina.token });
    await stream.reader.until((event) => event.event === "settings");
    const before = { last: await lastEventId(room), users: await users(room), rows: await everyRow(room) };

    await expectError(await deleteWithKey(room, moderatorKey), 403, "not_the_owner");
    await expectError(await act(moderator, "DELETE", "/room", { confirm: room }), 403, "not_the_owner");
    await expectError(await act(helper, "DELETE", "/room", { confirm: room }), 403, "not_a_moderator");
    await expectError(await act(mina, "DELETE", "/room", { confirm: room }), 403, "not_a_moderator");
    await expectError(
      await call(`${roomPath(room)}/room?confirm=${room}`, { method: "DELETE" }),
      403,
      "not_a_moderator",
    );
    await expectError(await deleteWithKey(room, "not-the-key"), 403, "not_a_moderator");
    // The owner too must name the room: another room's name, or none, deletes nothing.
    await expectError(await deleteWithKey(room, key, "lobby"), 400, "confirmation_mismatch");
    await expectError(await deleteWithKey(room, key, `${room}x`), 400, "confirmation_mismatch");
    await expectError(await deleteWithKey(room, key, ""), 400, "confirmation_mismatch");
    await expectError(await withKey(room, key, "DELETE", "/room"), 400, "missing_field");
    await expectError(await withKey(room, key, "DELETE", "/room", { confirm: 1 }), 400, "invalid_field");

    expect(await lastEventId(room)).toBe(before.last);
    expect(await users(room)).toEqual(before.users);
    expect(await everyRow(room)).toEqual(before.rows);
    expect((await stub.stats()).subscribers).toBe(1);
    expect(await stream.reader.endsWithin(300)).toBe(false);
    // Named in any case, in the query string as a DELETE may carry it, it is the room's name.
    const answer = await withKey(room, key, "DELETE", `/room?confirm=${room.toUpperCase()}`);
    expect(answer.status).toBe(200);
    await endedByDeletion(stream);
    expect(await lastEventId(room)).toBe(0);
  });
});
