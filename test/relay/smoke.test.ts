import { env, listDurableObjectIds } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { freshRoom } from "../support/rooms";
import { joinAs, openStream, sayOk } from "../support/workers/self-client";

describe("relay smoke", () => {
  it("serves a second reader through a relay", async () => {
    const room = freshRoom();
    const ana = await joinAs(room, "ana");
    const first = await openStream(room);
    const second = await openStream(room);
    const id = await sayOk(ana, "hello");
    const a = await first.reader.chatUntil((_, got) => got === id);
    const b = await second.reader.chatUntil((_, got) => got === id);
    expect(b.map((e) => e.id)).toEqual(a.map((e) => e.id));
    expect((await env.CHAT_ROOM.getByName(room).stats()).relays).toBe(1);
    expect((await listDurableObjectIds(env.CHAT_RELAY)).length).toBeGreaterThan(0);
    await first.reader.cancel();
    await second.reader.cancel();
  });
});
