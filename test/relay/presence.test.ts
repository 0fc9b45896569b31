import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ChatRoom } from "../../src/room/chat-room";
import { toRoomRequest } from "../../src/room/room-stream";
import type { HandOff } from "../../src/room/stream-admission";
import { RELAY_HEADER, toRelayRequest } from "../../src/streams/relay-protocol";
import { cookieFrom } from "../support/cookies";
import { heartbeatsUntil } from "../support/heartbeats";
import { freshRoom, roomPath } from "../support/rooms";
import { EventStreamReader } from "../support/sse-reader";
import { roomStats, untilRoom } from "../support/workers/relay-readers";
import { relayOf } from "../support/workers/relays";
import { claim, withKey } from "../support/workers/room-authority";
import { advanceTo, expectGoneAt, GRACE_MS, graceDeadline, online } from "../support/workers/room-clock";
import { call, joinAs, openStream } from "../support/workers/self-client";

/**
 * Closes `reader`'s stream, waits on the watcher's heartbeats until the room counts only
 * `left` streams, and returns when the closing began and when the room was found to know.
 */
async function closeAndWait(
  room: string,
  reader: EventStreamReader,
  watcher: EventStreamReader,
  left: number,
): Promise<{ closing: number; closed: number }> {
  const closing = Date.now();
  await reader.cancel();
  await untilRoom(room, watcher, (stats) => stats.subscribers === left, "the room still counts the closed stream");
  return { closing, closed: Date.now() };
}

/** Joins as `name` presenting the pending cookie an anonymous stream was given, as the page does. */
async function joinWithPending(room: string, pending: string, name: string): Promise<void> {
  const joined = await call(`${roomPath(room)}/users`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: pending },
    body: `name=${name}`,
  });
  expect(joined.status).toBe(201);
}

/** Removes `name` for ten minutes with the owner's key; returns the removal's event id. */
async function remove(room: string, key: string, name: string): Promise<number> {
  const removal = await withKey(room, key, "POST", "/removals", { name, minutes: 10 });
  expect(removal.status).toBe(200);
  return ((await removal.json()) as { id: number }).id;
}

/** Fails unless the stream's last event is the removal `id` and it ends. */
async function expectEndedBy(reader: EventStreamReader, id: number): Promise<void> {
  const events = await reader.until((event) => event.event === "removed");
  expect(events.at(-1)?.id).toBe(String(id));
  expect(await reader.endsWithin(2000)).toBe(true);
}

/** Runs every alarm the room sets for the next two grace periods: a participant without a stream would be gone. */
async function twoGracePeriodsOn(room: string): Promise<void> {
  const start = Date.now();
  const next = await advanceTo(room, start + 2 * GRACE_MS);
  if (next !== null) expect(next).toBeGreaterThanOrEqual(start + 2 * GRACE_MS);
}

