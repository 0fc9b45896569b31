import { env, evictDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Participant } from "./support/chat-client";
import { jsonBody } from "./support/chat-client";
import { expectError } from "./support/expect-error";
import { heartbeatsUntil } from "./support/heartbeats";
import { freshRoom, roomPath } from "./support/rooms";
import { nth } from "./support/round-robin";
import { expectHistoryThenRemoval, roomWithLongHistory } from "./support/workers/catching-up-removal";
import { claim, joinWithKey, lastEventId, moderatorKeyOf, withKey } from "./support/workers/room-authority";
import { act, call, joinAs, leave, openStream, sayOk, users } from "./support/workers/self-client";

const ADMIN_TOKEN = String(env.ADMIN_TOKEN);

afterEach(() => {
  vi.restoreAllMocks();
});

/** Posts as a participant who also presents the room's key, as an owner's page does. */
function postAsOwner(participant: Participant, key: string, msg: string) {
  return call(`${roomPath(participant.room)}/messages`, {
    method: "POST",
    ...jsonBody({ msg }),
    headers: { ...jsonBody({}).headers, Authorization: `Bearer ${participant.token}`, "Chat-Room-Key": key },
  });
}

describe("owning a room", () => {
  it("is for whoever claims it before anything happens in it, once; the key is answered once and never logged", async () => {
    const logged: string[] = [];
    for (const method of ["log", "warn", "error"] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => logged.push(args.join(" ")));
    }
    const room = freshRoom("own");
    const claimed = await call(`${roomPath(room)}/owner`, { method: "POST" });
    expect(claimed.status).toBe(201);
    const answer = (await claimed.json()) as { room: string; ownerKey: string };
    expect(answer).toEqual({ room, ownerKey: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/) });
    const key = answer.ownerKey;
    await expectError(await call(`${roomPath(room)}/owner`, { method: "POST" }), 409, "room_owned");
    expect((await withKey(room, key, "PATCH", "/room", { topic: "Launch day" })).status).toBe(200);
    expect(logged.some((line) => line.includes(key))).toBe(false);
    expect(logged.map((line) => JSON.parse(line))).toContainEqual({
      event: "moderation",
      action: "claim",
      role: "owner",
    });
  });

  it("cannot be claimed once people have used the room, nor for the lobby", async () => {
    const room = freshRoom("used");
    await joinAs(room, "Mina");
    await expectError(await call(`${roomPath(room)}/owner`, { method: "POST" }), 409, "room_in_use");
    await expectError(await call("/owner", { method: "POST" }), 403, "lobby_has_no_owner");
  });

  it("refuses anyone without the key, or with a wrong one, changing nothing", async () => {
    const room = freshRoom("no-key");
    await claim(room);
    const before = await lastEventId(room);
    await expectError(
      await call(`${roomPath(room)}/room`, { method: "PATCH", ...jsonBody({ topic: "x" }) }),
      403,
      "not_a_moderator",
    );
    await expectError(await withKey(room, "not-the-key", "PATCH", "/room", { topic: "x" }), 403, "not_a_moderator");
    expect(await lastEventId(room)).toBe(before);
  });

  it("keeps its owner and settings across an eviction", async () => {
    const room = freshRoom("evicted");
    const key = await claim(room);
    await withKey(room, key, "PATCH", "/room", { topic: "Still here", slowModeSeconds: 5, readOnly: true });
    await evictDurableObject(env.CHAT_ROOM.getByName(room));
    const stream = await openStream(room);
    const settings = await stream.reader.until((event) => event.event === "settings");
    await stream.reader.cancel();
    expect(JSON.parse(settings.at(-1)?.data ?? "")).toEqual({
      topic: "Still here",
      slowModeSeconds: 5,
      readOnly: true,
    });
    expect((await withKey(room, key, "PATCH", "/room", { readOnly: false })).status).toBe(200);
  });
});

describe("the operator's token", () => {
  it("acts as the owner of every room, the lobby included", async () => {
    const room = freshRoom("operated");
    await joinAs(room, "Mina");
    expect((await withKey(room, ADMIN_TOKEN, "PATCH", "/room", { topic: "Operated" })).status).toBe(200);
    expect((await withKey(undefined, ADMIN_TOKEN, "PATCH", "/room", { topic: "The lobby" })).status).toBe(200);
    expect((await withKey(undefined, ADMIN_TOKEN, "PATCH", "/room", { topic: "" })).status).toBe(200);
  });
});

