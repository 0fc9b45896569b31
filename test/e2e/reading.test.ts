import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { seriousViolations } from "./axe";
import { joinRoom, send, shownMessages } from "./browser";
import { pageSuite, setHidden } from "./page-suite";

const suite = pageSuite("reading");

/** Each item of the conversation: its kind and, for a message, whether it continues a group. */
function conversation(page: Page): Promise<string[]> {
  return page.locator("#messages > li").evaluateAll((items) =>
    items.map((item) => {
      if (item.classList.contains("message")) {
        const text = item.querySelector(".text")?.textContent;
        return item.classList.contains("grouped")
          ? `  ${text}`
          : `${item.querySelector(".sender")?.textContent}: ${text}`;
      }
      // A notice's first part is its text; its time follows.
      const label = item.classList.contains("notice-line") ? item.firstElementChild?.textContent : item.textContent;
      return `[${label}]`;
    }),
  );
}

describe("reading the conversation", () => {
  it("groups one person's messages in a row, under a line for the day", async () => {
    const here = suite.room();
    const [alice, bob] = [await suite.person(), await suite.person()];
    await joinRoom(alice, here, "alice");
    await joinRoom(bob, here, "bob");
    for (const [who, text] of [
      [alice, "one"],
      [alice, "two"],
      [bob, "three"],
      [alice, "four"],
    ] as const) {
      await send(who, text);
      await expect.poll(async () => (await shownMessages(bob.page)).at(-1)).toBe(text);
    }
    await expect
      .poll(() => conversation(bob.page))
      .toEqual(["[Today]", "[alice joined]", "[bob joined]", "alice: one", "  two", "bob: three", "alice: four"]);
    // A grouped message still names its sender to assistive technology.
    expect(await bob.page.getByRole("listitem").filter({ hasText: "two" }).locator(".sender").textContent()).toBe(
      "alice",
    );
    expect(await seriousViolations(bob.page)).toEqual([]);
  });

  it("names the day of earlier messages", async () => {
    const here = suite.room();
    const alice = await suite.person();
    await joinRoom(alice, here, "alice");
    await send(alice, "said today");
    await expect.poll(() => shownMessages(alice.page)).toEqual(["said today"]);
    // Seen a day later, the same conversation is yesterday's.
    const reader = await suite.person();
    await reader.page.clock.setFixedTime(Date.now() + 24 * 60 * 60 * 1000);
    await reader.page.goto(`/r/${here}/`);
    await expect.poll(() => shownMessages(reader.page)).toEqual(["said today"]);
    expect(await reader.page.locator("#messages > li.day").allTextContents()).toEqual(["Yesterday"]);
  });

  it("marks where the messages that came while the reader was away begin", async () => {
    const here = suite.room();
    const [alice, bob] = [await suite.person(), await suite.person()];
    await joinRoom(alice, here, "alice");
    await joinRoom(bob, here, "bob");
    await send(bob, "seen");
    await expect.poll(() => shownMessages(alice.page)).toEqual(["seen"]);
    await setHidden(alice.page, true);
    await send(bob, "missed one");
    await send(bob, "missed two");
    await expect.poll(() => shownMessages(alice.page)).toEqual(["seen", "missed one", "missed two"]);
    await setHidden(alice.page, false);
    const items = await conversation(alice.page);
    expect(items.slice(-4)).toEqual(["bob: seen", "[New since you were away]", "bob: missed one", "  missed two"]);
    // Going away again starts afresh.
    await setHidden(alice.page, true);
    expect(await alice.page.locator("li.unread-line").count()).toBe(0);
  });
});
