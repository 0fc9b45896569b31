import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { RateLimiter } from "../src/common/rate-limit";
import { freshRoom } from "./support/rooms";

describe("a rate limiter", () => {
  it("holds buckets only for keys that acted within a refill, however many keys came by", () => {
    // 20 at once and 20 a minute: a bucket that took one token is full again after 3 s.
    const limiter = new RateLimiter(20, 20 / 60);
    let largest = 0;
    for (let i = 0; i < 10_000; i++) {
      expect(limiter.take(`key-${i}`, i * 100)).toBe(0);
      largest = Math.max(largest, limiter.size);
    }
    // Keys arrive every 100 ms, so about 30 are within a refill; sweeping when the count
    // doubles keeps at most twice that, or the floor of 64, plus the one just added.
    expect(largest).toBeLessThanOrEqual(129);
  });

  it("forgets refilled buckets but keeps those of keys still being limited", () => {
    // 2 at once and 1 a second: one token taken refills in 1 s, two in 2 s.
    const limiter = new RateLimiter(2, 1);
    expect(limiter.take("busy", 0)).toBe(0);
    expect(limiter.take("busy", 0)).toBe(0);
    for (let i = 0; i < 1000; i++) limiter.take(`once-${i}`, 0);
    // At 1.5 s, every key that acted once is full again; "busy" has only 1.5 tokens back.
    for (let i = 0; i < 200; i++) limiter.take(`late-${i}`, 1500);
    expect(limiter.size).toBeLessThanOrEqual(202);
    expect(limiter.take("busy", 1500)).toBe(0);
    expect(limiter.take("busy", 1500)).toBeGreaterThan(0);
  });
});

describe("a room", () => {
  it("is left with a bounded join limiter after 10,000 joins from distinct /64 networks", async () => {
    const stub = env.CHAT_ROOM.getByName(freshRoom("bounded"));
    // Each batch runs as one step inside the object, so its joins share a moment; between
    // batches the clock moves on and the test's join rate (1,000 a second) refills a bucket
    // that took one token within a millisecond.
    for (let batch = 0; batch < 20; batch++) {
      await runInDurableObject(stub, (room) => {
        for (let i = 0; i < 500; i++) {
          const n = batch * 500 + i;
          const joined = room.join({ name: `p${n}`, client: `2001:db8:${n.toString(16)}::/64` });
          expect(joined.ok).toBe(true);
        }
      });
    }
    const stats = await stub.stats();
    expect(stats.online).toBe(10_000);
    expect(stats.limiterKeys).toBeLessThanOrEqual(1000);
  });
});
