import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { expectError } from "./support/expect-error";
import { heartbeatsUntil } from "./support/heartbeats";
import { freshRoom } from "./support/rooms";
import { EventStreamReader } from "./support/sse-reader";
import { ORIGIN } from "./support/workers/self-client";

// This project runs with low per-address caps (floodVars in vitest.config.ts).
const STREAMS_PER_CLIENT = Number(env.MAX_STREAMS_PER_CLIENT);
const JOIN_BURST = Number(env.JOIN_RATE_BURST);
const RATE_BURST = Number(env.RATE_BURST);

function from(address: string, init: RequestInit = {}): RequestInit {
  const headers = new Headers(init.headers);
  headers.set("CF-Connecting-IP", address);
  return { ...init, headers };
}

async function stream(room: string, address: string): Promise<Response> {
  return SELF.fetch(`${ORIGIN}/r/${room}/stream`, from(address));
}

function join(room: string, address: string, name: string): Promise<Response> {
  return SELF.fetch(
    `${ORIGIN}/r/${room}/users`,
    from(address, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name }) }),
  );
}

describe("a client flooding a room", () => {
  it("may hold only so many streams, and others in the room still connect", async () => {
    const room = freshRoom();
    const held = await Promise.all(Array.from({ length: STREAMS_PER_CLIENT }, () => stream(room, "203.0.113.7")));
    expect(held.map((response) => response.status)).toEqual(Array(STREAMS_PER_CLIENT).fill(200));
    const refused = await stream(room, "203.0.113.7");
    await expectError(refused, 429, "too_many_streams");
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);

    const neighbour = await stream(room, "198.51.100.20");
    expect(neighbour.status).toBe(200);
    const elsewhere = await stream(freshRoom(), "203.0.113.7");
    expect(elsewhere.status).toBe(200);

    // Closing one frees its place, once the room has found it closed: then the room holds the
    // rest of the held streams and the neighbour's.
    await held[0]?.body?.cancel();
    const watching = new EventStreamReader(neighbour);
    await heartbeatsUntil(
      watching,
      async () => (await env.CHAT_ROOM.getByName(room).stats()).subscribers <= held.length,
      "the room never found the closed stream",
    );
    const again = await stream(room, "203.0.113.7");
    expect(again.status).toBe(200);
    await watching.cancel();
    for (const response of [...held.slice(1), elsewhere, again]) await response.body?.cancel();
  });

  it("counts IPv6 addresses by their /64 network", async () => {
    const room = freshRoom();
    const held = await Promise.all(
      Array.from({ length: STREAMS_PER_CLIENT }, (_, i) => stream(room, `2001:db8:0:1::${(i + 1).toString(16)}`)),
    );
    expect(held.map((response) => response.status)).toEqual(Array(STREAMS_PER_CLIENT).fill(200));
    expect((await stream(room, "2001:db8:0:1:ffff:ffff:ffff:ffff")).status).toBe(429);
    const otherNetwork = await stream(room, "2001:db8:0:2::1");
    expect(otherNetwork.status).toBe(200);
    for (const response of [...held, otherNetwork]) await response.body?.cancel();
  });

  it("may join only at a measured pace, and others still join", async () => {
    const room = freshRoom();
    const statuses: number[] = [];
    for (let i = 0; i <= JOIN_BURST; i++) statuses.push((await join(room, "203.0.113.8", `sock${i}`)).status);
    expect(statuses).toEqual([...Array(JOIN_BURST).fill(201), 429]);
    expect((await join(room, "198.51.100.21", "neighbour")).status).toBe(201);
  });

  it("cannot crowd out the others' messages by posting", async () => {
    const room = freshRoom();
    const flooder = await (await join(room, "203.0.113.9", "flooder")).json<{ token: string }>();
    const calm = await (await join(room, "198.51.100.22", "calm")).json<{ token: string }>();
    const reader = new EventStreamReader(await stream(room, "198.51.100.22"));
    const post = (token: string, msg: string) =>
      SELF.fetch(`${ORIGIN}/r/${room}/messages`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
        body: JSON.stringify({ msg }),
      });
    const flood = await Promise.all(Array.from({ length: 40 }, (_, i) => post(flooder.token, `spam ${i}`)));
    const accepted = flood.filter((response) => response.status === 201).length;
    // The burst, and perhaps one more the bucket refilled while the posts came in.
    expect(accepted).toBeLessThanOrEqual(RATE_BURST + 1);
    expect(flood.filter((response) => response.status === 429).length).toBe(40 - accepted);
    expect((await post(calm.token, "still heard")).status).toBe(201);
    const events = await reader.chatUntil((data) => data.msg === "still heard");
    expect(events.filter((event) => event.data.user === "flooder" && event.data.kind === "message")).toHaveLength(
      accepted,
    );
    await reader.cancel();
  });
});