describe("moderator keys", () => {
  it("are handed out and taken back by the owner alone", async () => {
    const room = freshRoom("moderators");
    const owner = await claim(room);
    const made = await withKey(room, owner, "POST", "/moderator-key");
    expect(made.status).toBe(201);
    const madeAnswer = (await made.json()) as { room: string; moderatorKey: string };
    expect(madeAnswer).toEqual({ room, moderatorKey: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/) });
    const { moderatorKey } = madeAnswer;
    expect((await withKey(room, moderatorKey, "PATCH", "/room", { topic: "By a moderator" })).status).toBe(200);
    await expectError(await withKey(room, moderatorKey, "POST", "/moderator-key"), 403, "not_the_owner");
    const helper = await call(`${roomPath(room)}/users`, {
      method: "POST",
      ...jsonBody({ name: "Helper" }),
      headers: { ...jsonBody({}).headers, "Chat-Room-Key": moderatorKey },
    });
    expect(((await helper.json()) as { role: string }).role).toBe("moderator");
    const live = await openStream(room);
    const revoked = await withKey(room, owner, "DELETE", "/moderator-key");
    expect(revoked.status).toBe(200);
    const revokedAnswer = (await revoked.json()) as { room: string; id: number };
    expect(revokedAnswer).toEqual({ room, id: expect.any(Number) });
    const { id } = revokedAnswer;
    // Taking rights back is an event like every action, so that pages drop the marks at once.
    const told = (await live.reader.until((event) => event.event === "moderators" && event.id === String(id))).at(-1);
    await live.reader.cancel();
    expect(JSON.parse(told?.data ?? "")).toMatchObject({ kind: "moderators" });
    await expectError(await withKey(room, moderatorKey, "PATCH", "/room", { topic: "x" }), 403, "not_a_moderator");
    // Nor is whoever joined with it marked as a moderator any more.
    expect(await (await call(`${roomPath(room)}/users`)).json()).toEqual([{ name: "Helper" }]);
  });
});

describe("taking back moderator rights", () => {
  it("when no moderator key is out changes nothing: the id is null and no event is recorded", async () => {
    const room = freshRoom("revoke-none");
    const owner = await claim(room);
    const nothingOut = await withKey(room, owner, "DELETE", "/moderator-key");
    expect(nothingOut.status).toBe(200);
    expect(await nothingOut.json()).toEqual({ room, id: null });
    expect(await lastEventId(room)).toBe(0);

    await moderatorKeyOf(room, owner);
    const revoked = (await (await withKey(room, owner, "DELETE", "/moderator-key")).json()) as { id: number };
    expect(revoked.id).toBe(await lastEventId(room));
    // Again, with the rights already taken back.
    expect(await (await withKey(room, owner, "DELETE", "/moderator-key")).json()).toEqual({ room, id: null });
    expect(await lastEventId(room)).toBe(revoked.id);
  });
});

