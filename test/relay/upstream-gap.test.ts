import { describe, expect, it } from "vitest";
import { newToken } from "../../src/common/token";
import { type RelayCommand, relayInRoom } from "../../src/streams/relay-protocol";
import type { Participant } from "../support/chat-client";
import { freshRoom, roomPath } from "../support/rooms";
import type { SseEvent } from "../support/sse-events";
import { EventStreamReader } from "../support/sse-reader";
import { roomStats, untilRoom } from "../support/workers/relay-readers";
import { upstreamAs } from "../support/workers/relay-upstream";
import { claim, lastEventId, withKey } from "../support/workers/room-authority";
import { advanceTo, GRACE_MS, online } from "../support/workers/room-clock";
import { call, openStream } from "../support/workers/self-client";

/** A relay the tests play themselves, reading from the room through `upstreamAs`. */
const RELAY = relayInRoom("local", 7);

/**
 * How the relay's stream from the room is lost before the room's word on the session reaches
 * it: the stream ends and the relay reads again a moment later, or the relay opens a new one
 * while the room is still writing to the old, which it never reads again.
 */
const LOSSES = [
  ["ends, and the relay reads again", "ends"],
  ["is replaced before the relay read what the room wrote to it", "replaced"],
] as const;

/** The commands among a relay's stream's events. */
function commandsIn(events: SseEvent[]): RelayCommand[] {
  return events.filter((event) => event.event === "relay").map((event) => JSON.parse(event.data) as RelayCommand);
}

/** Reads the relay's stream from the room until a command `matches`, and returns it. */
async function commandUntil(reader: EventStreamReader, matches: (command: RelayCommand) => boolean) {
  const events = await reader.until((event) => event.event === "relay" && matches(JSON.parse(event.data)), 5000);
  return commandsIn(events).filter(matches).at(-1);
}

/**
 * A room with a reader of its own (`watcher`), then the relay reading from it and serving
 * `served`. For `ends`, the relay's stream is then closed and the room has found it gone.
 */
async function relayLosingItsStream(room: string, served: { id: string; token?: string; pendingToken?: string }) {
  const watcher = await openStream(room);
  const from = await lastEventId(room);
  const first = new EventStreamReader(await upstreamAs(room, RELAY, from, [served]));
  expect(await roomStats(room)).toMatchObject({ subscribers: 2, relays: 1, relaysReading: 1 });
  return {
    watcher,
    from,
    lose: async (loss: "ends" | "replaced") => {
      if (loss === "replaced") return;
      await first.cancel();
      await untilRoom(room, watcher.reader, (stats) => stats.relaysReading === 0, "the room never found it gone");
      // The relay's reader is still counted while the relay reads again.
      expect(await roomStats(room)).toMatchObject({ subscribers: 2, relays: 1 });
    },
  };
}

async function join(room: string, name: string, pendingCookie?: string): Promise<Participant> {
  const joined = await call(`${roomPath(room)}/users`, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      ...(pendingCookie ? { Cookie: pendingCookie } : {}),
    },
    body: `name=${name}`,
  });
  expect(joined.status).toBe(201);
  return { room, name, ...((await joined.json()) as { token: string }) } as Participant;
}

describe("a relay whose stream from the room", () => {
  it.each(LOSSES)(
    "%s, when the participant it serves was removed meanwhile, is told to end their stream",
    async (_, loss) => {
      const room = freshRoom("gap-removal");
      const key = await claim(room);
      const troll = await join(room, "Troll");
      const served = { id: "a-stream-of-troll", token: troll.token };
      const { watcher, from } = await relayLosingItsStream(room, served).then(async (relay) => {
        await relay.lose(loss);
        return relay;
      });

      const removal = await withKey(room, key, "POST", "/removals", { name: "Troll", minutes: 10 });
      expect(removal.status).toBe(200);
      const removalId = ((await removal.json()) as { id: number }).id;

      // The relay reads again, still serving the stream as the participant's.
      const again = new EventStreamReader(await upstreamAs(room, RELAY, from, [served]));
      const end = await commandUntil(again, (command) => command.op === "end" && command.token === troll.token);
      expect(end?.afterId).toBeGreaterThanOrEqual(removalId);
      // Until the relay says the stream closed, the room counts it.
      expect(await roomStats(room)).toMatchObject({ subscribers: 2, relays: 1, relaysReading: 1 });
      await Promise.all([again.cancel(), watcher.reader.cancel()]);
    },
  );

  it.each(LOSSES)(
    "%s, when the reader it serves joined meanwhile, is told the stream is the participant's, who stays online",
    async (_, loss) => {
      const room = freshRoom("gap-join");
      // A token as the room gives an anonymous reader, which the Worker takes from its cookie.
      const pendingToken = newToken();
      const served = { id: "a-stream-of-a-reader", pendingToken };
      const { watcher, from } = await relayLosingItsStream(room, served).then(async (relay) => {
        await relay.lose(loss);
        return relay;
      });

      const alice = await join(room, "alice", `chat.${room}.pending=${pendingToken}`);

      // The relay reads again, still serving the stream as an anonymous reader's.
      const again = new EventStreamReader(await upstreamAs(room, RELAY, from, [served]));
      const adopt = await commandUntil(again, (command) => command.op === "adopt");
      expect(adopt).toMatchObject({ op: "adopt", pendingToken, token: alice.token });
      // The stream counts for alice: without it, she would be announced as left after the grace period.
      await advanceTo(room, Date.now() + 2 * GRACE_MS);
      expect(await online(room)).toEqual(["alice"]);
      await Promise.all([again.cancel(), watcher.reader.cancel()]);
    },
  );
});
