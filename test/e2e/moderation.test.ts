import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { seriousViolations } from "./axe";
import { joinRoom, manageRoom, menuItems, messageWith, pressOnMessage, send, shownMessages } from "./browser";
import { pageSuite } from "./page-suite";

const suite = pageSuite("moderation");

/**
 * The link to `room` with a key, once the page has copied it. The browser's clipboard is one for
 * all its contexts, so it is read until it holds this room's link.
 */
async function copiedLink(page: Page, room: string): Promise<string> {
  const pattern = new RegExp(`/r/${room}/#key=[A-Za-z0-9_-]{32}$`);
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toMatch(pattern);
  return page.evaluate(() => navigator.clipboard.readText());
}

/** A room made with **New room** by "Host", who owns it, and joined by "Guest". */
async function ownedRoomWithGuest(ownerScreen: { width?: number; height?: number } = {}) {
  const owner = await suite.person(ownerScreen);
  await owner.page.goto(`/r/${suite.room()}/`);
  await owner.page.getByRole("button", { name: "New room" }).click();
  await owner.page.waitForURL(/\/r\/[a-z0-9]{12}\/$/);
  const room = new URL(owner.page.url()).pathname.split("/")[2] ?? "";
  await joinRoom(owner, room, "Host");
  const guest = await suite.person();
  await joinRoom(guest, room, "Guest");
  return { owner, guest, room };
}

/** What has the focus on `page`: its role (or tag) and its text. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const active = document.activeElement;
    return `${active?.getAttribute("role") ?? active?.tagName.toLowerCase()}: ${active?.textContent?.trim()}`;
  });
}

/**
 * How the bar at the top of `page` is laid out: how many lines each of its visible buttons'
 * labels takes, and how far apart the middles of its visible parts are, top to bottom.
 */
function headerShape(page: Page): Promise<{ labels: Record<string, number>; spread: number }> {
  return page.evaluate(() => {
    const visible = Array.from(document.querySelectorAll<HTMLElement>("header.bar *")).filter(
      (element) => element.checkVisibility() && element.getBoundingClientRect().height > 0,
    );
    const labels: Record<string, number> = {};
    for (const button of visible.filter((element) => element instanceof HTMLButtonElement)) {
      // The lines its words are set on.
      const lines = new Set<number>();
      const words = document.createTreeWalker(button, NodeFilter.SHOW_TEXT);
      for (let text = words.nextNode(); text; text = words.nextNode()) {
        const range = document.createRange();
        range.selectNodeContents(text);
        for (const rect of Array.from(range.getClientRects())) if (rect.width > 0) lines.add(Math.round(rect.top));
      }
      labels[button.textContent?.trim() ?? ""] = lines.size;
    }
    const middles = Array.from(document.querySelectorAll<HTMLElement>("header.bar > *, header.bar .actions > button"))
      .filter((element) => element.checkVisibility())
      .map((element) => {
        const box = element.getBoundingClientRect();
        return (box.top + box.bottom) / 2;
      });
    return { labels, spread: Math.max(...middles) - Math.min(...middles) };
  });
}

