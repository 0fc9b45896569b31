import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { freshRoom } from "./support/rooms";
import { ORIGIN } from "./support/self-client";
import { EventStreamReader } from "./support/sse-reader";

// This project runs with MAX_STREAMS_PER_CLIENT = 5, JOIN_RATE_BURST = 3, JOIN_RATE_PER_MINUTE = 6.

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
    const held = await Promise.all(Array.from({ length: 5 }, () => stream(room, "203.0.113.7")));
    expect(held.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    const refused = await stream(room, "203.0.113.7");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ error: "too_many_streams" });

    const neighbour = await stream(room, "198.51.100.20");
    expect(neighbour.status).toBe(200);
    const elsewhere = await stream(freshRoom(), "203.0.113.7");
    expect(elsewhere.status).toBe(200);

    // Closing one frees its place, once the room has found it closed: at once if the runtime
    // passes the cancel on, else at the next heartbeat, which runs on a real interval.
    await held[0]?.body?.cancel();
    const watching = new EventStreamReader(neighbour);
    for (let beats = 0; (await env.CHAT_ROOM.getByName(room).stats()).subscribers > 5; beats++) {
      if (beats === 20) throw new Error("the room never found the closed stream");
      await watching.commentsAtLeast(watching.comments + 1);
    }
    const again = await stream(room, "203.0.113.7");
    expect(again.status).toBe(200);
    await watching.cancel();
    for (const response of [...held.slice(1), elsewhere, again]) await response.body?.cancel();
  });

  it("counts IPv6 addresses by their /64 network", async () => {
    const room = freshRoom();
    const held = await Promise.all(
      Array.from({ length: 5 }, (_, i) => stream(room, `2001:db8:0:1::${(i + 1).toString(16)}`)),
    );
    expect(held.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    expect((await stream(room, "2001:db8:0:1:ffff:ffff:ffff:ffff")).status).toBe(429);
    const otherNetwork = await stream(room, "2001:db8:0:2::1");
    expect(otherNetwork.status).toBe(200);
    for (const response of [...held, otherNetwork]) await response.body?.cancel();
  });

  it("may join only at a measured pace, and others still join", async () => {
    const room = freshRoom();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await join(room, "203.0.113.8", `sock${i}`)).status);
    expect(statuses).toEqual([201, 201, 201, 429]);
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
    expect(accepted).toBeLessThanOrEqual(11);
    expect(flood.filter((response) => response.status === 429).length).toBe(40 - accepted);
    expect((await post(calm.token, "still heard")).status).toBe(201);
    const events = await reader.chatUntil((data) => data.msg === "still heard");
    expect(events.filter((event) => event.data.user === "flooder" && event.data.kind === "message")).toHaveLength(
      accepted,
    );
    await reader.cancel();
  });
});
