import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { sleep } from "../support/sleep";
import { seriousViolations } from "./axe";
import { joinRoom, messageWith, pressOnMessage, send, shownMessages } from "./browser";
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

const DAY_SECONDS = 24 * 60 * 60;

/**
 * A time zone in which the day turns at `at` (a whole second), as ICU names one of its own
 * making: `GMT+hh:mm:ss`. The server's clock cannot be set, but a page's days follow its zone.
 */
function zoneWhereDayTurnsAt(at: number): string {
  // Local time is UTC plus the offset: midnight at `at` takes minus its UTC time of day.
  let offset = (DAY_SECONDS - ((at / 1000) % DAY_SECONDS)) % DAY_SECONDS;
  if (offset > DAY_SECONDS / 2) offset -= DAY_SECONDS;
  const whole = Math.abs(offset);
  const two = (value: number) => String(value).padStart(2, "0");
  return `GMT${offset < 0 ? "-" : "+"}${two(Math.floor(whole / 3600))}:${two(Math.floor(whole / 60) % 60)}:${two(whole % 60)}`;
}

/** Puts a page in a time zone from now on, as a browser moved elsewhere would be. */
async function inZone(page: Page, zone: string): Promise<void> {
  const session = await page.context().newCDPSession(page);
  await session.send("Emulation.setTimezoneOverride", { timezoneId: zone });
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

  it("keeps a deleted message at its time and under its day, on a page that saw it and on one opened later", async () => {
    const here = suite.room();
    const [alice, bob] = [await suite.person(), await suite.person()];
    await joinRoom(alice, here, "alice");
    await joinRoom(bob, here, "bob");
    // In Bob's zone the day turns in a moment: the joins were yesterday, what follows is today's.
    const midnight = Math.ceil((Date.now() + 500) / 1000) * 1000;
    const zone = zoneWhereDayTurnsAt(midnight);
    await inZone(bob.page, zone);
    await sleep(midnight + 100 - Date.now());
    await bob.page.reload();
    await bob.page.locator("#connection[data-state=live]").waitFor();

    await send(alice, "said after midnight");
    await expect.poll(() => shownMessages(bob.page)).toEqual(["said after midnight"]);
    const sentAt = await messageWith(bob.page, "said after midnight").locator("time").getAttribute("datetime");
    await pressOnMessage(alice, "said after midnight", "Delete your message");
    await alice.page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
    await expect.poll(() => shownMessages(bob.page)).toEqual([]);
    await send(bob, "still here");
    await messageWith(bob.page, "still here").waitFor();
    const seen = await conversation(bob.page);
    expect(seen).toEqual([
      "[Yesterday]",
      "[alice joined]",
      "[bob joined]",
      "[Today]",
      "[Message deleted]",
      "bob: still here",
    ]);
    expect(await bob.page.locator("li.deleted time").getAttribute("datetime")).toBe(sentAt);

    // Opened later, the page is sent only the deletion where the message was.
    const reader = await suite.person();
    await inZone(reader.page, zone);
    await reader.page.goto(`/r/${here}/`);
    await expect.poll(() => shownMessages(reader.page)).toEqual(["still here"]);
    expect(await conversation(reader.page)).toEqual(seen);
    expect(await reader.page.locator("li.deleted time").getAttribute("datetime")).toBe(sentAt);
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
