import { env, runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import type { ChatRoom } from "../src/room/chat-room";
import type { Participant } from "./support/chat-client";
import { heartbeatsUntil } from "./support/heartbeats";
import { expectNothingLost, readThroughFaults } from "./support/read-through-faults";
import { freshRoom } from "./support/rooms";
import { sleep } from "./support/sleep";
import { chat, joinAs, openStream, say } from "./support/workers/self-client";

/** A little slower than the rate limit lets one participant post. */
const PACE_MS = (1.1 * 1000) / Number(env.RATE_PER_SECOND);

/** Ids the room acknowledged, in order, and a way to wait for more of them. */
class Acknowledged {
  readonly ids: number[] = [];
  #waiting: { count: number; resolve: () => void }[] = [];

  add(id: number): void {
    this.ids.push(id);
    for (const waiter of this.#waiting) if (waiter.count <= this.ids.length) waiter.resolve();
    this.#waiting = this.#waiting.filter((waiter) => waiter.count > this.ids.length);
  }

  /** Resolves once `count` more posts than now have been acknowledged. */
  more(count: number, timeoutMs = 10_000): Promise<void> {
    const target = this.ids.length + count;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${this.ids.length} of ${target} posts acknowledged`)),
        timeoutMs,
      );
      this.#waiting.push({
        count: target,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

async function publishUntil(
  participant: Participant,
  stop: () => boolean,
  acknowledged: Acknowledged,
): Promise<number> {
  let sent = 0;
  while (!stop()) {
    sent++;
    const response = await say(participant, `${participant.name} #${sent}`).catch(() => undefined);
    if (response?.status === 201) acknowledged.add((await response.json<{ id: number }>()).id);
    // Just under the rate limit's steady pace: its bucket refills in real time, so this waits.
    await sleep(PACE_MS);
  }
  return sent;
}

describe("a room that crashes mid-stream", () => {
  it("loses no acknowledged message: readers reconnect with Last-Event-ID and see each once, in order", async () => {
    const room = freshRoom();
    const stub = env.CHAT_ROOM.getByName(room);
    const publishers = await Promise.all(["p1", "p2", "p3"].map((name) => joinAs(room, name)));
    const closer = await joinAs(room, "closer");
    const readers = [1, 2, 3].map(() => readThroughFaults(chat, room, "END", { retryDelayMs: 50 }));
    // Nothing is posted before the readers are in, since a first connect gets only recent history.
    const watcher = await openStream(room);
    await heartbeatsUntil(
      watcher.reader,
      async () => (await stub.stats()).subscribers >= 4,
      "the readers never connected",
    );
    await watcher.reader.cancel();

    const acknowledged = new Acknowledged();
    let stopping = false;
    const publishing = publishers.map((publisher) => publishUntil(publisher, () => stopping, acknowledged));
    await acknowledged.more(6);
    // The object is reset as by a crash: every stream is cut, in-memory state is gone.
    await runInDurableObject(stub, (_: ChatRoom, state) => state.abort("fault injected by test")).catch(
      () => undefined,
    );
    // Publishing goes on into the restarted room.
    await acknowledged.more(6);
    stopping = true;
    const sent = (await Promise.all(publishing)).reduce((a, b) => a + b, 0);
    const end = await say(closer, "END");
    acknowledged.add((await end.json<{ id: number }>()).id);

    console.log(expectNothingLost("crash fault", sent + 1, acknowledged.ids, await Promise.all(readers)));
  }, 20_000);
});
