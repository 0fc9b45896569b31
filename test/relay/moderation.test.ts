import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { relayInRoom } from "../../src/streams/relay-protocol.ts";
import type { OpenedStream } from "../support/chat-client.ts";
import { expectError } from "../support/expect-error.ts";
import { heartbeatsUntil } from "../support/heartbeats.ts";
import { freshRoom, roomPath } from "../support/rooms.ts";
import { expectHistoryThenRemoval, roomWithLongHistory } from "../support/workers/catching-up-removal.ts";
import { upstreamAs } from "../support/workers/relay-upstream.ts";
import { relayedReaders, relayOf } from "../support/workers/relays.ts";
import { claim, lastEventId, withKey } from "../support/workers/room-authority.ts";
import { call, joinAs, openStream, sayOk } from "../support/workers/self-client.ts";

/** How soon a removal must have ended every stream of the participant, wherever it is served. */
const REMOVAL_REACHES_MS = 2000;

/** Removes `name` for ten minutes with the owner's key; returns the removal's event id. */
async function remove(room: string, key: string, name: string): Promise<number> {
  const removal = await withKey(room, key, "POST", "/removals", { name, minutes: 10 });
  expect(removal.status).toBe(200);
  return ((await removal.json()) as { id: number }).id;
}

/** Fails unless `stream` carries the removal `id` as its last event and ends by `deadline` (a `performance.now()` time). */
async function expectEndedByRemoval(stream: OpenedStream, id: number, deadline: number): Promise<void> {
  const events = await stream.reader.until((event) => event.event === "removed", deadline - performance.now());
  expect(events.at(-1)?.id).toBe(String(id));
  expect(await stream.reader.endsWithin(Math.max(1, deadline - performance.now()))).toBe(true);
  // Nothing after it, the leave the removal brings included.
  await expect(stream.reader.next(100)).rejects.toThrow(/ended/);
}

describe("removing a participant whose streams are on relays", () => {
  it("ends each of their streams, on every relay and the room, with the removal within two seconds; others' go on; once lifted they read through a relay again", async () => {
    const room = freshRoom("relay-remove");
    const key = await claim(room);
    const troll = await joinAs(room, "Troll");
    const mina = await joinAs(room, "Mina");
    // The room serves the first itself; each next one goes to a relay of its own.
    const theirs = [
      await openStream(room, { token: troll.token }),
      await openStream(room, { token: troll.token }),
      await openStream(room, { token: troll.token }),
    ];
    const minas = await openStream(room, { token: mina.token });
    const anonymous = await openStream(room);
    expect(await env.CHAT_ROOM.getByName(room).stats()).toMatchObject({ subscribers: 5, directReaders: 1, relays: 4 });
    for (const shard of [0, 1, 2, 3]) expect((await relayOf(room, shard).stats()).readers).toBe(1);
    for (const stream of [...theirs, minas, anonymous]) {
      await stream.reader.chatUntil((data) => data.msg === "add user : Mina");
    }

    const id = await remove(room, key, "Troll");
    const deadline = performance.now() + REMOVAL_REACHES_MS;
    await Promise.all(theirs.map((stream) => expectEndedByRemoval(stream, id, deadline)));

    // The others' streams, on relays, carry the removal and what follows, and go on.
    const after = await sayOk(mina, "still here");
    for (const stream of [minas, anonymous]) {
      const events = await stream.reader.chatUntil((_, got) => got === after);
      expect(events.map((event) => event.id)).toEqual([id + 1, after]);
      expect(events[0]?.data).toMatchObject({ kind: "leave", user: "Troll" });
    }
    await heartbeatsUntil(
      minas.reader,
      async () => (await relayedReaders(room)) === 2 && (await relayOf(room, 0).stats()).readers === 0,
      "the room or the relays still count the removed participant's streams",
    );
    await expectError(await call(`${roomPath(room)}/stream?token=${troll.token}`), 403, "removed");

    expect((await withKey(room, key, "DELETE", "/removals?name=Troll")).status).toBe(200);
    // The room serves a reader itself again, so the participant's next stream goes to a relay.
    const keeper = await openStream(room);
    const back = await joinAs(room, "Troll");
    const again = await openStream(room, { token: back.token });
    expect(await env.CHAT_ROOM.getByName(room).stats()).toMatchObject({ subscribers: 4, directReaders: 1 });
    const welcome = await sayOk(mina, "welcome back");
    expect((await again.reader.chatUntil((_, got) => got === welcome)).at(-1)?.data.msg).toBe("welcome back");
    await Promise.all([keeper, again, minas, anonymous].map((stream) => stream.reader.cancel()));
  });

  it("ends with the removal their stream handed to a relay that restarted before the room saw its stream from before go", async () => {
    const room = freshRoom("remove-stale");
    const key = await claim(room);
    const troll = await joinAs(room, "Troll");
    const keeper = await openStream(room);
    // What the room still holds of relay 0 from before it restarted: a stream from the room
    // that the relay no longer reads.
    const stale = await upstreamAs(room, relayInRoom("local", 0), await lastEventId(room));
    const theirs = await openStream(room, { token: troll.token });
    await theirs.reader.chatUntil((data) => data.msg === "add user : Troll");
    expect((await relayOf(room, 0).stats()).readers).toBe(1);

    const id = await remove(room, key, "Troll");
    await expectEndedByRemoval(theirs, id, performance.now() + REMOVAL_REACHES_MS);
    await stale.body?.cancel();
    await Promise.all([keeper.reader.cancel(), theirs.reader.cancel()]);
  });

  it.each([
    ["a relay already reading from the room", true],
    ["a relay it starts", false],
  ])(
    "ends their stream still being sent history on %s with the rest of it, then the removal, once",
    async (_, warm) => {
      const { room, key, troll, stored } = await roomWithLongHistory("catching-up");
      const keeper = await openStream(room);
      if (warm) {
        // A reader that comes and goes leaves relay 0 reading from the room, holding the newest events.
        const passing = await openStream(room);
        await passing.reader.chatUntil((_, id) => id === stored);
        await passing.reader.cancel();
        await heartbeatsUntil(
          keeper.reader,
          async () => (await relayedReaders(room)) === 0,
          "the relay kept its reader",
        );
        expect((await relayOf(room, 0).stats()).position).toBe(stored);
      }
      const theirs = await openStream(room, { token: troll.token, lastEventId: 0 });
      const first = await theirs.reader.nextChat();
      // It reads nothing more for now, so the rest of its history waits.
      expect((await relayOf(room, 0).stats()).readers).toBe(1);

      const id = await remove(room, key, "Troll");
      expect(id).toBe(stored + 1);
      await expectHistoryThenRemoval(theirs.reader, first.id, stored, id, "Troll");
      await keeper.reader.cancel();
    },
    20_000,
  );
});
