import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { seriousViolations } from "./axe";
import { messageWith, shownMessages } from "./browser";
import { pageSuite } from "./page-suite";
import { FILL_VARS, roomFiller } from "./room-filler";

/**
 * A stream that hundreds of messages pass through may be cut by `wrangler dev` (its proxy ends
 * the response, and Chromium logs the cut); the page resumes it from where it was.
 */
const suite = pageSuite("history", { vars: FILL_VARS });

/** The line at the top of the conversation that says what lies before it. */
function edge(page: Page, text: string) {
  return page.locator("#messages > li.history-edge", { hasText: text });
}

/** Where a message's top lies in the window, in pixels. */
function topOf(page: Page, text: string): Promise<number> {
  return messageWith(page, text).evaluate((item) => item.getBoundingClientRect().top);
}

/** Scrolls the conversation to its top, as a reader going back does. */
async function scrollToTop(page: Page): Promise<void> {
  await page.locator("#messages").evaluate((list) => list.scrollTo({ top: 0 }));
}

/** The number in each message shown ("message 12" is 12), in order. */
async function numbers(page: Page): Promise<number[]> {
  return (await shownMessages(page)).map((text) => Number(text.replace("message ", "")));
}

describe("the conversation's history", () => {
  it("loads earlier messages as the reader scrolls to the top, keeping their place, up to the start of the room", async () => {
    const here = suite.room();
    const writer = await roomFiller(suite.server.url, here);
    await writer.fill(120);
    const reader = await suite.person();
    await reader.page.goto(`/r/${here}/`);
    await messageWith(reader.page, "message 120").waitFor();
    const firstShown = (await numbers(reader.page))[0] ?? 0;
    expect(firstShown).toBeGreaterThan(1);
    const listTop = await reader.page.locator("#messages").evaluate((list) => list.getBoundingClientRect().top);

    await scrollToTop(reader.page);
    await expect.poll(async () => (await numbers(reader.page))[0]).toBeLessThan(firstShown);
    // The message that was at the top stays where the reader saw it.
    const top = await topOf(reader.page, `message ${firstShown}`);
    expect(top).toBeGreaterThanOrEqual(listTop);
    expect(top).toBeLessThan(listTop + 80);
    await expect
      .poll(() => reader.page.getByRole("status").filter({ hasText: "earlier message" }).textContent())
      .toMatch(/^Loaded \d+ earlier messages\.$/);

    // On to the start of the room, which is said.
    for (let i = 0; i < 5 && !(await edge(reader.page, "This is the start of the room").isVisible()); i++) {
      await scrollToTop(reader.page);
      await reader.page.waitForTimeout(300);
    }
    await edge(reader.page, "This is the start of the room").waitFor();
    expect(await numbers(reader.page)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    // One day, one person, moments apart: one day line and one group across every seam.
    expect(await reader.page.locator("#messages > li.day").count()).toBe(1);
    expect(await reader.page.locator("#messages li.message:not(.grouped)").count()).toBe(1);
    expect(await seriousViolations(reader.page)).toEqual([]);
  });

  it("loads earlier messages by keyboard and with a button, keeping the reader's focus", async () => {
    const here = suite.room();
    const writer = await roomFiller(suite.server.url, here);
    await writer.fill(160);
    const reader = await suite.person({ dark: true });
    await reader.page.goto(`/r/${here}/`);
    await messageWith(reader.page, "message 160").waitFor();
    const firstShown = (await numbers(reader.page))[0] ?? 0;
    await messageWith(reader.page, "message 160").focus();
    await reader.page.keyboard.press("Home");
    const focused = () => reader.page.evaluate(() => document.activeElement?.querySelector(".text")?.textContent);
    expect(await focused()).toBe(`message ${firstShown}`);
    // At the first message shown, Home brings the ones before, and the reader stays where they were.
    await reader.page.keyboard.press("Home");
    await expect.poll(async () => (await numbers(reader.page))[0]).toBeLessThan(firstShown);
    expect(await focused()).toBe(`message ${firstShown}`);
    await reader.page.keyboard.press("ArrowUp");
    expect(await focused()).toBe(`message ${firstShown - 1}`);
    await expect
      .poll(() => reader.page.getByRole("status").filter({ hasText: "earlier" }).textContent())
      .toMatch(/Loaded/);

    const before = (await numbers(reader.page))[0] ?? 0;
    await reader.page.getByRole("button", { name: "Load earlier messages" }).click();
    await expect.poll(async () => (await numbers(reader.page))[0]).toBeLessThan(before);
    expect(await seriousViolations(reader.page)).toEqual([]);
  });

  it("keeps a reader who scrolled back in place as live messages arrive, and offers the way down", async () => {
    const here = suite.room();
    const writer = await roomFiller(suite.server.url, here);
    await writer.fill(100);
    const reader = await suite.person({ width: 390, height: 700 });
    await reader.page.goto(`/r/${here}/`);
    await messageWith(reader.page, "message 100").waitFor();
    const firstShown = (await numbers(reader.page))[0] ?? 0;
    await scrollToTop(reader.page);
    await expect.poll(async () => (await numbers(reader.page))[0]).toBeLessThan(firstShown);
    const top = await topOf(reader.page, `message ${firstShown}`);
    await writer.fill(101);
    await reader.page.getByRole("button", { name: /New messages/ }).waitFor();
    expect(await topOf(reader.page, `message ${firstShown}`)).toBe(top);
    expect(await seriousViolations(reader.page)).toEqual([]);
    await reader.page.getByRole("button", { name: /New messages/ }).click();
    await messageWith(reader.page, "message 101").waitFor({ state: "visible" });
  });

  it("holds a bounded number of messages however many arrive, and brings back the ones let go", async () => {
    const here = suite.room();
    const writer = await roomFiller(suite.server.url, here);
    await writer.fill(5);
    const reader = await suite.person();
    await reader.page.goto(`/r/${here}/`);
    await messageWith(reader.page, "message 5").waitFor();
    await writer.fill(450);
    await messageWith(reader.page, "message 450").waitFor();
    const held = await reader.page.locator("#messages > li[data-id]").count();
    expect(held).toBeLessThanOrEqual(400);
    expect(await reader.page.locator("#messages > li").count()).toBeLessThan(held + 10);
    const firstShown = (await numbers(reader.page))[0] ?? 0;
    expect(firstShown).toBeGreaterThan(5);
    await scrollToTop(reader.page);
    await expect.poll(async () => (await numbers(reader.page))[0]).toBeLessThan(firstShown);
    expect(await reader.page.locator("#messages > li[data-id]").count()).toBeLessThanOrEqual(400);
  });
});