describe("a session that joined with a key", () => {
  it("posts in a read-only room by its session alone, until the moderator key it joined with is replaced or taken back", async () => {
    const room = freshRoom("marked-authority");
    const owner = await claim(room);
    const host = await joinWithKey(room, "Host", owner);
    const helper = await joinWithKey(room, "Helper", await moderatorKeyOf(room, owner));
    const mina = await joinAs(room, "Mina");
    await withKey(room, owner, "PATCH", "/room", { readOnly: true });

    expect((await act(host, "POST", "/messages", { msg: "From the owner" })).status).toBe(201);
    expect((await act(helper, "POST", "/messages", { msg: "From a moderator" })).status).toBe(201);
    await expectError(await act(mina, "POST", "/messages", { msg: "hello?" }), 403, "read_only");

    // Taken back: the moderator's session holds no authority any more; the owner's still does.
    expect((await withKey(room, owner, "DELETE", "/moderator-key")).status).toBe(200);
    const before = await lastEventId(room);
    await expectError(await act(helper, "POST", "/messages", { msg: "still me" }), 403, "read_only");
    expect(await lastEventId(room)).toBe(before);
    expect((await act(host, "POST", "/messages", { msg: "Still the owner" })).status).toBe(201);

    // Replaced: whoever joined with the old key loses it, whoever joins with the new one has it.
    const second = await joinWithKey(room, "Second", await moderatorKeyOf(room, owner));
    expect((await act(second, "POST", "/messages", { msg: "New moderator" })).status).toBe(201);
    await moderatorKeyOf(room, owner);
    await expectError(await act(second, "POST", "/messages", { msg: "and now?" }), 403, "read_only");
  });

  it("is exempt from slow mode, as the key it joined with is, and so is the operator's", async () => {
    const room = freshRoom("marked-slow");
    const owner = await claim(room);
    const host = await joinWithKey(room, "Host", owner);
    const operator = await joinWithKey(room, "Operator", ADMIN_TOKEN);
    const mina = await joinAs(room, "Mina");
    await withKey(room, owner, "PATCH", "/room", { slowModeSeconds: 30 });
    for (const msg of ["one", "two"]) {
      expect((await act(host, "POST", "/messages", { msg })).status).toBe(201);
      expect((await act(operator, "POST", "/messages", { msg })).status).toBe(201);
    }
    await sayOk(mina, "first");
    await expectError(await act(mina, "POST", "/messages", { msg: "second" }), 429, "slow_mode");
  });

  it("loses its authority by joining again without the key", async () => {
    const room = freshRoom("marked-rejoin");
    const owner = await claim(room);
    const host = await joinWithKey(room, "Host", owner);
    await withKey(room, owner, "PATCH", "/room", { readOnly: true });
    const rejoined = await call(`${roomPath(room)}/users`, {
      method: "POST",
      ...jsonBody({ name: "Host" }),
      headers: { ...jsonBody({}).headers, Authorization: `Bearer ${host.token}` },
    });
    expect(rejoined.status).toBe(200);
    await expectError(await act(host, "POST", "/messages", { msg: "hm" }), 403, "read_only");
  });
});

