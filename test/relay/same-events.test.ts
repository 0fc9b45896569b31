import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Participant } from "../support/chat-client";
import { freshRoom, roomPath } from "../support/rooms";
import { nth } from "../support/round-robin";
import type { SseEvent } from "../support/sse-events";
import { eventsThrough, roomStats, untilLive, untilRoom } from "../support/workers/relay-readers";
import { relayOf } from "../support/workers/relays";
import { claim, withKey } from "../support/workers/room-authority";
import { act, call, joinAs, openStream, sayOk } from "../support/workers/self-client";

const ADMIN_TOKEN = String(env.ADMIN_TOKEN);
const RETAINED = Number(env.HISTORY_RETAINED);

function typing(participant: Participant): Promise<Response> {
  return call(`${roomPath(participant.room)}/typing`, {
    method: "POST",
    headers: { Authorization: `Bearer ${participant.token}` },
  });
}

async function changed(response: Response): Promise<number> {
  expect(response.status).toBe(200);
  return ((await response.json()) as { id: number }).id;
}

/** The frames of a stream's raw text that are typing signals. */
function typingFrames(raw: string): string[] {
  return raw.split("\n\n").filter((frame) => frame.split("\n").includes("event: typing"));
}

/** A stream's text without its comments (heartbeats). */
function withoutComments(raw: string): string {
  return raw.replace(/^:.*\n\n/gm, "");
}

function names(events: SseEvent[]): string[] {
  return events.map((event) => event.event);
}

