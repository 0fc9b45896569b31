import { env, evictDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Participant } from "./support/chat-client";
import { expectError } from "./support/expect-error";
import { freshRoom, roomPath } from "./support/rooms";
import { claim, joinWithKey, lastEventId, moderatorKeyOf, withKey } from "./support/workers/room-authority";
import { act, call, joinAs, openStream, sayOk, users } from "./support/workers/self-client";

const ADMIN_TOKEN = String(env.ADMIN_TOKEN);

afterEach(() => {
  vi.restoreAllMocks();
});

/** Replaces the owner key with `key` (and the session `token`, if given); the new key. */
async function replaced(room: string, key: string, token?: string): Promise<string> {
  const response = await withKey(room, key, "POST", "/owner-key", undefined, token);
  expect(response.status).toBe(201);
  return ((await response.json()) as { ownerKey: string }).ownerKey;
}

/** Replaces the owner key as a session acting with the authority it joined with; the new key. */
async function replacedBySession(participant: Participant): Promise<string> {
  const response = await act(participant, "POST", "/owner-key");
  expect(response.status).toBe(201);
  return ((await response.json()) as { ownerKey: string }).ownerKey;
}

/** The role a key (or, without one, a session) holds in a room, as `GET /role` answers. */
async function roleOf(room: string, key: string | undefined, participant?: Participant): Promise<string | null> {
  const headers: Record<string, string> = {};
  if (key !== undefined) headers["Chat-Room-Key"] = key;
  if (participant !== undefined) headers.Authorization = `Bearer ${participant.token}`;
  const response = await call(`${roomPath(room)}/role`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get("Cache-Control")).toBe("no-store");
  const body = (await response.json()) as { room: string; role: string | null };
  expect(body.room).toBe(room);
  return body.role;
}

