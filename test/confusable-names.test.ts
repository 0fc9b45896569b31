import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { lookalikeKeys, skeleton } from "../src/common/confusables";
import { jsonBody, type Participant } from "./support/chat-client";
import { freshRoom, roomPath } from "./support/rooms";
import { claim, joinWithKey, moderatorKeyOf, withKey } from "./support/workers/room-authority";
import { act, call, joinAs, leave, openStream, users } from "./support/workers/self-client";

const GRACE_MS = Number(env.PRESENCE_GRACE_SECONDS) * 1000;

/** Joins as `name`, or renames the participant `as` to it; answers the refusal's code and message, if any. */
async function tryJoin(room: string, name: string, as?: Participant) {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (as) headers.Authorization = `Bearer ${as.token}`;
  const response = await call(`${roomPath(room)}/users`, { method: "POST", headers, body: JSON.stringify({ name }) });
  const body = (await response.json()) as { error?: string; message?: string };
  return { status: response.status, error: body.error, message: body.message };
}

/**
 * Moves the room's clock past the grace period and runs its alarm, so that everyone who has no
 * stream open is announced as left: their sessions go on, offline.
 */
async function everyoneWithoutAStreamLeaves(room: string): Promise<void> {
  const clock = vi.spyOn(Date, "now").mockReturnValue(Date.now() + GRACE_MS + 1000);
  try {
    expect(await runDurableObjectAlarm(env.CHAT_ROOM.getByName(room))).toBe(true);
  } finally {
    clock.mockRestore();
  }
}

async function online(room: string): Promise<string[]> {
  return (await users(room)).map((user) => user.name);
}

describe("the confusable skeleton", () => {
  it("maps letters of other scripts that look Latin to the Latin letters, per Unicode's confusables", () => {
    expect(skeleton("\u041Elga")).toBe("Olga");
    expect(skeleton("\u0440\u0430\u0443\u0440\u0430l")).toBe("paypal");
    expect(skeleton("\u0391lex")).toBe("Alex");
    expect(skeleton("m")).toBe("rn");
    expect(skeleton("0l")).toBe("Ol");
    expect(skeleton("Ol\u034Fga")).toBe("Olga");
  });

  it("compares names as written and as lowercased", () => {
    expect(lookalikeKeys("Ivan")).toEqual(["lvan", "ivan"]);
    expect(lookalikeKeys("\u0456van")).toEqual(["ivan"]);
    expect(lookalikeKeys("OLGA")).toEqual(["olga"]);
  });
});

describe("names that look like someone's in the room", () => {
  it.each([
    ["Olga", "\u041Elga", "a Cyrillic О"],
    ["paypal", "\u0440\u0430\u0443\u0440\u0430l", "Cyrillic р, а and у"],
    ["\u0440\u0430\u0443\u0440\u0430l", "PayPal", "Latin letters, the other way round"],
    ["Alex", "\u0391lex", "a Greek Α"],
    ["Kim", "Kirn", "r and n for m"],
    ["Ivan", "lvan", "a small l for the capital I"],
    ["ivan", "\u0456van", "a Cyrillic і"],
    ["Bepa", "\u0412\u0435\u0440\u0430", "Cyrillic Вера"],
    ["Olga", "0lga", "a zero for the O"],
  ])("refuses %s's look-alike %s (%s) as name_taken, changing nothing", async (first, second) => {
    const room = freshRoom("look");
    await joinAs(room, first);
    const refused = await tryJoin(room, second);
    expect(refused).toEqual({
      status: 409,
      error: "name_taken",
      message: `${second} looks like ${first}, who is in this room; pick another name.`,
    });
    expect(await online(room)).toEqual([first]);
  });

  it("keeps the message for the same name, whatever its case", async () => {
    const room = freshRoom("same");
    await joinAs(room, "Olga");
    expect(await tryJoin(room, "OLGA")).toMatchObject({
      status: 409,
      message: "Someone in this room is already called Olga; pick another name.",
    });
  });

  it("lets names in other scripts that are only unusual join alongside Olga", async () => {
    const room = freshRoom("scripts");
    const names = ["Olga", "Ольга", "Όλγα", "Ελένη", "올가", "أولغا", "Мария", "김민준"];
    for (const name of names) expect(await tryJoin(room, name)).toMatchObject({ status: 201 });
    expect((await online(room)).sort()).toEqual([...names].sort());
  });

  it("lets a participant rename themselves to a look-alike of their own name", async () => {
    const room = freshRoom("own");
    const olga = await joinAs(room, "Olga");
    expect(await tryJoin(room, "\u041Elga", olga)).toMatchObject({ status: 200 });
    expect(await online(room)).toEqual(["\u041Elga"]);
  });

  it("frees a look-alike once its holder leaves", async () => {
    const room = freshRoom("free");
    const olga = await joinAs(room, "Olga");
    await leave(olga);
    expect(await tryJoin(room, "\u041Elga")).toMatchObject({ status: 201 });
  });

  it("refuses a participant coming back to a name that someone who looks like them took while they were away", async () => {
    const room = freshRoom("away");
    const olga = await joinAs(room, "Olga");
    await everyoneWithoutAStreamLeaves(room);
    await joinAs(room, "\u041Elga");
    const back = await act(olga, "POST", "/messages", { msg: "I'm back" });
    expect(back.status).toBe(409);
    expect(await back.json()).toEqual({
      error: "name_taken",
      message: "Someone else joined as \u041Elga, which looks like your name, while you were away; join again.",
    });
  });

  it("does not bring back by a reopened stream a participant whose name someone who looks like them took meanwhile", async () => {
    const room = freshRoom("away-stream");
    const olga = await joinAs(room, "\u041Elga");
    await everyoneWithoutAStreamLeaves(room);
    await joinAs(room, "Olga");
    const before = await env.CHAT_ROOM.getByName(room).stats();
    const stream = await openStream(room, { token: olga.token });
    await stream.reader.until((event) => event.event === "presence");
    expect(await online(room)).toEqual(["Olga"]);
    expect((await env.CHAT_ROOM.getByName(room).stats()).lastEventId).toBe(before.lastEventId);
    await stream.reader.cancel();
  });
});

