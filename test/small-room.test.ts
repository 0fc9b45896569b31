import { env, listDurableObjectIds } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { relayInRoom, relayName } from "../src/streams/relay-protocol";
import { freshRoom, roomPath } from "./support/rooms";
import { claim, joinWithKey, withKey } from "./support/workers/room-authority";
import { act, call, joinAs, openStream, sayOk } from "./support/workers/self-client";

const ADMIN_TOKEN = String(env.ADMIN_TOKEN);

/** A small room with an owner, one participant and three readers, each of whom has read a message. */
async function smallRoom() {
  const room = freshRoom("small");
  const key = await claim(room);
  const alice = await joinAs(room, "alice");
  const readers = [await openStream(room), await openStream(room), await openStream(room, { token: alice.token })];
  const id = await sayOk(alice, "hello");
  for (const { reader } of readers) await reader.chatUntil((_, got) => got === id);
  const close = () => Promise.all(readers.map(({ reader }) => reader.cancel()));
  return { room, key, alice, lastEventId: id, close };
}

describe("a room with fewer readers than READERS_PER_OBJECT", () => {
  it("serves every stream itself and makes no relay object", async () => {
    const { room, close } = await smallRoom();
    expect(Number(env.READERS_PER_OBJECT)).toBeGreaterThan(3);
    expect(await env.CHAT_ROOM.getByName(room).stats()).toMatchObject({
      subscribers: 3,
      directReaders: 3,
      relays: 0,
    });
    // Relay objects of every test in this project are listed; none is this room's.
    const made = (await listDurableObjectIds(env.CHAT_RELAY)).map((id) => id.toString());
    for (const shard of [0, 1]) {
      expect(made).not.toContain(env.CHAT_RELAY.idFromName(relayName(room, relayInRoom("local", shard))).toString());
    }
    await close();
  });
});

describe("GET /room", () => {
  it("tells anyone the room's settings and how many are online, and nothing of its readers", async () => {
    const { room, alice, close } = await smallRoom();
    const expected = { room, topic: "", slowModeSeconds: 0, readOnly: false, online: 1 };
    const anyone = await call(`${roomPath(room)}/room`);
    expect(anyone.status).toBe(200);
    expect(await anyone.json()).toEqual(expected);
    // A participant without the room's key is anyone.
    expect(await (await act(alice, "GET", "/room")).json()).toEqual(expected);
    await close();
  });

  it("tells the owner, by key or by a session that joined with it, and the operator how many read the room and where", async () => {
    const { room, key, lastEventId, close } = await smallRoom();
    const counts = { readers: 3, relays: 0, directReaders: 3, lastEventId };
    const settings = { room, topic: "", slowModeSeconds: 0, readOnly: false };
    const byKey = await withKey(room, key, "GET", "/room");
    expect(byKey.status).toBe(200);
    expect(await byKey.json()).toMatchObject({ ...settings, online: 1, ...counts });
    expect(await (await withKey(room, ADMIN_TOKEN, "GET", "/room")).json()).toMatchObject({
      ...settings,
      online: 1,
      ...counts,
    });
    // Joining adds someone online, and no reader.
    const owner = await joinWithKey(room, "owner", key);
    expect(await (await act(owner, "GET", "/room")).json()).toMatchObject({
      ...settings,
      online: 2,
      ...counts,
      lastEventId: lastEventId + 1,
    });
    await close();
  });
});
