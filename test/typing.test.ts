import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Participant } from "./support/chat-client";
import { expectError } from "./support/expect-error";
import { heartbeatsUntil } from "./support/heartbeats";
import { freshRoom, roomPath } from "./support/rooms";
import type { EventStreamReader } from "./support/sse-reader";
import { call, joinAs, leave, openStream, sayOk } from "./support/workers/self-client";

function typing(participant: Participant, init: RequestInit = {}): Promise<Response> {
  return call(`${roomPath(participant.room)}/typing`, {
    method: "POST",
    ...init,
    headers: { Authorization: `Bearer ${participant.token}`, ...init.headers },
  });
}

/** Waits until the room's streams have caught up with history: signals, like live events, go only to those. */
function untilLive(reader: EventStreamReader, room: string): Promise<void> {
  const stub = env.CHAT_ROOM.getByName(room);
  return heartbeatsUntil(reader, async () => (await stub.stats()).catchingUp === 0, "the stream never went live");
}

/** Alice and Bob in a fresh room, with Bob's stream live and so sent every signal. */
async function aliceAndBobListening() {
  const room = freshRoom();
  const alice = await joinAs(room, "alice");
  const bob = await joinAs(room, "bob");
  const { reader } = await openStream(room, { token: bob.token });
  await untilLive(reader, room);
  return { alice, bob, reader };
}

/** The frames of a stream's raw text that are typing signals. */
function typingFrames(raw: string): string[] {
  return raw.split("\n\n").filter((frame) => frame.split("\n").includes("event: typing"));
}

describe("typing", () => {
  it("tells the others who is typing, with no id, and stores nothing", async () => {
    const room = freshRoom();
    const alice = await joinAs(room, "alice");
    const bob = await joinAs(room, "bob");
    const latest = await sayOk(bob, "before");
    const { reader } = await openStream(room, { token: bob.token });
    await reader.chatUntil((data) => data.msg === "before");
    await untilLive(reader, room);
    const positionBefore = reader.lastEventId;

    const answer = await typing(alice);
    expect(answer.status).toBe(204);
    let event = await reader.next();
    while (event.event !== "typing") event = await reader.next();
    expect(JSON.parse(event.data)).toEqual({ user: "alice" });
    const [frame] = typingFrames(reader.raw);
    expect(frame?.split("\n").some((line) => line.startsWith("id:"))).toBe(false);
    // The reader's position is where the last stored event left it.
    expect(reader.lastEventId).toBe(positionBefore);
    expect((await env.CHAT_ROOM.getByName(room).stats()).lastEventId).toBe(latest);
    const stored = await runInDurableObject(env.CHAT_ROOM.getByName(room), (_, state) =>
      state.storage.sql.exec<{ data: string }>("SELECT data FROM events").toArray(),
    );
    expect(stored.some((row) => row.data.includes("typing"))).toBe(false);

    // A reader resuming from before the signal is not sent it.
    const resumed = await openStream(room, { lastEventId: 0 });
    await resumed.reader.chatUntil((data) => data.msg === "before");
    const after = await sayOk(alice, "after");
    await resumed.reader.chatUntil((data) => data.msg === "after");
    expect(after).toBe(latest + 1);
    expect(typingFrames(resumed.reader.raw)).toEqual([]);
    await Promise.all([reader.cancel(), resumed.reader.cancel()]);
  });

  it("refuses a third signal within TYPING_INTERVAL_SECONDS with 429 and Retry-After, and sends it to nobody", async () => {
    const { alice, bob, reader } = await aliceAndBobListening();
    // One signal an interval, and one more at once for network jitter.
    expect((await typing(alice)).status).toBe(204);
    expect((await typing(alice)).status).toBe(204);
    const refused = await typing(alice);
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get("Retry-After"))).toBeLessThanOrEqual(Number(env.TYPING_INTERVAL_SECONDS));
    await expectError(refused, 429, "typing_too_often");
    // Another participant has an interval of their own.
    expect((await typing(bob)).status).toBe(204);
    await sayOk(alice, "done");
    await reader.chatUntil((data) => data.msg === "done");
    expect(typingFrames(reader.raw).map((frame) => frame.split("\n").at(-1))).toEqual([
      'data: {"user":"alice"}',
      'data: {"user":"alice"}',
      'data: {"user":"bob"}',
    ]);
    await reader.cancel();
  });

  it("takes a signal right after the participant's message, though two used up the burst, and sends it to the others", async () => {
    const { alice, bob, reader } = await aliceAndBobListening();
    expect((await typing(alice)).status).toBe(204);
    expect((await typing(alice)).status).toBe(204);
    expect((await typing(alice)).status).toBe(429);

    // Every page clears alice's typing line when her message arrives: the next message's typing
    // is news at once.
    await sayOk(alice, "sent");
    expect((await typing(alice)).status).toBe(204);
    await sayOk(bob, "seen");
    await reader.chatUntil((data) => data.msg === "seen");
    const frames = reader.raw.split("\n\n");
    const sent = frames.findIndex((frame) => frame.includes('"msg":"sent"'));
    expect(sent).toBeGreaterThan(-1);
    expect(typingFrames(frames.slice(sent).join("\n\n")).map((frame) => frame.split("\n").at(-1))).toEqual([
      'data: {"user":"alice"}',
    ]);
    await reader.cancel();
  });

  it("is refused without a session, after leaving, and under another's name", async () => {
    const room = freshRoom();
    const alice = await joinAs(room, "alice");
    await expectError(await call(`${roomPath(room)}/typing`, { method: "POST" }), 401, "not_joined");
    await expectError(
      await typing(alice, {
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ name: "mallory" }),
      }),
      403,
      "wrong_name",
    );
    await leave(alice);
    await expectError(await typing(alice), 401, "not_joined");
  });
});
