import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { jsonBody, type Participant } from "./support/chat-client";
import { expectError } from "./support/expect-error";
import { freshRoom, roomPath } from "./support/rooms";
import { call, joinAs, leave, openStream } from "./support/workers/self-client";

/** Posts `msg` under a message key, as our page does. */
function send(participant: Participant, msg: string, key: string): Promise<Response> {
  const { headers, ...body } = jsonBody({ msg, key });
  return call(`${roomPath(participant.room)}/messages`, {
    method: "POST",
    ...body,
    headers: { ...headers, Authorization: `Bearer ${participant.token}` },
  });
}

async function sentId(response: Response, status: number): Promise<number> {
  expect(response.status).toBe(status);
  return ((await response.json()) as { id: number }).id;
}

/** The texts of the room's stored chat messages, oldest first. */
async function storedMessages(room: string): Promise<string[]> {
  const { reader } = await openStream(room, { lastEventId: 0 });
  const stats = await env.CHAT_ROOM.getByName(room).stats();
  const events = await reader.chatUntil((_, id) => id >= stats.lastEventId);
  await reader.cancel();
  return events.filter((event) => event.data.kind === "message").map((event) => event.data.msg);
}

describe("a message sent again under its key", () => {
  it("is answered 200 with the first one's id and posted once", async () => {
    const room = freshRoom();
    const alice = await joinAs(room, "alice");
    const first = await sentId(await send(alice, "hello", "key-00000001"), 201);
    expect(await sentId(await send(alice, "hello", "key-00000001"), 200)).toBe(first);
    // The key names the send, whatever the body says the second time.
    expect(await sentId(await send(alice, "hello again", "key-00000001"), 200)).toBe(first);
    expect(await storedMessages(room)).toEqual(["hello"]);
    expect((await env.CHAT_ROOM.getByName(room).stats()).lastEventId).toBe(first);
    // The event carries the key, so the sender's page knows its own send when it arrives.
    const { reader } = await openStream(room, { lastEventId: first - 1 });
    expect((await reader.nextChat()).data).toMatchObject({ msg: "hello", key: "key-00000001" });
    await reader.cancel();
  });

  it("is told apart per session: another participant's same key is a new message", async () => {
    const room = freshRoom();
    const alice = await joinAs(room, "alice");
    const bob = await joinAs(room, "bob");
    const fromAlice = await sentId(await send(alice, "hi", "shared-key-1"), 201);
    const fromBob = await sentId(await send(bob, "hi", "shared-key-1"), 201);
    expect(fromBob).toBe(fromAlice + 1);
    expect(await storedMessages(room)).toEqual(["hi", "hi"]);
  });

  it("is remembered across an eviction of the room", async () => {
    const room = freshRoom();
    const alice = await joinAs(room, "alice");
    const first = await sentId(await send(alice, "before", "survives-1"), 201);
    await evictDurableObject(env.CHAT_ROOM.getByName(room));
    expect(await sentId(await send(alice, "before", "survives-1"), 200)).toBe(first);
    expect(await storedMessages(room)).toEqual(["before"]);
  });

  it("is remembered for the newest MESSAGE_KEYS_PER_SESSION sends of a session", async () => {
    const kept = Number(env.MESSAGE_KEYS_PER_SESSION);
    const room = freshRoom();
    const alice = await joinAs(room, "alice");
    const ids: number[] = [];
    for (let i = 0; i <= kept; i++) ids.push(await sentId(await send(alice, `m${i}`, `bounded-${i}`), 201));
    // The newest `kept` keys answer with their ids; the oldest was forgotten, so its send posts anew.
    for (let i = 1; i <= kept; i++) expect(await sentId(await send(alice, `m${i}`, `bounded-${i}`), 200)).toBe(ids[i]);
    await sentId(await send(alice, "m0", "bounded-0"), 201);
    const stub = env.CHAT_ROOM.getByName(room);
    const held = await runInDurableObject(stub, (_, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sent_keys WHERE token = ?", alice.token).one(),
    );
    expect(held.n).toBe(kept);
  });

  it("is forgotten with the session when its participant leaves", async () => {
    const room = freshRoom();
    const alice = await joinAs(room, "alice");
    await sentId(await send(alice, "bye", "leaving-1"), 201);
    expect((await leave(alice)).status).toBe(200);
    const held = await runInDurableObject(env.CHAT_ROOM.getByName(room), (_, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sent_keys").one(),
    );
    expect(held.n).toBe(0);
  });

  it("refuses a key that is not 8 to 64 letters, digits, '-' or '_', and posts nothing", async () => {
    const room = freshRoom();
    const alice = await joinAs(room, "alice");
    for (const key of ["", "short", "x".repeat(65), "has space 1", "ünïcode-key"]) {
      await expectError(await send(alice, "never", key), 400, "invalid_key");
    }
    expect(await storedMessages(room)).toEqual([]);
  });
});