describe("moderating by a session that joined with a key", () => {
  /** A moderation request under a session's cookie, as the original client's browser would send it. */
  function withCookie(participant: Participant, method: string, endpoint: string, fields: object, origin?: string) {
    return call(`${roomPath(participant.room)}${endpoint}`, {
      method,
      ...jsonBody(fields),
      headers: {
        ...jsonBody({}).headers,
        Cookie: `chat.${participant.room}=${participant.token}`,
        ...(origin === undefined ? {} : { Origin: origin }),
      },
    });
  }

  it("of the owner sets the topic, removes and lets back, deletes anyone's message and makes moderator keys, without the key", async () => {
    const room = freshRoom("session-owner");
    const owner = await claim(room);
    const host = await joinWithKey(room, "Host", owner);
    const guest = await joinAs(room, "Guest");
    const theirs = await sayOk(guest, "something-that-must-come-down");
    const mine = await sayOk(host, "mine to take back");
    const live = await openStream(room, { lastEventId: mine });

    expect((await act(host, "PATCH", "/room", { topic: "Run by session" })).status).toBe(200);
    expect((await env.CHAT_ROOM.getByName(room).settings()).topic).toBe("Run by session");
    // Someone else's message is a moderator's deletion; one's own stays one's own.
    expect((await act(host, "DELETE", `/messages?id=${theirs}`)).status).toBe(200);
    expect((await act(host, "DELETE", `/messages?id=${mine}`)).status).toBe(200);
    const removal = await act(host, "POST", "/removals", { name: "Guest", minutes: 10 });
    expect(removal.status).toBe(200);
    await expectError(await act(guest, "POST", "/messages", { msg: "back!" }), 403, "removed");
    const lifted = await act(host, "DELETE", "/removals?name=Guest");
    expect(lifted.status).toBe(200);
    const { id: liftedId } = (await lifted.json()) as { id: number };
    const events = await live.reader.until((event) => event.id === String(liftedId));
    await live.reader.cancel();
    expect(events.filter((event) => event.event === "delete").map((event) => JSON.parse(event.data))).toEqual([
      expect.objectContaining({ kind: "delete", target: theirs, user: "Guest", moderated: true }),
      { kind: "delete", target: mine, user: "Host", at: expect.any(Number), sentAt: expect.any(Number) },
    ]);
    expect(events.map((event) => event.event)).toEqual(expect.arrayContaining(["removed", "lifted"]));

    const made = await act(host, "POST", "/moderator-key");
    expect(made.status).toBe(201);
    expect(await made.json()).toEqual({ room, moderatorKey: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/) });
    const revoked = await act(host, "DELETE", "/moderator-key");
    expect(await revoked.json()).toEqual({ room, id: await lastEventId(room) });
  });

  it("of a moderator removes a guest but makes no keys, and holds nothing once the key is taken back or replaced", async () => {
    const room = freshRoom("session-moderator");
    const owner = await claim(room);
    const helper = await joinWithKey(room, "Helper", await moderatorKeyOf(room, owner));
    await joinAs(room, "Guest");
    expect((await act(helper, "POST", "/removals", { name: "Guest", minutes: 5 })).status).toBe(200);
    expect(await users(room)).toEqual([{ name: "Helper", role: "moderator" }]);
    const before = await lastEventId(room);
    await expectError(await act(helper, "POST", "/moderator-key"), 403, "not_the_owner");
    await expectError(await act(helper, "DELETE", "/moderator-key"), 403, "not_the_owner");
    expect(await lastEventId(room)).toBe(before);

    expect((await withKey(room, owner, "DELETE", "/moderator-key")).status).toBe(200);
    const revoked = await lastEventId(room);
    await expectError(await act(helper, "PATCH", "/room", { topic: "Still mine?" }), 403, "not_a_moderator");
    await expectError(await act(helper, "DELETE", "/removals?name=Guest"), 403, "not_a_moderator");
    expect(await lastEventId(room)).toBe(revoked);

    const second = await joinWithKey(room, "Second", await moderatorKeyOf(room, owner));
    expect((await act(second, "PATCH", "/room", { topic: "Second's" })).status).toBe(200);
    await moderatorKeyOf(room, owner);
    const replaced = await lastEventId(room);
    await expectError(await act(second, "PATCH", "/room", { topic: "and now?" }), 403, "not_a_moderator");
    expect(await lastEventId(room)).toBe(replaced);
  });

  it("of a guest is refused every action where the owner's acts, changing nothing", async () => {
    const room = freshRoom("session-guest");
    const owner = await claim(room);
    const host = await joinWithKey(room, "Host", owner);
    const guest = await joinAs(room, "Guest");
    const hosts = await sayOk(host, "the host's");
    expect((await act(host, "PATCH", "/room", { topic: "The host's" })).status).toBe(200);
    const before = await lastEventId(room);
    for (const [method, endpoint, fields] of [
      ["PATCH", "/room", { topic: "Mine now" }],
      ["POST", "/removals", { name: "Host", minutes: 5 }],
      ["DELETE", "/removals?name=Host", undefined],
      ["POST", "/moderator-key", undefined],
      ["DELETE", "/moderator-key", undefined],
    ] as const) {
      await expectError(await act(guest, method, endpoint, fields), 403, "not_a_moderator");
    }
    await expectError(await act(guest, "DELETE", `/messages?id=${hosts}`), 403, "not_author");
    expect(await lastEventId(room)).toBe(before);
    expect((await env.CHAT_ROOM.getByName(room).settings()).topic).toBe("The host's");
    expect(await users(room)).toEqual([{ name: "Guest" }, { name: "Host", role: "owner" }]);
  });

  it("of the operator acts as the owner, by its cookie too, but not from another site", async () => {
    const room = freshRoom("session-operator");
    await claim(room);
    const operator = await joinWithKey(room, "Operator", ADMIN_TOKEN);
    expect((await act(operator, "PATCH", "/room", { readOnly: true })).status).toBe(200);
    expect((await withCookie(operator, "PATCH", "/room", { topic: "By cookie" })).status).toBe(200);
    const before = await lastEventId(room);
    await expectError(
      await withCookie(operator, "PATCH", "/room", { topic: "From elsewhere" }, "https://elsewhere.example"),
      403,
      "cross_site",
    );
    expect(await lastEventId(room)).toBe(before);
    expect(await env.CHAT_ROOM.getByName(room).settings()).toEqual({
      topic: "By cookie",
      slowModeSeconds: 0,
      readOnly: true,
    });
    expect((await act(operator, "POST", "/moderator-key")).status).toBe(201);
  });

  it("gives way to a key it presents, and holds nothing once it joins again without the key or leaves", async () => {
    const room = freshRoom("session-ends");
    const owner = await claim(room);
    const host = await joinWithKey(room, "Host", owner);
    expect((await act(host, "PATCH", "/room", { topic: "One" })).status).toBe(200);
    const withWrongKey = await call(`${roomPath(room)}/room`, {
      method: "PATCH",
      ...jsonBody({ topic: "Wrong key" }),
      headers: { ...jsonBody({}).headers, Authorization: `Bearer ${host.token}`, "Chat-Room-Key": "not-the-key" },
    });
    await expectError(withWrongKey, 403, "not_a_moderator");

    const rejoined = await call(`${roomPath(room)}/users`, {
      method: "POST",
      ...jsonBody({ name: "Host" }),
      headers: { ...jsonBody({}).headers, Authorization: `Bearer ${host.token}` },
    });
    expect(rejoined.status).toBe(200);
    await expectError(await act(host, "PATCH", "/room", { topic: "Two" }), 403, "not_a_moderator");

    const again = await joinWithKey(room, "Again", owner);
    expect((await act(again, "PATCH", "/room", { topic: "Three" })).status).toBe(200);
    expect((await leave(again)).status).toBe(200);
    await expectError(await act(again, "PATCH", "/room", { topic: "Four" }), 401, "not_joined");
    expect((await env.CHAT_ROOM.getByName(room).settings()).topic).toBe("Three");
  });
});

