import { describe, expect, it } from "vitest";
import { seriousViolations } from "./axe";
import { messageWith } from "./browser";
import { pageSuite } from "./page-suite";
import { FILL_VARS, roomFiller } from "./room-filler";

/** A stream that hundreds of messages pass through may be cut by `wrangler dev`; the page resumes it. */
const suite = pageSuite("left-off", { vars: FILL_VARS });

describe("where the reader left off", () => {
  it("opens at the first message since the last visit, under a line saying so", async () => {
    const here = suite.room();
    const writer = await roomFiller(suite.server.url, here);
    await writer.fill(10);
    const reader = await suite.person();
    await reader.page.goto(`/r/${here}/`);
    await messageWith(reader.page, "message 10").waitFor();
    // Left: what was read is kept as the page goes.
    await reader.page.goto("about:blank");
    await writer.fill(90);
    await reader.page.goto(`/r/${here}/`);
    const line = reader.page.locator("#messages > li.left-off");
    await expect.poll(() => line.textContent()).toBe("New since your last visit");
    expect(await line.evaluate((item) => item.nextElementSibling?.querySelector(".text")?.textContent)).toBe(
      "message 11",
    );
    await messageWith(reader.page, "message 11").waitFor({ state: "visible" });
    expect(await messageWith(reader.page, "message 90").count()).toBe(0);
    expect(await seriousViolations(reader.page)).toEqual([]);
    await reader.page.getByRole("button", { name: /Jump to newest/ }).click();
    await messageWith(reader.page, "message 90").waitFor({ state: "visible" });
  });

  it("remembers only the rooms read most recently", async () => {
    const here = suite.room();
    const writer = await roomFiller(suite.server.url, here);
    await writer.fill(2);
    const reader = await suite.person();
    await reader.page.goto("/r/elsewhere/");
    await reader.page.evaluate(() => {
      const rooms = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`old-${i}`, [1, i]]));
      localStorage.setItem("chat.lastRead", JSON.stringify(rooms));
    });
    await reader.page.goto(`/r/${here}/`);
    await messageWith(reader.page, "message 2").waitFor();
    await reader.page.goto("about:blank");
    await reader.page.goto("/r/elsewhere/");
    const kept = await reader.page.evaluate(() => JSON.parse(localStorage.getItem("chat.lastRead") ?? "{}"));
    expect(Object.keys(kept)).toHaveLength(50);
    expect(kept[here]?.[0]).toBe(writer.ids[1]);
  });
});
