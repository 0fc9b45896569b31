import { describe, expect, it } from "vitest";
import type { OpenedStream, Participant } from "../support/chat-client";
import { freshRoom } from "../support/rooms";
import type { SseEvent } from "../support/sse-events";
import { eventsThrough, roomStats, untilRoom } from "../support/workers/relay-readers";
import { relayOf } from "../support/workers/relays";
import { joinAs, openStream, sayOk } from "../support/workers/self-client";

/** The ids of the chat events among `events`, in the order received. */
function chatIds(events: SseEvent[]): number[] {
  return events.filter((event) => event.event === "message").map((event) => Number(event.id));
}

function range(from: number, through: number): number[] {
  return Array.from({ length: through - from + 1 }, (_, i) => from + i);
}

/**
 * One reader that keeps coming back with the last id it saw, as EventSource does, and keeps
 * every chat event it was sent on each of its streams.
 */
class ComingBack {
  readonly received: SseEvent[] = [];
  stream!: OpenedStream;
  readonly #room: string;

  constructor(room: string) {
    this.#room = room;
  }

  async open(): Promise<void> {
    const lastEventId = this.received.at(-1)?.id;
    this.stream = await openStream(this.#room, lastEventId === undefined ? {} : { lastEventId });
  }

  async readThrough(id: number): Promise<void> {
    this.received.push(...(await eventsThrough(this.stream.reader, id)));
  }

  async close(): Promise<void> {
    await this.stream.reader.cancel();
  }
}

/** Posts while the reader is away; returns the ids. */
async function postAway(writer: Participant, label: string): Promise<number[]> {
  return [await sayOk(writer, `${label} 1`), await sayOk(writer, `${label} 2`)];
}

describe("resuming with Last-Event-ID through relays", () => {
  it("misses nothing and doubles nothing across room to relay, relay to another relay, and relay to room", async () => {
    const room = freshRoom("switch");
    const alice = await joinAs(room, "alice");
    const first = await sayOk(alice, "before");
    const me = new ComingBack(room);
    const away: number[] = [];

    await me.open();
    expect(await roomStats(room)).toMatchObject({ subscribers: 1, directReaders: 1, relays: 0 });
    await me.readThrough(await sayOk(alice, "on the room"));
    const onRelay0 = await openStream(room);
    await me.close();
    await untilRoom(room, onRelay0.reader, (stats) => stats.directReaders === 0, "the room kept the closed stream");
    const direct = await openStream(room);
    away.push(...(await postAway(alice, "room to relay")));

    // Room to relay: the room's place and relay 0 are taken, so relay 1 serves it.
    await me.open();
    expect((await relayOf(room, 1).stats()).readers).toBe(1);
    await me.readThrough(await sayOk(alice, "on relay 1"));
    await me.close();
    await untilRoom(room, direct.reader, (stats) => stats.subscribers === 2, "relay 1 kept the closed stream");
    const onRelay1 = await openStream(room);
    expect((await relayOf(room, 1).stats()).readers).toBe(1);
    away.push(...(await postAway(alice, "relay to relay")));

    // Relay to another relay: relays 0 and 1 are taken.
    await me.open();
    expect((await relayOf(room, 2).stats()).readers).toBe(1);
    await me.readThrough(await sayOk(alice, "on relay 2"));
    await me.close();
    await direct.reader.cancel();
    await untilRoom(
      room,
      onRelay0.reader,
      (stats) => stats.subscribers === 2 && stats.directReaders === 0,
      "the room or relay 2 kept a closed stream",
    );
    away.push(...(await postAway(alice, "relay to room")));

    // Relay to room: the room has its place free again.
    await me.open();
    expect(await roomStats(room)).toMatchObject({ subscribers: 3, directReaders: 1 });
    const last = await sayOk(alice, "on the room again");
    await me.readThrough(last);

    const ids = chatIds(me.received);
    expect(ids).toEqual(range(ids[0] ?? 0, last));
    expect(ids[0]).toBeLessThan(first + 1);
    for (const id of away) expect(ids).toContain(id);
    // Each stream started where the one before left off.
    const positions = me.received.filter((event) => event.event === "presence").map((event) => Number(event.id));
    expect(positions).toHaveLength(4);
    for (const position of positions.slice(1)) expect(ids).toContain(position);
    await Promise.all([onRelay0, onRelay1].map((stream) => stream.reader.cancel()));
  });

  it("resumes on a relay already reading whose memory starts after the reader's place, from the room then the relay", async () => {
    const room = freshRoom("warm-resume");
    const alice = await joinAs(room, "alice");
    const keeper = await openStream(room);
    const me = new ComingBack(room);
    await me.open();
    await me.readThrough(await sayOk(alice, "read"));
    await me.close();
    await untilRoom(room, keeper.reader, (stats) => stats.subscribers === 1, "relay 0 kept the closed stream");
    const onRelay0 = await openStream(room);

    // Relay 1 starts reading after an event the reader missed, and holds the next one.
    const missed = await sayOk(alice, "missed 1");
    const passing = await openStream(room, { lastEventId: missed });
    const held = await sayOk(alice, "missed 2");
    await eventsThrough(passing.reader, held);
    await passing.reader.cancel();
    await untilRoom(room, keeper.reader, (stats) => stats.subscribers === 2, "relay 1 kept the closed stream");
    const live = await sayOk(alice, "missed 3");
    expect((await relayOf(room, 1).stats()).position).toBe(live);

    await me.open();
    expect((await relayOf(room, 1).stats()).readers).toBe(1);
    const last = await sayOk(alice, "back");
    await me.readThrough(last);
    const ids = chatIds(me.received);
    expect(ids).toEqual(range(ids[0] ?? 0, last));
    expect(ids).toContain(missed);
    await Promise.all([keeper, onRelay0, me.stream].map((stream) => stream.reader.cancel()));
  });
});