describe("room settings", () => {
  it("are events with ids, each replacing the one before, and come with every stream's greeting", async () => {
    const room = freshRoom("settings");
    const key = await claim(room);
    const live = await openStream(room);
    const first = ((await (await withKey(room, key, "PATCH", "/room", { topic: "One" })).json()) as { id: number }).id;
    const second = (
      (await (await withKey(room, key, "PATCH", "/room", { topic: "Two", slowModeSeconds: "10" })).json()) as {
        id: number;
      }
    ).id;
    expect(second).toBeGreaterThan(first);
    const events = await live.reader.until((event) => event.id === String(second));
    await live.reader.cancel();
    const changes = events.filter((event) => event.event === "settings" && event.id !== undefined).slice(-2);
    expect(changes.map((event) => JSON.parse(event.data))).toMatchObject([
      { kind: "settings", topic: "One", slowModeSeconds: 0, readOnly: false },
      { kind: "settings", topic: "Two", slowModeSeconds: 10, readOnly: false },
    ]);
    // The same settings again change nothing.
    expect(
      ((await (await withKey(room, key, "PATCH", "/room", { topic: "Two" })).json()) as { id: null }).id,
    ).toBeNull();
    // A reader resuming from before both is sent the last, which says all the first did.
    const resumed = await openStream(room, { lastEventId: 0 });
    const replayed = await resumed.reader.until((event) => event.id === String(second));
    await resumed.reader.cancel();
    expect(replayed.filter((event) => event.event === "settings").map((event) => JSON.parse(event.data).topic)).toEqual(
      ["Two", "Two"],
    );
  });

  it("refuses a bad topic, interval or switch, and an empty change", async () => {
    const room = freshRoom("bad-settings");
    const key = await claim(room);
    await expectError(await withKey(room, key, "PATCH", "/room", { slowModeSeconds: -1 }), 400, "invalid_setting");
    await expectError(await withKey(room, key, "PATCH", "/room", { slowModeSeconds: 3601 }), 400, "invalid_setting");
    await expectError(await withKey(room, key, "PATCH", "/room", { readOnly: "maybe" }), 400, "invalid_setting");
    await expectError(await withKey(room, key, "PATCH", "/room", { topic: "x".repeat(201) }), 400, "invalid_topic");
    await expectError(await withKey(room, key, "PATCH", "/room", { topic: "two\nlines" }), 400, "invalid_topic");
    await expectError(await withKey(room, key, "PATCH", "/room", {}), 400, "missing_field");
    expect(await lastEventId(room)).toBe(0);
  });

  it("hold participants to slow mode, with Retry-After, and the owner not", async () => {
    const room = freshRoom("slow");
    const key = await claim(room);
    const mina = await joinAs(room, "Mina");
    const owner = await joinAs(room, "Owner");
    await withKey(room, key, "PATCH", "/room", { slowModeSeconds: 30 });
    await sayOk(mina, "first");
    const before = await lastEventId(room);
    const refused = await act(mina, "POST", "/messages", { msg: "second" });
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(25);
    await expectError(refused, 429, "slow_mode");
    expect(await lastEventId(room)).toBe(before);
    for (const msg of ["one", "two"]) expect((await postAsOwner(owner, key, msg)).status).toBe(201);
    vi.spyOn(Date, "now").mockReturnValue(Date.now() + 31_000);
    expect((await act(mina, "POST", "/messages", { msg: "second" })).status).toBe(201);
  });

  it("let only the owner and moderators post while the room is read-only", async () => {
    const room = freshRoom("read-only");
    const key = await claim(room);
    const mina = await joinAs(room, "Mina");
    const owner = await joinAs(room, "Owner");
    await withKey(room, key, "PATCH", "/room", { readOnly: true });
    const before = await lastEventId(room);
    await expectError(await act(mina, "POST", "/messages", { msg: "hello?" }), 403, "read_only");
    expect(await lastEventId(room)).toBe(before);
    expect((await postAsOwner(owner, key, "We are back at noon.")).status).toBe(201);
    await withKey(room, key, "PATCH", "/room", { readOnly: false });
    expect((await act(mina, "POST", "/messages", { msg: "hello!" })).status).toBe(201);
  });
});