describe("look-alikes online together from before names were compared by look", () => {
  it("keep each other's look taken until both are gone", async () => {
    const room = freshRoom("earlier-pair");
    const olga = await joinAs(room, "Olga");
    await runInDurableObject(env.CHAT_ROOM.getByName(room), (_room, state) => {
      state.storage.sql.exec(
        "INSERT INTO sessions (token, name, online, seen_at, streaming) VALUES ('earlier-look-alike-session-token', ?, 1, ?, 0)",
        "\u041Elga",
        Date.now(),
      );
    });
    await evictDurableObject(env.CHAT_ROOM.getByName(room));
    expect((await online(room)).sort()).toEqual(["Olga", "\u041Elga"]);
    // Whichever goes first, the other still holds the look.
    await leave({ room, name: "\u041Elga", token: "earlier-look-alike-session-token" });
    expect(await tryJoin(room, "0lga")).toMatchObject({ status: 409, error: "name_taken" });
    await leave(olga);
    expect(await online(room)).toEqual([]);
    expect(await tryJoin(room, "0lga")).toMatchObject({ status: 201 });
  });
});

describe("the names of a room's owner and moderators", () => {
  it("are kept for them while they are offline, until their session ends", async () => {
    const room = freshRoom("owner");
    const ownerKey = await claim(room);
    const owner = await joinWithKey(room, "Olga", ownerKey);
    await everyoneWithoutAStreamLeaves(room);
    expect(await online(room)).toEqual([]);

    for (const name of ["\u041Elga", "olga", "0LGA"]) {
      expect(await tryJoin(room, name)).toEqual({
        status: 409,
        error: "name_taken",
        message: `${name} looks like Olga, the name of this room's owner; pick another name.`,
      });
    }
    expect(await tryJoin(room, "Ольга")).toMatchObject({ status: 201 });

    // The owner's other browser, presenting the key, may.
    const ownerElsewhere = await call(`${roomPath(room)}/users`, {
      method: "POST",
      ...jsonBody({ name: "Olga" }),
      headers: { ...jsonBody({}).headers, "Chat-Room-Key": ownerKey },
    });
    expect(ownerElsewhere.status).toBe(201);
    const elsewhere = ((await ownerElsewhere.json()) as { token: string }).token;

    expect((await leave(owner)).status).toBe(200);
    expect((await leave({ name: "Olga", token: elsewhere, room })).status).toBe(200);
    expect(await tryJoin(room, "\u041Elga")).toMatchObject({ status: 201 });
  });

  it("keeps a moderator's name from anyone without the owner's authority, while the key holds", async () => {
    const room = freshRoom("mod");
    const ownerKey = await claim(room);
    const moderatorKey = await moderatorKeyOf(room, ownerKey);
    await joinWithKey(room, "Mira", moderatorKey);
    await everyoneWithoutAStreamLeaves(room);

    expect(await tryJoin(room, "\u041Cira")).toEqual({
      status: 409,
      error: "name_taken",
      message: "\u041Cira looks like Mira, the name of this room's moderator; pick another name.",
    });
    // Taking the rights back takes the name's protection with them.
    expect((await withKey(room, ownerKey, "DELETE", "/moderator-key")).status).toBe(200);
    expect(await tryJoin(room, "\u041Cira")).toMatchObject({ status: 201 });
  });

  it("are kept from an ordinary participant coming back to a look-alike name", async () => {
    const room = freshRoom("back");
    const ownerKey = await claim(room);
    const ordinary = await joinAs(room, "Olga");
    await everyoneWithoutAStreamLeaves(room);
    await joinWithKey(room, "\u041Elga", ownerKey);
    await everyoneWithoutAStreamLeaves(room);
    const back = await act(ordinary, "POST", "/messages", { msg: "I'm back" });
    expect(back.status).toBe(409);
    expect(((await back.json()) as { message: string }).message).toBe(
      "Olga looks like \u041Elga, the name of this room's owner; pick another name.",
    );
  });
});