describe("a reader through a relay", () => {
  it("receives the greeting, history, live messages, changes and typing a direct reader does, with the same ids, in the same order", async () => {
    const room = freshRoom("same");
    const key = await claim(room);
    expect((await withKey(room, key, "PATCH", "/room", { topic: "Launch day" })).status).toBe(200);
    const alice = await joinAs(room, "alice");
    const bob = await joinAs(room, "bob");
    const first = await sayOk(alice, "first");
    const second = await sayOk(bob, "second");

    // Opened one after the other with nothing published between: the room serves the first,
    // the second goes to relay 0.
    const direct = await openStream(room);
    const relayed = await openStream(room);
    expect(await roomStats(room)).toMatchObject({ subscribers: 2, directReaders: 1, relays: 1 });
    expect((await relayOf(room).stats()).readers).toBe(1);
    const overview = await withKey(room, ADMIN_TOKEN, "GET", "/room");
    expect(await overview.json()).toMatchObject({ room, readers: 2, relays: 1, directReaders: 1 });

    const live = await sayOk(alice, "live");
    const before = await Promise.all([eventsThrough(direct.reader, live), eventsThrough(relayed.reader, live)]);
    // Both have joined the broadcast before anything without an id is sent.
    await untilRoom(room, direct.reader, (stats) => stats.catchingUp === 0, "the room's streams never went live");
    await Promise.all([untilLive(direct.reader), untilLive(relayed.reader)]);

    expect((await typing(bob)).status).toBe(204);
    await changed(await act(alice, "PATCH", "/messages", { id: first, msg: "first, edited" }));
    await changed(await act(bob, "POST", "/reactions", { id: first, emoji: "👍" }));
    await changed(await act(bob, "DELETE", "/messages", { id: second }));
    expect((await withKey(room, key, "PATCH", "/room", { topic: "Later" })).status).toBe(200);
    const last = await sayOk(bob, "last");
    const after = await Promise.all([eventsThrough(direct.reader, last), eventsThrough(relayed.reader, last)]);

    const [directEvents, relayedEvents] = [
      [...before[0], ...after[0]],
      [...before[1], ...after[1]],
    ];
    expect(relayedEvents).toEqual(directEvents);
    // Byte for byte, heartbeats aside: the relay frames each event as the room does.
    expect(withoutComments(relayed.reader.raw)).toBe(withoutComments(direct.reader.raw));
    expect(relayed.reader.retry).toBe(direct.reader.retry);
    expect(relayed.reader.retry).toBeGreaterThan(0);
    // Each kind of event is there, so the comparison covers it.
    expect(names(directEvents).slice(0, 3)).toEqual(["presence", "limits", "settings"]);
    expect(JSON.parse(directEvents[0]?.data ?? "")).toEqual({
      users: [{ name: "alice" }, { name: "bob" }],
      latestId: second,
    });
    expect(JSON.parse(directEvents[2]?.data ?? "")).toMatchObject({ topic: "Launch day" });
    // History: the topic set, two joins, two messages; then one live.
    expect(names(directEvents).slice(3)).toEqual([
      ...["settings", "message", "message", "message", "message", "message"],
      ...["typing", "edit", "reaction", "delete", "settings", "message"],
    ]);
    // Typing carries no id, on the relay as on the room.
    const [signal] = typingFrames(relayed.reader.raw);
    expect(signal).toBeDefined();
    expect(signal?.split("\n").some((line) => line.startsWith("id:"))).toBe(false);
    await Promise.all([direct.reader.cancel(), relayed.reader.cancel()]);
  });

  it("is sent by a relay already reading the same history as a direct reader, a deleted message as it is now", async () => {
    const room = freshRoom("warm");
    const alice = await joinAs(room, "alice");
    const bob = await joinAs(room, "bob");
    const ids = [await sayOk(alice, "one"), await sayOk(bob, "two"), await sayOk(alice, "three")];
    const firstDirect = await openStream(room);
    const passing = await openStream(room);
    await changed(await act(bob, "POST", "/reactions", { id: nth(ids, 0), emoji: "🎉" }));
    const deletion = await changed(await act(alice, "DELETE", "/messages", { id: nth(ids, 2) }));
    await passing.reader.until((event) => event.id === String(deletion));
    await firstDirect.reader.cancel();
    await untilRoom(room, passing.reader, (stats) => stats.directReaders === 0, "the room kept its reader");
    await passing.reader.cancel();
    // The room's own place is free, so the next reader is the room's; relay 0 has no reader
    // now but keeps reading, and its memory starts at the deletion.
    const direct = await openStream(room);
    await untilRoom(room, direct.reader, (stats) => stats.subscribers === 1, "the relay kept its reader");
    expect((await relayOf(room).stats()).position).toBe(deletion);
    const relayed = await openStream(room);
    expect(await roomStats(room)).toMatchObject({ directReaders: 1, relays: 1 });
    expect((await relayOf(room).stats()).readers).toBe(1);
    const last = await sayOk(bob, "after");
    const directEvents = await eventsThrough(direct.reader, last);
    const relayedEvents = await eventsThrough(relayed.reader, last);
    expect(relayedEvents).toEqual(directEvents);
    expect(withoutComments(relayed.reader.raw)).toBe(withoutComments(direct.reader.raw));
    expect(relayedEvents.map((event) => event.data).join("\n")).not.toContain("three");
    await Promise.all([direct.reader.cancel(), relayed.reader.cancel()]);
  });

  it("is sent by a relay that held a message before it was edited the message as it is now, never its earlier text", async () => {
    const room = freshRoom("edited");
    const alice = await joinAs(room, "alice");
    const direct = await openStream(room);
    const passing = await openStream(room);
    expect(await roomStats(room)).toMatchObject({ directReaders: 1, relays: 1 });
    const id = await sayOk(alice, "first draft");
    const edit = await changed(await act(alice, "PATCH", "/messages", { id, msg: "final text" }));
    await passing.reader.until((event) => event.id === String(edit));
    await passing.reader.cancel();
    await untilRoom(room, direct.reader, (stats) => stats.subscribers === 1, "the relay kept its reader");
    // Relay 0 has no reader now but keeps reading; it had the message before the edit.
    expect((await relayOf(room).stats()).position).toBe(edit);

    const relayed = await openStream(room, { lastEventId: id - 1 });
    expect((await relayOf(room).stats()).readers).toBe(1);
    const events = await relayed.reader.until((event) => event.id === String(edit));
    const message = events.find((event) => event.id === String(id));
    expect(JSON.parse(message?.data ?? "")).toMatchObject({ msg: "final text" });
    expect(relayed.reader.raw).not.toContain("first draft");
    await Promise.all([direct.reader.cancel(), relayed.reader.cancel()]);
  });

  it("is told of a gap, then sent what is retained, as a direct reader is, for a Last-Event-ID older than retention", async () => {
    const room = freshRoom("gap");
    const people = await Promise.all(Array.from({ length: 12 }, (_, i) => joinAs(room, `p${i}`)));
    let last = 0;
    for (let i = 0; i < RETAINED; i++) last = await sayOk(nth(people, i), `m${i}`);
    const direct = await openStream(room, { lastEventId: 1 });
    const relayed = await openStream(room, { lastEventId: 1 });
    expect(await roomStats(room)).toMatchObject({ directReaders: 1, relays: 1 });
    const directEvents = await eventsThrough(direct.reader, last);
    const relayedEvents = await eventsThrough(relayed.reader, last);
    expect(relayedEvents).toEqual(directEvents);
    expect(withoutComments(relayed.reader.raw)).toBe(withoutComments(direct.reader.raw));
    expect(names(directEvents).slice(0, 4)).toEqual(["presence", "gap", "limits", "settings"]);
    expect(JSON.parse(directEvents[1]?.data ?? "")).toEqual({
      lastEventId: 1,
      oldestId: last - RETAINED + 1,
      latestId: last,
    });
    expect(directEvents.filter((event) => event.event === "message")).toHaveLength(RETAINED);
    await Promise.all([direct.reader.cancel(), relayed.reader.cancel()]);
  });
});
