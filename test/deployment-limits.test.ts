import { env, listDurableObjectIds } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { jsonBody } from "./support/chat-client";
import { freshClientAddress } from "./support/client-addresses";
import { expectError } from "./support/expect-error";
import { freshRoom, roomPath } from "./support/rooms";
import { call, joinAs, sayOk } from "./support/workers/self-client";

/** wrangler.toml's budgets, passed in by vitest.config.ts. */
const BUDGETS = JSON.parse(String((env as unknown as Record<string, unknown>).RATE_LIMITS)) as Record<
  string,
  { limit: number; period: number }
>;

function budgetOf(binding: string): { limit: number; period: number } {
  const budget = BUDGETS[binding];
  if (budget === undefined) throw new Error(`wrangler.toml has no rate limit called ${binding}`);
  return budget;
}

function from(address: string, init: RequestInit = {}): RequestInit {
  const headers = new Headers(init.headers);
  headers.set("CF-Connecting-IP", address);
  return { ...init, headers };
}

function claim(room: string, address: string): Promise<Response> {
  return call(`${roomPath(room)}/owner`, from(address, { method: "POST" }));
}

function join(room: string, name: string, address: string): Promise<Response> {
  return call(`${roomPath(room)}/users`, from(address, { method: "POST", ...jsonBody({ name }) }));
}

function stream(room: string, address: string): Promise<Response> {
  return call(`${roomPath(room)}/stream`, from(address));
}

/**
 * How many of `count` requests made one after another were let through, each refusal checked.
 * The binding counts in windows of a fixed length, so a run that crosses from one window into
 * the next may be let through up to twice the budget.
 */
async function spend(
  count: number,
  request: (index: number) => Promise<Response>,
  code: string,
): Promise<{ passed: number[]; refused: number[] }> {
  const passed: number[] = [];
  const refused: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const response = await request(index);
    if (response.status === 429) {
      expect(Number(response.headers.get("Retry-After"))).toBe(60);
      await expectError(response, 429, code);
      refused.push(index);
    } else {
      expect(response.status).toBeLessThan(300);
      await response.body?.cancel();
      passed.push(index);
    }
  }
  return { passed, refused };
}

function expectWithinBudget(passed: number, budget: number): void {
  expect(passed).toBeGreaterThanOrEqual(budget);
  expect(passed).toBeLessThanOrEqual(2 * budget);
}

describe("limits across the whole deployment", () => {
  it("refuses one address's 200 new rooms in a minute past the budget, and a refused claim makes no room", async () => {
    const { limit } = budgetOf("ROOM_CLAIMS_LIMITER");
    const address = freshClientAddress();
    const rooms = Array.from({ length: 200 }, () => freshRoom("claimed"));
    const { passed, refused } = await spend(
      200,
      (index) => claim(rooms[index] as string, address),
      "too_many_new_rooms",
    );
    expectWithinBudget(passed.length, limit);
    expect(refused.length).toBe(200 - passed.length);

    // Only the rooms that were made have an object; a refused claim never reached one.
    const stored = new Set((await listDurableObjectIds(env.CHAT_ROOM)).map((id) => id.toString()));
    const hasObject = (index: number) => stored.has(env.CHAT_ROOM.idFromName(rooms[index] as string).toString());
    expect(passed.every(hasObject)).toBe(true);
    expect(refused.filter(hasObject)).toEqual([]);

    // Another address has a budget of its own.
    expect((await claim(freshRoom("claimed"), freshClientAddress())).status).toBe(201);
  });

  it("refuses one address's joins across many rooms past the budget, and a refused join changes nothing", async () => {
    const { limit } = budgetOf("JOINS_LIMITER");
    const address = freshClientAddress();
    const count = 2 * limit + 10;
    // One join a room, so that no room's own join pace is what refuses them.
    const rooms = Array.from({ length: count }, () => freshRoom("joined"));
    const { passed, refused } = await spend(
      count,
      (index) => join(rooms[index] as string, "Ana", address),
      "too_many_joins",
    );
    expectWithinBudget(passed.length, limit);
    expect(refused.length).toBeGreaterThan(0);
    for (const index of refused.slice(0, 5)) {
      const room = env.CHAT_ROOM.getByName(rooms[index] as string);
      expect(await room.users()).toEqual([]);
      expect((await room.stats()).lastEventId).toBe(0);
    }
    expect((await join(freshRoom("joined"), "Ana", freshClientAddress())).status).toBe(201);
  });

  it("refuses one address's new streams across many rooms past the budget; its open streams go on", async () => {
    const { limit } = budgetOf("STREAMS_LIMITER");
    const address = freshClientAddress();
    const room = freshRoom("streamed");
    const ana = await joinAs(room, "Ana");
    const first = await stream(room, address);
    expect(first.status).toBe(200);
    const reader = first.body?.getReader();
    const count = 2 * limit + 10;
    // Twenty a room, so that no room's own caps on streams are what refuse them.
    const rooms = Array.from({ length: Math.ceil(count / 20) }, () => freshRoom("streamed"));
    const { passed, refused } = await spend(
      count,
      (index) => stream(rooms[Math.floor(index / 20)] as string, address),
      "too_many_new_streams",
    );
    expectWithinBudget(passed.length + 1, limit);
    expect(refused.length).toBeGreaterThan(0);

    // The stream opened before the budget ran out still gets what is said in its room.
    await sayOk(ana, "still here");
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes("still here")) {
      const { value, done } = (await reader?.read()) ?? { done: true };
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toContain("still here");
    await reader?.cancel();
  }, 30_000);

  it("refuses one address's searches across many rooms past the budget", async () => {
    const { limit } = budgetOf("SEARCHES_LIMITER");
    const address = freshClientAddress();
    const count = 2 * limit + 10;
    // Five a room, within what each room lets one address search at once.
    const rooms = Array.from({ length: Math.ceil(count / 5) }, () => freshRoom("searched"));
    const { passed, refused } = await spend(
      count,
      (index) =>
        call(
          `${roomPath(rooms[Math.floor(index / 5)])}/search`,
          from(address, { method: "POST", ...jsonBody({ q: "anything" }) }),
        ),
      "too_many_searches",
    );
    expectWithinBudget(passed.length, limit);
    expect(refused.length).toBeGreaterThan(0);
  }, 60_000);

  it("holds nothing against requests whose address Cloudflare did not give", async () => {
    const { limit } = budgetOf("ROOM_CLAIMS_LIMITER");
    for (let index = 0; index <= 2 * limit; index += 1) {
      const response = await call(`${roomPath(freshRoom("unknown"))}/owner`, { method: "POST" });
      expect(response.status).toBe(201);
    }
  });
});