/** Every console line the Worker and the room write while a test runs. */
function captureLogs(): string[] {
  const logged: string[] = [];
  for (const method of ["log", "warn", "error"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => logged.push(args.join(" ")));
  }
  return logged;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Every refusal an old owner key gets where it used to act, none of which changes anything. */
async function expectRefusedEverywhere(room: string, key: string, guestMessage: number): Promise<void> {
  const before = await lastEventId(room);
  const settings = await env.CHAT_ROOM.getByName(room).settings();
  for (const [method, endpoint, fields] of [
    ["PATCH", "/room", { topic: "Still mine" }],
    ["POST", "/moderator-key", undefined],
    ["DELETE", "/moderator-key", undefined],
    ["POST", "/removals", { name: "Guest", minutes: 5 }],
    ["DELETE", "/removals?name=Guest", undefined],
    ["DELETE", `/messages?id=${guestMessage}`, undefined],
    ["POST", "/owner-key", undefined],
  ] as const) {
    await expectError(await withKey(room, key, method, endpoint, fields), 403, "not_a_moderator");
  }
  expect(await lastEventId(room)).toBe(before);
  expect(await env.CHAT_ROOM.getByName(room).settings()).toEqual(settings);
  expect(await roleOf(room, key)).toBeNull();
}

describe("replacing the owner key", () => {
  it("by the key: the new one is answered once, and the old one is refused everywhere, changing nothing", async () => {
    const room = freshRoom("replace-by-key");
    const old = await claim(room);
    const guest = await joinAs(room, "Guest");
    const guestMessage = await sayOk(guest, "hello");
    const response = await withKey(room, old, "POST", "/owner-key");
    expect(response.status).toBe(201);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    const answer = (await response.json()) as { room: string; ownerKey: string };
    expect(answer).toEqual({ room, ownerKey: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/) });
    expect(answer.ownerKey).not.toBe(old);

    await expectRefusedEverywhere(room, old, guestMessage);
    // Joining with the old key marks nobody.
    const late = await joinWithKey(room, "Late", old);
    await expectError(await act(late, "PATCH", "/room", { topic: "By the old key's session" }), 403, "not_a_moderator");
    expect(await users(room)).toEqual([{ name: "Guest" }, { name: "Late" }]);

    expect(await roleOf(room, answer.ownerKey)).toBe("owner");
    expect((await withKey(room, answer.ownerKey, "PATCH", "/room", { topic: "The new key's" })).status).toBe(200);
    // A claim stays what it was: the room has an owner.
    await expectError(await call(`${roomPath(room)}/owner`, { method: "POST" }), 409, "room_owned");
  });

  it("takes the mark of every session that joined with the old key, but the replacing one's, which goes on as the owner", async () => {
    const room = freshRoom("replace-marks");
    const old = await claim(room);
    const phone = await joinWithKey(room, "Phone", old);
    const laptop = await joinWithKey(room, "Laptop", old);
    const helper = await joinWithKey(room, "Helper", await moderatorKeyOf(room, old));
    const operator = await joinWithKey(room, "Operator", ADMIN_TOKEN);
    const guest = await joinAs(room, "Guest");
    const guestMessage = await sayOk(guest, "hi all");
    expect(await users(room)).toEqual([
      { name: "Guest" },
      { name: "Helper", role: "moderator" },
      { name: "Laptop", role: "owner" },
      { name: "Operator", role: "owner" },
      { name: "Phone", role: "owner" },
    ]);

    // The phone's page sends its key and its session, as the page does.
    const fresh = await replaced(room, old, phone.token);
    expect(await users(room)).toEqual([
      { name: "Guest" },
      { name: "Helper", role: "moderator" },
      { name: "Laptop" },
      { name: "Operator", role: "owner" },
      { name: "Phone", role: "owner" },
    ]);
    const before = await lastEventId(room);
    for (const [method, endpoint, fields] of [
      ["PATCH", "/room", { topic: "The laptop's" }],
      ["POST", "/removals", { name: "Guest", minutes: 5 }],
      ["POST", "/owner-key", undefined],
    ] as const) {
      await expectError(await act(laptop, method, endpoint, fields), 403, "not_a_moderator");
    }
    await expectError(await act(laptop, "DELETE", `/messages?id=${guestMessage}`), 403, "not_author");
    expect(await lastEventId(room)).toBe(before);
    expect(await roleOf(room, undefined, laptop)).toBeNull();
    expect(await roleOf(room, undefined, phone)).toBe("owner");

    // The moderator key and the operator's token were not the owner key: both still hold.
    expect((await act(helper, "PATCH", "/room", { topic: "The helper's" })).status).toBe(200);
    expect((await act(operator, "PATCH", "/room", { topic: "The operator's" })).status).toBe(200);
    // The phone acts by its session alone, and hands out moderator keys as the owner.
    expect((await act(phone, "PATCH", "/room", { topic: "The phone's" })).status).toBe(200);
    expect((await act(phone, "POST", "/moderator-key")).status).toBe(201);
    expect((await withKey(room, fresh, "PATCH", "/room", { topic: "By the new key" })).status).toBe(200);
  });

  it("by a session that joined with the key, which keeps its mark while the others lose theirs", async () => {
    const room = freshRoom("replace-by-session");
    const old = await claim(room);
    const phone = await joinWithKey(room, "Phone", old);
    const laptop = await joinWithKey(room, "Laptop", old);
    const fresh = await replacedBySession(laptop);
    expect(await users(room)).toEqual([{ name: "Laptop", role: "owner" }, { name: "Phone" }]);
    await expectError(await act(phone, "PATCH", "/room", { topic: "The phone's" }), 403, "not_a_moderator");
    await expectError(await withKey(room, old, "PATCH", "/room", { topic: "Old" }), 403, "not_a_moderator");
    expect((await act(laptop, "PATCH", "/room", { topic: "The laptop's" })).status).toBe(200);
    // And again: a session goes on replacing it, each time keeping the room.
    const third = await replacedBySession(laptop);
    expect(third).not.toBe(fresh);
    await expectError(await withKey(room, fresh, "PATCH", "/room", { topic: "Second" }), 403, "not_a_moderator");
    expect(await roleOf(room, third)).toBe("owner");
    expect(await users(room)).toEqual([{ name: "Laptop", role: "owner" }, { name: "Phone" }]);
  });

  it("by the operator, for an owner who lost the key: nobody who held it owns the room any more", async () => {
    const logged = captureLogs();
    const room = freshRoom("replace-operator");
    const lost = await claim(room);
    const stolen = await joinWithKey(room, "Someone", lost);
    const guest = await joinAs(room, "Guest");
    const guestMessage = await sayOk(guest, "hello");
    // The operator's session (not the owner's) replaces it, as a page with the operator's token does.
    const operator = await joinWithKey(room, "Operator", ADMIN_TOKEN);
    const fresh = await replaced(room, ADMIN_TOKEN, operator.token);
    expect(await users(room)).toEqual([{ name: "Guest" }, { name: "Operator", role: "owner" }, { name: "Someone" }]);
    await expectRefusedEverywhere(room, lost, guestMessage);
    await expectError(await act(stolen, "POST", "/owner-key"), 403, "not_a_moderator");
    expect(await roleOf(room, fresh)).toBe("owner");
    expect(await roleOf(room, ADMIN_TOKEN)).toBe("operator");
    // The owner, handed the new key, owns the room again.
    const owner = await joinWithKey(room, "Owner", fresh);
    expect((await act(owner, "POST", "/moderator-key")).status).toBe(201);
    expect(logged.map((line) => JSON.parse(line))).toContainEqual({
      event: "moderation",
      action: "owner_key_replaced",
      role: "operator",
    });
    for (const secret of [lost, fresh, ADMIN_TOKEN, await sha256Hex(lost), await sha256Hex(fresh)]) {
      expect(logged.filter((line) => line.includes(secret))).toEqual([]);
    }
  });

  it("by the operator gives a room without an owner one, but not the lobby; nobody else can", async () => {
    const logged = captureLogs();
    const room = freshRoom("unowned");
    const guest = await joinAs(room, "Guest");
    await sayOk(guest, "nobody owns this");
    const moderatorKey = await moderatorKeyOf(room, ADMIN_TOKEN);
    const moderator = await joinWithKey(room, "Moderator", moderatorKey);
    const before = await lastEventId(room);
    await expectError(await call(`${roomPath(room)}/owner-key`, { method: "POST" }), 403, "not_a_moderator");
    await expectError(await act(guest, "POST", "/owner-key"), 403, "not_a_moderator");
    await expectError(await withKey(room, "not-a-key", "POST", "/owner-key"), 403, "not_a_moderator");
    await expectError(await withKey(room, moderatorKey, "POST", "/owner-key"), 403, "not_the_owner");
    await expectError(await act(moderator, "POST", "/owner-key"), 403, "not_the_owner");
    await expectError(await withKey(undefined, ADMIN_TOKEN, "POST", "/owner-key"), 403, "lobby_has_no_owner");
    expect(await lastEventId(room)).toBe(before);
    // Claiming stays for rooms nothing has happened in.
    await expectError(await call(`${roomPath(room)}/owner`, { method: "POST" }), 409, "room_in_use");

    const given = await replaced(room, ADMIN_TOKEN);
    expect(await roleOf(room, given)).toBe("owner");
    expect((await withKey(room, given, "POST", "/moderator-key")).status).toBe(201);
    await expectError(await call(`${roomPath(room)}/owner`, { method: "POST" }), 409, "room_owned");
    expect(logged.map((line) => JSON.parse(line))).toContainEqual({
      event: "moderation",
      action: "owner_key_made",
      role: "operator",
    });
  });

  it("is refused to a moderator, by key or by session, changing nothing", async () => {
    const room = freshRoom("replace-moderator");
    const owner = await claim(room);
    const moderatorKey = await moderatorKeyOf(room, owner);
    const moderator = await joinWithKey(room, "Helper", moderatorKey);
    const before = await lastEventId(room);
    await expectError(await withKey(room, moderatorKey, "POST", "/owner-key"), 403, "not_the_owner");
    await expectError(await act(moderator, "POST", "/owner-key"), 403, "not_the_owner");
    expect(await lastEventId(room)).toBe(before);
    expect(await roleOf(room, owner)).toBe("owner");
    expect(await roleOf(room, moderatorKey)).toBe("moderator");
  });

  it("is an event with an id, live and replayed, that carries no key and no hash; logged without either", async () => {
    const room = freshRoom("replace-event");
    const old = await claim(room);
    const host = await joinWithKey(room, "Host", old);
    const live = await openStream(room, { token: host.token });
    const logged = captureLogs();
    const fresh = await replaced(room, old, host.token);
    const id = await lastEventId(room);
    const events = await live.reader.until((event) => event.event === "owner_key");
    await live.reader.cancel();
    const event = events.at(-1);
    expect(event?.id).toBe(String(id));
    expect(JSON.parse(event?.data ?? "")).toEqual({ kind: "owner_key", at: expect.any(Number) });

    const resumed = await openStream(room, { lastEventId: 0 });
    const replayed = await resumed.reader.until((seen) => seen.id === String(id));
    await resumed.reader.cancel();
    expect(replayed.at(-1)?.event).toBe("owner_key");

    const secrets = [old, fresh, await sha256Hex(old), await sha256Hex(fresh)];
    for (const secret of secrets) {
      expect(live.reader.raw).not.toContain(secret);
      expect(resumed.reader.raw).not.toContain(secret);
      expect(logged.filter((line) => line.includes(secret))).toEqual([]);
    }
    expect(logged.map((line) => JSON.parse(line))).toEqual([
      { event: "moderation", action: "owner_key_replaced", role: "owner" },
    ]);
  });

  it("outlasts an eviction: the old key stays refused, and the marks stay as they were left", async () => {
    const room = freshRoom("replace-evicted");
    const old = await claim(room);
    const phone = await joinWithKey(room, "Phone", old);
    const laptop = await joinWithKey(room, "Laptop", old);
    const fresh = await replaced(room, old, laptop.token);
    await evictDurableObject(env.CHAT_ROOM.getByName(room));
    expect(await users(room)).toEqual([{ name: "Laptop", role: "owner" }, { name: "Phone" }]);
    await expectError(await withKey(room, old, "PATCH", "/room", { topic: "Old" }), 403, "not_a_moderator");
    await expectError(await act(phone, "PATCH", "/room", { topic: "Phone" }), 403, "not_a_moderator");
    expect((await act(laptop, "PATCH", "/room", { topic: "Laptop" })).status).toBe(200);
    expect((await withKey(room, fresh, "PATCH", "/room", { topic: "New key" })).status).toBe(200);
  });
});

describe("asking which authority one holds", () => {
  it("answers for a key, the operator's token or a session, and changes nothing", async () => {
    const room = freshRoom("role");
    const owner = await claim(room);
    const host = await joinWithKey(room, "Host", owner);
    const guest = await joinAs(room, "Guest");
    const before = await lastEventId(room);
    expect(await roleOf(room, owner)).toBe("owner");
    expect(await roleOf(room, ADMIN_TOKEN)).toBe("operator");
    expect(await roleOf(room, "not-a-key")).toBeNull();
    expect(await roleOf(room, undefined)).toBeNull();
    expect(await roleOf(room, undefined, host)).toBe("owner");
    expect(await roleOf(room, undefined, guest)).toBeNull();
    // A key given is judged alone, as every other request judges it.
    expect(await roleOf(room, "not-a-key", host)).toBeNull();
    expect(await lastEventId(room)).toBe(before);
  });
});
