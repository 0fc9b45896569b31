import { abortAllDurableObjects, env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ChatRelay } from "../../src/relay/chat-relay.ts";
import type { ChatRoom } from "../../src/room/chat-room.ts";
import { relayInRoom } from "../../src/streams/relay-protocol.ts";
import type { OpenedStream, Participant } from "../support/chat-client.ts";
import { heartbeatsUntil } from "../support/heartbeats.ts";
import { expectNothingLost, type ReaderResult, readThroughFaults } from "../support/read-through-faults.ts";
import { freshRoom } from "../support/rooms.ts";
import { nth } from "../support/round-robin.ts";
import { roomStats } from "../support/workers/relay-readers.ts";
import { upstreamAs } from "../support/workers/relay-upstream.ts";
import { relayedReaders, relayOf } from "../support/workers/relays.ts";
import { advanceTo, GRACE_MS, online } from "../support/workers/room-clock.ts";
import { chat, joinAs, openStream, say, sayOk } from "../support/workers/self-client.ts";

// Stubs are made afresh after a restart throughout: a stub to an object that was reset stays broken.

/** Resets an object as a crash or a restart does: its streams are cut, what it held in memory is gone. */
async function restart(stub: DurableObjectStub<ChatRoom> | DurableObjectStub<ChatRelay>): Promise<void> {
  await runInDurableObject(stub, (_: unknown, state) => state.abort("restarted by the test")).catch(() => undefined);
}

/**
 * Posts `count` messages round the publishers, each acknowledged one's id added to `acknowledged`.
 * A post the room could not answer (it was restarting) is not acknowledged.
 */
async function postSome(publishers: Participant[], count: number, acknowledged: number[]): Promise<void> {
  for (let i = 0; i < count; i++) {
    const response = await say(nth(publishers, i), `post ${acknowledged.length}`).catch(() => undefined);
    if (response?.status === 201) acknowledged.push((await response.json<{ id: number }>()).id);
    else await response?.body?.cancel();
  }
}

/**
 * A room with a reader of its own (`keeper`: the room serves it, so every other reader goes to a
 * relay) and three more, each reading through faults until `END` as EventSource does, one on each
 * of relays 0, 1 and 2; resolves once the room counts them all.
 */
async function roomWithRelayedReaders() {
  const room = freshRoom();
  const publishers = await Promise.all(["p1", "p2", "p3"].map((name) => joinAs(room, name)));
  const closer = await joinAs(room, "closer");
  const keeper = await openStream(room);
  const reading = [0, 1, 2].map(() => readThroughFaults(chat, room, "END", { retryDelayMs: 50, silenceMs: 2000 }));
  await heartbeatsUntil(
    keeper.reader,
    async () => (await roomStats(room)).subscribers === 4,
    "the readers never connected",
  );
  expect(await roomStats(room)).toMatchObject({ directReaders: 1, relays: 3 });
  return { room, publishers, closer, keeper, reading };
}

/** Posts `END` and checks that every reader saw every acknowledged post, each once, in order. */
async function expectEveryoneHadAll(
  label: string,
  closer: Participant,
  acknowledged: number[],
  reading: Promise<ReaderResult>[],
): Promise<void> {
  acknowledged.push(await sayOk(closer, "END"));
  console.log(expectNothingLost(label, acknowledged.length, acknowledged, await Promise.all(reading)));
}

/** Reads `stream` through the event `id`, failing on a gap notice; returns the chat ids read. */
async function chatIdsThrough(stream: OpenedStream, id: number): Promise<number[]> {
  const events = await stream.reader.until((event) => event.id === String(id), 5000);
  expect(events.filter((event) => event.event === "gap")).toEqual([]);
  return events.flatMap((event) => (event.event === "message" ? [Number(event.id)] : []));
}

/** Moves the room's time past the grace period: nobody with a stream, relayed or not, is announced as left. */
async function expectNobodyLeavesAfterGrace(room: string, names: string[]): Promise<void> {
  const before = (await roomStats(room)).lastEventId;
  await advanceTo(room, Date.now() + GRACE_MS + 60_000);
  expect((await online(room)).sort()).toEqual(names);
  expect((await roomStats(room)).lastEventId).toBe(before);
}