describe("deleting as a moderator", () => {
  it("removes anyone's message for everyone, as its author's deletion does, marked as a moderator's", async () => {
    const room = freshRoom("moderated-delete");
    const key = await claim(room);
    const mina = await joinAs(room, "Mina");
    const id = await sayOk(mina, "something-that-must-come-down");
    const live = await openStream(room, { lastEventId: id });
    const response = await withKey(room, key, "DELETE", `/messages?id=${id}`);
    expect(response.status).toBe(200);
    const deletion = (await live.reader.until((event) => event.event === "delete")).at(-1);
    await live.reader.cancel();
    expect(JSON.parse(deletion?.data ?? "")).toMatchObject({
      kind: "delete",
      target: id,
      user: "Mina",
      moderated: true,
    });
    const later = await openStream(room, { lastEventId: 0 });
    await later.reader.until((event) => event.id === deletion?.id);
    await later.reader.cancel();
    expect(later.reader.raw).not.toContain("must-come-down");
    await expectError(await withKey(room, key, "DELETE", "/messages?id=999"), 404, "no_such_message");
    await expectError(await withKey(room, "wrong", "DELETE", `/messages?id=${id}`), 403, "not_a_moderator");
  });
});

describe("removing a participant", () => {
  /** Joins from an address, as Cloudflare would report it. */
  async function joinFrom(room: string, name: string, address: string, token?: string) {
    return call(`${roomPath(room)}/users`, {
      method: "POST",
      ...jsonBody({ name }),
      headers: {
        ...jsonBody({}).headers,
        "CF-Connecting-IP": address,
        ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
      },
    });
  }

  it("ends their session and keeps them out, under any name, by session and by address, until their time is up", async () => {
    const room = freshRoom("remove");
    const key = await claim(room);
    const joined = await joinFrom(room, "Troll", "2001:db8:1:2::5");
    const { token } = (await joined.json()) as { token: string };
    const troll: Participant = { name: "Troll", token, room };
    const mina = await joinAs(room, "Mina");
    const live = await openStream(room);
    const theirs = await openStream(room, { token });
    await theirs.reader.chatUntil((data) => data.user === "Mina");

    const removal = await withKey(room, key, "POST", "/removals", { name: "Troll", minutes: 10 });
    expect(removal.status).toBe(200);
    const { id } = (await removal.json()) as { id: number };
    const removed = (await live.reader.until((event) => event.event === "removed")).at(-1);
    expect(removed?.id).toBe(String(id));
    expect(JSON.parse(removed?.data ?? "")).toMatchObject({ kind: "removed", user: "Troll" });
    // Then everyone is told they left, in the original chat's words (all its clients read), as
    // a stored event of its own.
    const left = await live.reader.next();
    await live.reader.cancel();
    expect(left).toMatchObject({ event: "message", id: String(id + 1) });
    expect(JSON.parse(left.data)).toMatchObject({ name: "", msg: "left user : Troll", kind: "leave", user: "Troll" });
    // Their own stream is told, then ends: the removal is the last it carries.
    expect((await theirs.reader.until((event) => event.event === "removed")).at(-1)?.id).toBe(String(id));
    expect(await theirs.reader.endsWithin(2000)).toBe(true);
    await expect(theirs.reader.next(100)).rejects.toThrow(/ended/);
    expect(await (await call(`${roomPath(room)}/users`)).json()).toEqual([{ name: "Mina" }]);
    // A reader that was away is sent the removal and the leave when it resumes, with the same ids.
    const resumed = await openStream(room, { lastEventId: id - 1 });
    const replayed = await resumed.reader.until((event) => event.id === String(id + 1));
    await resumed.reader.cancel();
    expect(replayed.slice(-2)).toEqual([removed, left]);

    // Their session, a new name from the same /64, and a stream from it: all refused, with when.
    const post = await act(troll, "POST", "/messages", { msg: "back!" });
    expect(Number(post.headers.get("Retry-After"))).toBeGreaterThan(590);
    await expectError(post, 403, "removed");
    await expectError(await joinFrom(room, "Troll2", "2001:db8:1:2::99"), 403, "removed");
    await expectError(await joinFrom(room, "Troll3", "198.51.100.7", token), 403, "removed");
    const stream = await call(`${roomPath(room)}/stream`, { headers: { "CF-Connecting-IP": "2001:db8:1:2::7" } });
    await expectError(stream, 403, "removed");
    // Others are not touched.
    expect((await act(mina, "POST", "/messages", { msg: "still here" })).status).toBe(201);
    expect((await joinFrom(room, "Neighbour", "2001:db8:1:3::5")).status).toBe(201);

    vi.spyOn(Date, "now").mockReturnValue(Date.now() + 11 * 60_000);
    expect((await joinFrom(room, "Troll", "2001:db8:1:2::5")).status).toBe(201);
  });

  it("ends their stream still being sent history with the rest of it before the removal, then the removal, once", async () => {
    const { room, key, troll, stored } = await roomWithLongHistory("remove-catching-up");
    const stub = env.CHAT_ROOM.getByName(room);
    const theirs = await openStream(room, { token: troll.token, lastEventId: 0 });
    const first = await theirs.reader.nextChat();
    // It reads nothing more for now, so the rest of its history waits.
    expect(await stub.stats()).toMatchObject({ subscribers: 1, catchingUp: 1 });

    const { id } = (await (await withKey(room, key, "POST", "/removals", { name: "Troll", minutes: 10 })).json()) as {
      id: number;
    };
    expect(id).toBe(stored + 1);
    await expectHistoryThenRemoval(theirs.reader, first.id, stored, id, "Troll");
  }, 20_000);

  it("ends their live stream that has fallen behind with what was held back for it, then the removal", async () => {
    const room = freshRoom("remove-behind");
    const key = await claim(room);
    const stub = env.CHAT_ROOM.getByName(room);
    const troll = await joinAs(room, "Troll");
    const writers = [await joinAs(room, "Mina"), await joinAs(room, "Leo")];
    const theirs = await openStream(room, { token: troll.token });
    await heartbeatsUntil(theirs.reader, async () => (await stub.stats()).catchingUp === 0, "never went live");
    // It stops reading while messages keep coming: what it has not taken is held for it.
    const text = "가".repeat(990);
    const sent: number[] = [];
    for (let i = 0; i < 16; i++) sent.push(await sayOk(nth(writers, i), `${i} ${text}`));
    // More than one message waits for it: beyond what is queued in its stream, some is held back.
    expect((await stub.stats()).queuedBytes).toBeGreaterThan(new TextEncoder().encode(text).byteLength);

    const { id } = (await (await withKey(room, key, "POST", "/removals", { name: "Troll", minutes: 10 })).json()) as {
      id: number;
    };
    const events = await theirs.reader.until((event) => event.event === "removed", 5000);
    expect(await theirs.reader.endsWithin(2000)).toBe(true);
    await expect(theirs.reader.next(100)).rejects.toThrow(/ended/);
    const ids = events.flatMap((event) => (event.id === undefined ? [] : [Number(event.id)]));
    expect(ids.slice(-sent.length - 1)).toEqual([...sent, id]);
    expect(events.filter((event) => event.event === "removed")).toHaveLength(1);
  });

  it("can be lifted early, and is refused for nobody, a bad duration, or without the key", async () => {
    const room = freshRoom("lift");
    const key = await claim(room);
    await joinFrom(room, "Guest", "203.0.113.9");
    await expectError(
      await withKey(room, key, "POST", "/removals", { name: "Nobody", minutes: 5 }),
      404,
      "no_such_participant",
    );
    await expectError(
      await withKey(room, key, "POST", "/removals", { name: "Guest", minutes: 0 }),
      400,
      "invalid_duration",
    );
    await expectError(
      await withKey(room, "wrong", "POST", "/removals", { name: "Guest", minutes: 5 }),
      403,
      "not_a_moderator",
    );
    expect((await withKey(room, key, "POST", "/removals", { name: "Guest", minutes: 60 })).status).toBe(200);
    await expectError(await joinFrom(room, "Guest", "203.0.113.9"), 403, "removed");
    expect((await withKey(room, key, "DELETE", "/removals?name=Guest")).status).toBe(200);
    expect((await joinFrom(room, "Guest", "203.0.113.9")).status).toBe(201);
    await expectError(await withKey(room, key, "DELETE", "/removals?name=Guest"), 404, "no_such_removal");
  });

  it("survives an eviction", async () => {
    const room = freshRoom("remove-evicted");
    const key = await claim(room);
    await joinFrom(room, "Guest", "192.0.2.44");
    await withKey(room, key, "POST", "/removals", { name: "Guest", minutes: 30 });
    await evictDurableObject(env.CHAT_ROOM.getByName(room));
    await expectError(await joinFrom(room, "Someone", "192.0.2.44"), 403, "removed");
  });
});

