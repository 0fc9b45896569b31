import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { seriousViolations } from "./axe";
import { joinRoom, messageWith, pressOnMessage, send, shownMessages } from "./browser";
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
async function ownedRoomWithGuest() {
  const owner = await suite.person();
  await owner.page.goto(`/r/${suite.room()}/`);
  await owner.page.getByRole("button", { name: "New room" }).click();
  await owner.page.waitForURL(/\/r\/[a-z0-9]{12}\/$/);
  const room = new URL(owner.page.url()).pathname.split("/")[2] ?? "";
  await joinRoom(owner, room, "Host");
  const guest = await suite.person();
  await joinRoom(guest, room, "Guest");
  return { owner, guest, room };
}

describe("a room's owner on the page", () => {
  it("makes a room, removes a guest's message, sets a topic, read-only and slow mode, and manages it from another browser", async () => {
    const { owner, guest, room } = await ownedRoomWithGuest();
    await owner.page.getByRole("button", { name: "Room settings" }).waitFor();
    // Everyone sees who owns the room; only the owner's page shows the owner's controls.
    await expect.poll(() => guest.page.locator("#people li").allTextContents()).toEqual(["Guest", "Host owner"]);
    expect(await guest.page.getByRole("button", { name: "Room settings" }).isVisible()).toBe(false);
    await send(guest, "cheap watches at example dot com");
    await expect.poll(() => shownMessages(owner.page)).toEqual(["cheap watches at example dot com"]);

    // The owner takes it down; both pages say a moderator removed it.
    await pressOnMessage(owner, "cheap watches", "Delete Guest's message");
    await owner.page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
    for (const person of [owner, guest]) {
      await expect.poll(() => person.page.locator("li.deleted").textContent()).toBe("Message removed by a moderator");
      await expect.poll(() => shownMessages(person.page)).toEqual([]);
    }

    // A topic and read-only: the guest sees both, and why the composer is closed.
    await owner.page.getByRole("button", { name: "Room settings" }).click();
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
    await owner.page.getByRole("button", { name: "Room settings" }).click();
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
    await owner.page.getByRole("button", { name: "Copy manage link" }).click();
    const link = await copiedLink(owner.page, room);
    const elsewhere = await suite.person();
    await elsewhere.page.goto(link);
    await elsewhere.page.getByRole("button", { name: "Room settings" }).waitFor();
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
    for (const person of [owner, guest]) {
      await expect
        .poll(() => person.page.locator("li.notice-line").last().textContent())
        .toMatch(/^Guest was removed by a moderator/);
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
    await expect.poll(() => shownMessages(owner.page)).toEqual(["I will not stop", "Sorry about that."]);
  });

  it("hands out moderator rights by a link, and takes them back", async () => {
    const { owner, room } = await ownedRoomWithGuest();
    await owner.page.getByRole("button", { name: "Copy moderator link" }).click();
    const link = await copiedLink(owner.page, room);

    const helper = await suite.person();
    await helper.page.goto(link);
    await helper.page.getByLabel("Your name").fill("Helper");
    await helper.page.getByRole("button", { name: "Join" }).click();
    await helper.page.getByRole("button", { name: "Room settings" }).waitFor();
    await expect
      .poll(() => owner.page.locator("#people li").allTextContents())
      .toEqual(["Guest", "Helper moderator", "Host owner"]);
    // A moderator moderates, but hands out no moderator links.
    expect(await helper.page.getByRole("button", { name: "Copy moderator link" }).isVisible()).toBe(false);

    await owner.page.getByRole("button", { name: "Take back moderator rights" }).click();
    await expect.poll(() => owner.page.locator("#notice").textContent()).toMatch(/taken back/);
    // Everyone's page drops the mark at once.
    await expect
      .poll(() => owner.page.locator("#people li").allTextContents())
      .toEqual(["Guest", "Helper", "Host owner"]);
    await helper.page.getByRole("button", { name: "Room settings" }).click();
    await helper.page.getByLabel("Topic").fill("Not anymore");
    await helper.page.getByRole("button", { name: "Save" }).click();
    await expect
      .poll(() => helper.page.locator("#notice").textContent())
      .toBe("Only the room's owner or a moderator can do this.");
    // The browser logs the refusal; it is the one expected here.
    expect(helper.errors.splice(0)).toEqual([expect.stringContaining("status of 403")]);
  });
});