describe("a room's owner on the page", () => {
  it("keeps the owner's tools in one Manage room menu: one row of whole labels, every tool reached by keyboard", async () => {
    const { owner, guest, room } = await ownedRoomWithGuest({ width: 1100, height: 700 });
    const { page } = owner;
    const manage = page.getByRole("button", { name: "Manage room" });
    // One row, and no label broken over two lines.
    await page.getByRole("button", { name: "Leave" }).waitFor();
    const wide = await headerShape(page);
    expect(wide.labels).toMatchObject({
      "Copy room link": 1,
      "New room": 1,
      "Manage room": 1,
      "Change name": 1,
      Leave: 1,
    });
    expect(Object.values(wide.labels).every((lines) => lines === 1)).toBe(true);
    expect(Object.keys(wide.labels)).not.toContain("Room settings…");
    expect(wide.spread).toBeLessThan(6);
    // A guest has no such menu.
    expect(await guest.page.getByRole("button", { name: "Manage room" }).isVisible()).toBe(false);
    expect(await guest.page.getByRole("menuitem").count()).toBe(0);

    // From the button before it, by keyboard: Enter opens the menu on its first tool.
    await page.getByRole("button", { name: "New room" }).focus();
    await page.keyboard.press("Tab");
    expect(await focused(page)).toBe("button: Manage room");
    expect(await manage.getAttribute("aria-haspopup")).toBe("menu");
    await page.keyboard.press("Enter");
    expect(await manage.getAttribute("aria-expanded")).toBe("true");
    expect(await menuItems(page)).toEqual([
      "Room settings…",
      "Copy manage link",
      "Copy moderator link",
      "Take back moderator rights",
      "Replace owner key…",
      "Delete room…",
    ]);
    expect(await focused(page)).toBe("menuitem: Room settings…");
    expect(await seriousViolations(page)).toEqual([]);
    // The arrows go round, Home and End go to the ends, Escape closes and gives the focus back.
    await page.keyboard.press("ArrowDown");
    expect(await focused(page)).toBe("menuitem: Copy manage link");
    await page.keyboard.press("End");
    expect(await focused(page)).toBe("menuitem: Delete room…");
    await page.keyboard.press("ArrowDown");
    expect(await focused(page)).toBe("menuitem: Room settings…");
    await page.keyboard.press("ArrowUp");
    expect(await focused(page)).toBe("menuitem: Delete room…");
    await page.keyboard.press("Home");
    expect(await focused(page)).toBe("menuitem: Room settings…");
    await page.keyboard.press("Escape");
    expect(await menuItems(page)).toEqual([]);
    expect(await manage.getAttribute("aria-expanded")).toBe("false");
    expect(await focused(page)).toBe("button: Manage room");

    // Room settings opens its dialog, whose Cancel gives the focus back to the menu's button.
    await page.keyboard.press("Enter");
    await page.keyboard.press("Enter");
    const settings = page.getByRole("dialog", { name: "Room settings" });
    await settings.waitFor();
    await page.keyboard.press("Escape");
    await settings.waitFor({ state: "hidden" });
    expect(await focused(page)).toBe("button: Manage room");

    // Arrow down opens the menu too; Copy moderator link copies one.
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    expect(await focused(page)).toBe("menuitem: Copy moderator link");
    await page.keyboard.press("Enter");
    await copiedLink(page, room);
    await expect.poll(() => page.locator("#notice").textContent()).toMatch(/^Moderator link copied/);
    expect(await menuItems(page)).toEqual([]);

    // On a phone the menu waits inside the room's menu, and the bar is still one row.
    await page.setViewportSize({ width: 390, height: 760 });
    const phone = await headerShape(page);
    expect(phone.spread).toBeLessThan(6);
    expect(Object.values(phone.labels).every((lines) => lines === 1)).toBe(true);
    expect(await manage.isVisible()).toBe(false);
    await manageRoom(page, "Room settings");
    await settings.waitFor();
    await page.keyboard.press("Escape");
  });

  it("makes a room, removes a guest's message, sets a topic, read-only and slow mode, and manages it from another browser", async () => {
    const { owner, guest, room } = await ownedRoomWithGuest();
    await owner.page.getByRole("button", { name: "Manage room" }).waitFor();
    // Everyone sees who owns the room; only the owner's page shows the owner's controls.
    await expect.poll(() => guest.page.locator("#people li").allTextContents()).toEqual(["Guest", "Host owner"]);
    expect(await guest.page.getByRole("button", { name: "Manage room" }).isVisible()).toBe(false);
    await send(guest, "cheap watches at example dot com");
    await expect.poll(() => shownMessages(owner.page)).toEqual(["cheap watches at example dot com"]);

    // The owner takes it down; both pages say a moderator removed it.
    await pressOnMessage(owner, "cheap watches", "Delete Guest's message");
    await owner.page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
    for (const person of [owner, guest]) {
      await expect
        .poll(() => person.page.locator("li.deleted > span").textContent())
        .toBe("Message removed by a moderator");
      await expect.poll(() => shownMessages(person.page)).toEqual([]);
    }

    // A topic and read-only: the guest sees both, and why the composer is closed.
    await manageRoom(owner.page, "Room settings");
    expect(await seriousViolations(owner.page)).toEqual([]);
    await owner.page.getByLabel("Topic").fill("Launch planning");
    await owner.page.getByLabel("Read-only: only the owner and moderators post").check();
    await owner.page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => guest.page.locator("#topic").textContent()).toBe("Launch planning");
    await expect
      .poll(() => guest.page.locator("#room-rules").textContent())
      .toBe("This room is read-only: only its owner and moderators post.");
    expect(await guest.page.getByLabel("Message", { exact: true }).isDisabled()).toBe(true);
    expect(await owner.page.getByLabel("Message", { exact: true }).isDisabled()).toBe(false);
    await send(owner, "We start again at noon.");
    await expect.poll(() => shownMessages(guest.page)).toEqual(["We start again at noon."]);

    // Slow mode instead: the guest may post again, and is told the pace.
    await manageRoom(owner.page, "Room settings");
    await owner.page.getByLabel("Read-only: only the owner and moderators post").uncheck();
    await owner.page.getByLabel("Slow mode").selectOption("30");
    await owner.page.getByRole("button", { name: "Save" }).click();
    await expect
      .poll(() => guest.page.locator("#room-rules").textContent())
      .toBe("Slow mode: one message every 30 seconds.");
    expect(await guest.page.getByLabel("Message", { exact: true }).isDisabled()).toBe(false);
    await messageWith(owner.page, "We start again").hover();
    expect(await seriousViolations(owner.page)).toEqual([]);

    // The manage link opens the room as its owner in a browser that never had the key, and the
    // key leaves the address bar at once.
    await manageRoom(owner.page, "Copy manage link");
    const link = await copiedLink(owner.page, room);
    const elsewhere = await suite.person();
    await elsewhere.page.goto(link);
    await elsewhere.page.getByRole("button", { name: "Manage room" }).waitFor();
    expect(await elsewhere.page.evaluate(() => location.hash)).toBe("");
    await expect.poll(() => elsewhere.page.locator("#topic").textContent()).toBe("Launch planning");
  });

  it("removes a guest: the guest's page says so and closes its composer, and everyone is told", async () => {
    const { owner, guest } = await ownedRoomWithGuest();
    await send(guest, "I will not stop");
    await expect.poll(() => shownMessages(owner.page)).toEqual(["I will not stop"]);

    await pressOnMessage(owner, "I will not stop", "Remove Guest from the room");
    const dialog = owner.page.getByRole("dialog");
    expect(await dialog.textContent()).toContain("Remove Guest from the room?");
    expect(await seriousViolations(owner.page)).toEqual([]);
    await dialog.getByLabel("How long").selectOption("60");
    await dialog.getByRole("button", { name: "Remove" }).click();

    await expect
      .poll(() => guest.page.locator("#room-rules").textContent())
      .toMatch(/^A moderator removed you from this room; you may come back after /);
    expect(await guest.page.getByLabel("Message", { exact: true }).isDisabled()).toBe(true);
    // The room announces the leave right after the removal, for the original chat; a message
    // after both shows that the page has had the leave, and said the removal once.
    await send(owner, "Back to the agenda.");
    for (const person of [owner, guest]) {
      await expect.poll(() => shownMessages(person.page)).toContain("Back to the agenda.");
      expect((await person.page.locator("li.notice-line").allTextContents()).slice(-1)).toEqual([
        expect.stringMatching(/^Guest was removed by a moderator/),
      ]);
      await expect.poll(() => person.page.locator("#people li").allTextContents()).toEqual(["Host owner"]);
    }
    // Only a moderator's page offers to let them back in early; the guest is then asked to join again.
    expect(await guest.page.getByRole("button", { name: "Let Guest back in" }).count()).toBe(0);
    await owner.page.getByRole("button", { name: "Let Guest back in" }).click();
    await expect
      .poll(() => guest.page.locator("li.notice-line").last().textContent())
      .toBe("A moderator let Guest back in");
    await guest.page.getByLabel("Your name").fill("Guest");
    await guest.page.getByRole("button", { name: "Join" }).click();
    await send(guest, "Sorry about that.");
    await expect
      .poll(() => shownMessages(owner.page))
      .toEqual(["I will not stop", "Back to the agenda.", "Sorry about that."]);
  });

  it("removes a guest who never posted from the online list, by keyboard, and lets them back in", async () => {
    const { owner, guest } = await ownedRoomWithGuest();
    const { page } = owner;
    await expect.poll(() => page.locator("#people li").allTextContents()).toEqual(["Guest", "Host owner"]);
    // Only an owner's or moderator's page makes a name a button, and never the reader's own.
    expect(await guest.page.locator("#people button").count()).toBe(0);
    expect(await page.locator("#people button").allTextContents()).toEqual(["Guest"]);

    // Back from the message box, the last name in the list; Enter opens what can be done to them.
    await page.getByLabel("Message", { exact: true }).focus();
    await page.keyboard.press("Shift+Tab");
    expect(await focused(page)).toBe("button: Guest");
    const person = page.locator("#people").getByRole("button", { name: "Guest" });
    expect(await person.getAttribute("aria-haspopup")).toBe("menu");
    await page.keyboard.press("Enter");
    expect(await person.getAttribute("aria-expanded")).toBe("true");
    expect(await menuItems(page)).toEqual(["Remove Guest from the room…"]);
    expect(await focused(page)).toBe("menuitem: Remove Guest from the room…");
    expect(await seriousViolations(page)).toEqual([]);
    // Escape closes it, back on the name; Enter again, and the removal asks how long, as from a message.
    await page.keyboard.press("Escape");
    expect(await focused(page)).toBe("button: Guest");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Remove Guest from the room?" });
    await dialog.waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    expect(await focused(page)).toBe("button: Cancel");
    await page.keyboard.press("Shift+Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("remove-minutes");
    await page.keyboard.press("ArrowDown");
    expect(await dialog.getByLabel("How long").inputValue()).toBe("60");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    expect(await focused(page)).toBe("button: Remove");
    await page.keyboard.press("Enter");

    await expect
      .poll(() => guest.page.locator("#room-rules").textContent())
      .toMatch(/^A moderator removed you from this room; you may come back after /);
    expect(await guest.page.getByLabel("Message", { exact: true }).isDisabled()).toBe(true);
    await expect.poll(() => page.locator("#people li").allTextContents()).toEqual(["Host owner"]);
    // The focus stays in the list the name left.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("people");
    expect(await shownMessages(page)).toEqual([]);

    // The line that says so lets them back in; their page asks them to join again.
    await page.getByRole("button", { name: "Let Guest back in" }).click();
    await expect
      .poll(() => guest.page.locator("li.notice-line").last().textContent())
      .toBe("A moderator let Guest back in");
    await guest.page.getByLabel("Your name").fill("Guest");
    await guest.page.getByRole("button", { name: "Join" }).click();
    await expect.poll(() => page.locator("#people li").allTextContents()).toEqual(["Guest", "Host owner"]);
  });

  it("hands out moderator rights by a link, and takes them back", async () => {
    const { owner, room } = await ownedRoomWithGuest();
    await manageRoom(owner.page, "Copy moderator link");
    const link = await copiedLink(owner.page, room);

    const helper = await suite.person();
    await helper.page.goto(link);
    await helper.page.getByLabel("Your name").fill("Helper");
    await helper.page.getByRole("button", { name: "Join" }).click();
    await helper.page.getByRole("button", { name: "Manage room" }).waitFor();
    await expect
      .poll(() => owner.page.locator("#people li").allTextContents())
      .toEqual(["Guest", "Helper moderator", "Host owner"]);
    // A moderator moderates, but hands out no moderator links.
    await helper.page.getByRole("button", { name: "Manage room" }).click();
    expect(await menuItems(helper.page)).toEqual(["Room settings…", "Copy manage link"]);
    await helper.page.keyboard.press("Escape");

    await manageRoom(owner.page, "Take back moderator rights");
    await expect.poll(() => owner.page.locator("#notice").textContent()).toMatch(/taken back/);
    // Everyone's page drops the mark at once.
    await expect
      .poll(() => owner.page.locator("#people li").allTextContents())
      .toEqual(["Guest", "Helper", "Host owner"]);
    await manageRoom(helper.page, "Room settings");
    await helper.page.getByLabel("Topic").fill("Not anymore");
    await helper.page.getByRole("button", { name: "Save" }).click();
    await expect
      .poll(() => helper.page.locator("#notice").textContent())
      .toBe("Only the room's owner or a moderator can do this.");
    // The browser logs the refusal; it is the one expected here.
    expect(helper.errors.splice(0)).toEqual([expect.stringContaining("status of 403")]);
  });
});