describe("the online list", () => {
  it("marks who joined with the owner's or a moderator's key, and nobody else", async () => {
    const room = freshRoom("marks");
    const owner = await claim(room);
    const moderatorKey = (
      (await (await withKey(room, owner, "POST", "/moderator-key")).json()) as { moderatorKey: string }
    ).moderatorKey;
    const live = await openStream(room);
    for (const [name, key] of [
      ["Host", owner],
      ["Helper", moderatorKey],
      ["Guest", undefined],
      ["Pretender", "not-a-key"],
    ] as const) {
      const response = await call(`${roomPath(room)}/users`, {
        method: "POST",
        ...jsonBody({ name }),
        headers: { ...jsonBody({}).headers, ...(key === undefined ? {} : { "Chat-Room-Key": key }) },
      });
      expect(response.status).toBe(201);
    }
    expect(await (await call(`${roomPath(room)}/users`)).json()).toEqual([
      { name: "Guest" },
      { name: "Helper", role: "moderator" },
      { name: "Host", role: "owner" },
      { name: "Pretender" },
    ]);
    const joins = await live.reader.chatUntil((data) => data.user === "Pretender");
    await live.reader.cancel();
    expect(joins.map(({ data }) => [data.user, data.role])).toEqual([
      ["Host", "owner"],
      ["Helper", "moderator"],
      ["Guest", undefined],
      ["Pretender", undefined],
    ]);
    // The marks outlive an eviction, in every new stream's greeting.
    await evictDurableObject(env.CHAT_ROOM.getByName(room));
    const stream = await openStream(room);
    const presence = await stream.reader.until((event) => event.event === "presence");
    await stream.reader.cancel();
    expect(JSON.parse(presence.at(-1)?.data ?? "").users).toContainEqual({ name: "Host", role: "owner" });
  });
});