describe("presence through relays", () => {
  it("counts a participant whose only stream is on a relay as online, and starts the grace period when it closes", async () => {
    const room = freshRoom("relay-presence");
    const watcher = await openStream(room);
    const alice = await joinAs(room, "alice");
    const own = await openStream(room, { token: alice.token });
    expect(await roomStats(room)).toMatchObject({ subscribers: 2, directReaders: 1, relays: 1 });
    expect((await relayOf(room).stats()).readers).toBe(1);
    await twoGracePeriodsOn(room);
    expect(await online(room)).toEqual(["alice"]);

    const { closing, closed } = await closeAndWait(room, own.reader, watcher.reader, 1);
    const deadline = await graceDeadline(room, closing, closed);
    await expectGoneAt(room, deadline, "alice");
    const events = await watcher.reader.chatUntil((data) => data.msg === "left user : alice");
    expect(events.map((event) => event.data.msg)).toEqual(["add user : alice", "left user : alice"]);
    await watcher.reader.cancel();
  });

  it("keeps a participant while either their stream on the room or on a relay is open", async () => {
    const room = freshRoom("relay-presence-both");
    const alice = await joinAs(room, "alice");
    const onRoom = await openStream(room, { token: alice.token });
    const onRelay = await openStream(room, { token: alice.token });
    const watcher = await openStream(room);
    expect(await roomStats(room)).toMatchObject({ subscribers: 3, directReaders: 1, relays: 2 });

    await closeAndWait(room, onRoom.reader, watcher.reader, 2);
    await twoGracePeriodsOn(room);
    expect(await online(room)).toEqual(["alice"]);

    const { closing, closed } = await closeAndWait(room, onRelay.reader, watcher.reader, 1);
    const deadline = await graceDeadline(room, closing, closed);
    await expectGoneAt(room, deadline, "alice");
    await watcher.reader.cancel();
  });

  it("counts a stream opened through a relay before joining for the participant, and starts the grace period when it closes", async () => {
    const room = freshRoom("relay-pending");
    const watcher = await openStream(room);
    const reading = await openStream(room);
    expect(await roomStats(room)).toMatchObject({ subscribers: 2, relays: 1 });
    const pending = cookieFrom(reading.response);
    expect(pending).toMatch(new RegExp(`^chat\\.${room}\\.pending=`));
    await joinWithPending(room, pending, "alice");
    await twoGracePeriodsOn(room);
    expect(await online(room)).toEqual(["alice"]);

    const { closing, closed } = await closeAndWait(room, reading.reader, watcher.reader, 1);
    const deadline = await graceDeadline(room, closing, closed);
    await expectGoneAt(room, deadline, "alice");
    await watcher.reader.cancel();
  });
});

describe("a stream opened through a relay before joining", () => {
  it("belongs to the participant on the relay too: their removal ends it", async () => {
    const room = freshRoom("relay-adopted");
    const key = await claim(room);
    const first = await openStream(room);
    const pending = cookieFrom(first.response);
    const second = await openStream(room, { cookie: pending });
    expect(await roomStats(room)).toMatchObject({ subscribers: 2, relays: 1 });
    await joinWithPending(room, pending, "alice");
    const id = await remove(room, key, "alice");
    await Promise.all([expectEndedBy(first.reader, id), expectEndedBy(second.reader, id)]);
  });

  it.each([
    ["a relay not reading from the room yet", false],
    ["a relay already reading from the room", true],
  ])("belongs to the participant when the join reaches the room before %s has the stream", async (_, warm) => {
    const room = freshRoom("relay-adopted-early");
    const key = await claim(room);
    const first = await openStream(room);
    if (warm) {
      // A reader that comes and goes leaves relay 0 reading from the room, with no reader.
      const passing = await openStream(room);
      await passing.reader.cancel();
      await untilRoom(room, first.reader, (stats) => stats.subscribers === 1, "relay 0 kept its reader");
    }
    const pending = cookieFrom(first.response);
    const pendingToken = pending.slice(pending.indexOf("=") + 1);
    // The room admits a second tab's stream and hands it to relay 0 as it does for the Worker;
    // the hand-off reaches the relay, as the Worker carries it, only once the join is done.
    const handOff = await runInDurableObject(env.CHAT_ROOM.getByName(room), async (instance: ChatRoom) => {
      const answer = await instance.fetch(toRoomRequest({ pendingToken, region: "local" }));
      expect(answer.headers.get(RELAY_HEADER)).toBe("local/0");
      return answer.json<HandOff>();
    });
    await joinWithPending(room, pending, "alice");
    const joinId = (await roomStats(room)).lastEventId;
    if (warm) {
      // Relay 0 has had the join, and the room's word on it, before the stream reaches it.
      await heartbeatsUntil(
        first.reader,
        async () => (await relayOf(room).stats()).position === joinId,
        "relay 0 never had the join",
      );
    }
    const served = await relayOf(room).fetch(toRelayRequest({ room, ...handOff }));
    expect(served.status).toBe(200);
    const second = new EventStreamReader(served);
    expect(await roomStats(room)).toMatchObject({ subscribers: 2, relays: 1 });
    await second.chatUntil((data) => data.msg === "add user : alice");

    const id = await remove(room, key, "alice");
    await Promise.all([expectEndedBy(first.reader, id), expectEndedBy(second, id)]);
  });
});
