import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { freshRoom } from "./support/rooms";
import { joinAs, openStream, say } from "./support/workers/self-client";

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe("fifty publishers posting at once", () => {
  it("get every acknowledged message stored and delivered once, ids strictly increasing, one per frame", async () => {
    const room = freshRoom();
    const publishers = await Promise.all(Array.from({ length: 50 }, (_, i) => joinAs(room, `p${i}`)));
    const { reader } = await openStream(room);
    const joined = (await env.CHAT_ROOM.getByName(room).stats()).lastEventId;
    await reader.chatUntil((_, id) => id === joined);

    const acknowledged = new Map<number, string>();
    await Promise.all(
      publishers.map(async (publisher) => {
        for (let i = 0; i < 2; i++) {
          const text = `${publisher.name}/${i} ${"z".repeat(200)}`;
          const response = await say(publisher, text);
          if (response.status === 201) acknowledged.set((await response.json<{ id: number }>()).id, text);
        }
      }),
    );
    expect(acknowledged.size).toBe(100);

    const last = Math.max(...acknowledged.keys());
    const live = await reader.chatUntil((_, id) => id === last, 10_000);
    for (let i = 1; i < live.length; i++) expect(live[i]?.id).toBe((live[i - 1]?.id ?? 0) + 1);
    expect(new Map(live.map((event) => [event.id, event.data.msg]))).toEqual(acknowledged);
    const dataLines = reader.raw.split("\n").filter((line) => line.startsWith("data: "));
    expect(dataLines.every((line) => isJson(line.slice(6)))).toBe(true);

    // The same, from storage: a reader arriving afterwards replays all 100 in the same order.
    const late = await openStream(room, { lastEventId: joined });
    const replay = await late.reader.chatUntil((_, id) => id === last, 10_000);
    expect(replay.map((event) => event.id)).toEqual(live.map((event) => event.id));
    await Promise.all([reader.cancel(), late.reader.cancel()]);
  });
});
