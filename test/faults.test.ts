import { env, runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import type { ChatRoom } from "../src/chat-room";
import { freshRoom, joinAs, openStream, type Participant, say, sleep } from "./helpers/chat-client";
import { expectNothingLost } from "./helpers/fault-readers";

/**
 * Reads a room as EventSource would: whenever the stream ends or breaks, it reconnects with
 * the last id it saw. Returns every chat event id it was sent, in order, until `done` is seen.
 */
async function readThroughFaults(room: string, done: string): Promise<{ ids: number[]; reconnects: number }> {
  const ids: number[] = [];
  let reconnects = -1;
  for (;;) {
    reconnects++;
    const opened = await openStream(room, ids.length === 0 ? {} : { lastEventId: ids.at(-1) }).catch(() => undefined);
    if (!opened) {
      await sleep(50);
      continue;
    }
    try {
      for (;;) {
        const event = await opened.reader.nextChat(5000);
        ids.push(event.id);
        if (event.data.msg === done) return { ids, reconnects };
      }
    } catch {
      // Cut off: reconnect.
    } finally {
      await opened.reader.cancel();
    }
  }
}

async function publishUntil(participant: Participant, stop: () => boolean, acknowledged: number[]): Promise<number> {
  let sent = 0;
  while (!stop()) {
    sent++;
    const response = await say(participant, `${participant.name} #${sent}`).catch(() => undefined);
    if (response?.status === 201) acknowledged.push((await response.json<{ id: number }>()).id);
    // Just under the rate limit's steady pace of 5 a second.
    await sleep(220);
  }
  return sent;
}

describe("a room that crashes mid-stream", () => {
  it("loses no acknowledged message: readers reconnect with Last-Event-ID and see each once, in order", async () => {
    const room = freshRoom();
    const stub = env.CHAT_ROOM.getByName(room);
    const publishers = await Promise.all(["p1", "p2", "p3"].map((name) => joinAs(room, name)));
    const closer = await joinAs(room, "closer");
    const readers = [1, 2, 3].map(() => readThroughFaults(room, "END"));
    await sleep(200);

    const acknowledged: number[] = [];
    let stopping = false;
    const publishing = publishers.map((publisher) => publishUntil(publisher, () => stopping, acknowledged));
    await sleep(500);
    // The object is reset as by a crash: every stream is cut, in-memory state is gone.
    await runInDurableObject(stub, (_: ChatRoom, state) => state.abort("fault injected by test")).catch(
      () => undefined,
    );
    await sleep(700);
    stopping = true;
    const sent = (await Promise.all(publishing)).reduce((a, b) => a + b, 0);
    const end = await say(closer, "END");
    acknowledged.push((await end.json<{ id: number }>()).id);

    console.log(expectNothingLost("crash fault", sent + 1, acknowledged, await Promise.all(readers)));
  }, 20_000);
});