describe("a relay that restarts mid-stream", () => {
  it("cuts its readers' streams; they come back with Last-Event-ID and miss nothing, while the room's own reader goes on", async () => {
    const { room, publishers, closer, keeper, reading } = await roomWithRelayedReaders();
    const acknowledged: number[] = [];
    await postSome(publishers, 6, acknowledged);
    await Promise.all([0, 1, 2].map((shard) => restart(relayOf(room, shard))));
    await postSome(publishers, 6, acknowledged);
    await expectEveryoneHadAll("relay restart", closer, acknowledged, reading);
    // The room's own reader was never cut.
    const kept = await keeper.reader.chatUntil((data) => data.msg === "END");
    expect(kept.filter((event) => acknowledged.includes(event.id)).map((event) => event.id)).toEqual(acknowledged);
    await keeper.reader.cancel();
  }, 30_000);

  it("leaves the room counting the stream its reader comes back on, and the participant online", async () => {
    const room = freshRoom();
    const rel = await joinAs(room, "rel");
    const writer = await joinAs(room, "writer");
    // The room serves the writer's stream; the participant's goes to a relay.
    const keeper = await openStream(room, { token: writer.token });
    const first = await openStream(room, { token: rel.token });
    const seen = await chatIdsThrough(first, await sayOk(writer, "before"));
    await restart(relayOf(room, 0));
    expect(await first.reader.endsWithin(2000)).toBe(true);
    // Back at once, as EventSource is.
    const again = await openStream(room, { token: rel.token, lastEventId: first.reader.lastEventId });
    const missed = await sayOk(writer, "while away");
    const resumed = await chatIdsThrough(again, missed);
    expect(resumed).toEqual([(seen.at(-1) ?? 0) + 1]);

    // Once the room has found the relay's old stream from it gone, and the relay has not read
    // from it again for a few seconds, it counts only the new one.
    await heartbeatsUntil(
      keeper.reader,
      async () => (await roomStats(room)).relays === 1,
      "the room still counts the relay's stream from before",
      8000,
    );
    for (let beats = 0; beats < 8; beats++) {
      expect(await roomStats(room)).toMatchObject({ subscribers: 2, directReaders: 1, relays: 1 });
      await keeper.reader.commentsAtLeast(keeper.reader.comments + 1);
    }
    await expectNobodyLeavesAfterGrace(room, ["rel", "writer"]);
    await Promise.all([keeper.reader.cancel(), again.reader.cancel()]);
  }, 20_000);

  it("counts a reader handed to it before the room saw its stream from before the restart go, and keeps its participant online", async () => {
    const room = freshRoom();
    const rel = await joinAs(room, "rel");
    const writer = await joinAs(room, "writer");
    const keeper = await openStream(room, { token: writer.token });
    // What the room still holds of relay 0 from before it restarted: a stream from the room
    // that the relay no longer reads.
    const stale = await upstreamAs(room, relayInRoom("local", 0), (await roomStats(room)).lastEventId);
    const theirs = await openStream(room, { token: rel.token });
    expect((await relayOf(room, 0).stats()).readers).toBe(1);
    for (let beats = 0; beats < 8; beats++) {
      expect(await roomStats(room)).toMatchObject({ subscribers: 2, directReaders: 1, relays: 1 });
      await keeper.reader.commentsAtLeast(keeper.reader.comments + 1);
    }
    await expectNobodyLeavesAfterGrace(room, ["rel", "writer"]);
    await stale.body?.cancel();
    await Promise.all([keeper.reader.cancel(), theirs.reader.cancel()]);
  }, 20_000);
});

describe("a room that restarts under its relays", () => {
  it("is read again by its relays from where each was: relayed readers see no gap and no double, and the room counts them again", async () => {
    const room = freshRoom();
    const rel = await joinAs(room, "rel");
    const writer = await joinAs(room, "writer");
    const keeper = await openStream(room, { token: writer.token });
    // A participant whose only stream is on a relay, and an anonymous reader on another.
    const theirs = await openStream(room, { token: rel.token });
    const anonymous = await openStream(room);
    expect(await roomStats(room)).toMatchObject({ subscribers: 3, directReaders: 1, relays: 2 });
    const before = await sayOk(writer, "before");
    const seen = [await chatIdsThrough(theirs, before), await chatIdsThrough(anonymous, before)];

    await restart(env.CHAT_ROOM.getByName(room));
    // The room's own reader is cut, and comes back; the relays' readers are not cut.
    expect(await keeper.reader.endsWithin(2000)).toBe(true);
    const back = await openStream(room, { token: writer.token, lastEventId: keeper.reader.lastEventId });
    const after = [await sayOk(writer, "after 1"), await sayOk(writer, "after 2"), await sayOk(writer, "after 3")];
    for (const [i, stream] of [theirs, anonymous].entries()) {
      const ids = [...(seen[i] ?? []), ...(await chatIdsThrough(stream, after[2] ?? 0))];
      // Every id once, in order, with no hole: those after the restart follow those before.
      expect(ids).toEqual(Array.from({ length: ids.length }, (_, j) => (ids[0] ?? 0) + j));
      expect(ids.slice(-3)).toEqual(after);
      expect(stream.reader.ended).toBe(false);
    }

    // The room counts the relays' streams again, and their participant stays online.
    await heartbeatsUntil(
      back.reader,
      async () => (await relayedReaders(room)) === 2,
      "the restarted room never counted the relays' streams again",
    );
    expect(await roomStats(room)).toMatchObject({ subscribers: 3, directReaders: 1, relays: 2 });
    await expectNobodyLeavesAfterGrace(room, ["rel", "writer"]);
    const still = await sayOk(writer, "still here");
    for (const stream of [theirs, anonymous]) expect((await stream.reader.nextChat()).id).toBe(still);
    await Promise.all([theirs, anonymous, back].map((stream) => stream.reader.cancel()));
  }, 20_000);
});

describe("a deploy", () => {
  it("restarts every object at once, cutting every stream; readers come back with Last-Event-ID and miss nothing", async () => {
    const { publishers, closer, keeper, reading } = await roomWithRelayedReaders();
    const acknowledged: number[] = [];
    await postSome(publishers, 6, acknowledged);
    await abortAllDurableObjects();
    expect(await keeper.reader.endsWithin(2000)).toBe(true);
    await postSome(publishers, 6, acknowledged);
    expect(acknowledged.length).toBeGreaterThan(6);
    await expectEveryoneHadAll("deploy", closer, acknowledged, reading);
  }, 30_000);
});
