import { describe, expect, it } from "vitest";
import { readWranglerConfig } from "../support/node/wrangler-config";
import { pageSuite } from "./page-suite";

// Every request of this file, the page's and Node's alike, comes from this machine's one address,
// so Node spends a budget and the page meets its end.
const suite = pageSuite("deployment-limits", { expectedErrors: /status of 429/ });
const { rateLimits } = readWranglerConfig();

function limitOf(binding: string): number {
  const budget = rateLimits[binding];
  if (budget === undefined) throw new Error(`wrangler.toml has no rate limit called ${binding}`);
  return budget.limit;
}

/**
 * The local limiter counts in windows of the wall clock's minutes: spending a budget starts early
 * enough in one that the page's request falls in the same window.
 */
async function startOfAWindow(): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 35_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 100));
}

/** Makes requests until the budget refuses one, and returns how many went through. */
async function spendUntilRefused(request: (index: number) => Promise<Response>, code: string): Promise<number> {
  for (let index = 0; index < 1000; index += 1) {
    const response = await request(index);
    if (response.status === 429) {
      expect(((await response.json()) as { error: string }).error).toBe(code);
      return index;
    }
    await response.body?.cancel();
  }
  throw new Error(`no request was refused with ${code}`);
}

describe("the page at the end of a deployment-wide budget", () => {
  it("says why a new room was not made, and stays where it is", async () => {
    const room = suite.room();
    const { page } = await suite.person();
    await page.goto(`/r/${room}/`);
    await startOfAWindow();
    const made = await spendUntilRefused(
      () => fetch(`${suite.server.url}/r/${suite.room()}/owner`, { method: "POST" }),
      "too_many_new_rooms",
    );
    expect(made).toBe(limitOf("ROOM_CLAIMS_LIMITER"));

    await page.getByRole("button", { name: "New room" }).click();
    await expect
      .poll(() => page.getByRole("alert").textContent())
      .toMatch(/Too many new rooms .* try again in a minute/);
    expect(new URL(page.url()).pathname).toBe(`/r/${room}/`);
  });

  it("says why a join was refused, and keeps the name typed", async () => {
    const { page } = await suite.person();
    await page.goto(`/r/${suite.room()}/`);
    await startOfAWindow();
    const joined = await spendUntilRefused(
      (index) =>
        fetch(`${suite.server.url}/r/${suite.room()}/users`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ name: `Guest ${index}` }),
        }),
      "too_many_joins",
    );
    expect(joined).toBe(limitOf("JOINS_LIMITER"));

    await page.getByLabel("Your name").fill("Ana");
    await page.getByRole("button", { name: "Join" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/Too many joins .* try again in a minute/);
    await expect.poll(() => page.getByLabel("Your name").inputValue()).toBe("Ana");
  });

  it("says why the conversation does not connect", async () => {
    const room = suite.room();
    await startOfAWindow();
    // Fifty a room, so that no room's own cap on one address's streams is what refuses them.
    const rooms = Array.from({ length: 10 }, () => suite.room());
    const opened = await spendUntilRefused(
      (index) => fetch(`${suite.server.url}/r/${rooms[Math.floor(index / 50)]}/stream`),
      "too_many_new_streams",
    );
    // The two pages above opened a stream each in this window, or in the one before.
    expect(opened).toBeLessThanOrEqual(limitOf("STREAMS_LIMITER"));
    expect(opened).toBeGreaterThanOrEqual(limitOf("STREAMS_LIMITER") - 2);

    const { page } = await suite.person();
    await page.goto(`/r/${room}/`);
    await page.locator("#connection[data-state=reconnecting]").waitFor();
    await expect
      .poll(() => page.getByRole("alert").textContent())
      .toMatch(/Too many connections .* try again in a minute/);
  });
});
