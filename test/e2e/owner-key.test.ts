import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { seriousViolations } from "./axe";
import { joinRoom, manageRoom, menuItems, type Person, watch } from "./browser";
import { pageSuite } from "./page-suite";

const suite = pageSuite("owner-key");

const LOST = "The owner key was replaced; this page no longer manages the room.";

/** The key this browser keeps for `room`, as the page keeps it. */
function keptKey(page: Page, room: string): Promise<string | null> {
  return page.evaluate((name) => localStorage.getItem(`chat.roomKey.${name}`), room);
}

/** Opens a manage link and joins under `name`; the page shows the owner's tools. */
async function manageAs(person: Person, link: string, room: string, name: string): Promise<void> {
  await person.page.goto(link);
  await joinRoom(person, room, name);
  // On a phone the button waits inside the room's menu.
  await person.page.locator("#manage-room:not([hidden])").waitFor({ state: "attached" });
}

/** What has the focus on `page`: its role (or tag) and its text. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const active = document.activeElement;
    return `${active?.getAttribute("role") ?? active?.tagName.toLowerCase()}: ${active?.textContent?.trim()}`;
  });
}

describe("replacing the owner key on the page", () => {
  it("gives the owner a new manage link at once; a page that held the old one loses the tools and is told", async () => {
    // Read-only, so that the owner's composer is open and everyone else's closed.
    const { room, ownerKey } = await suite.ownedRoom({ readOnly: true });
    const oldLink = `${suite.server.url}/r/${room}/#key=${ownerKey}`;
    const owner = await suite.person();
    await manageAs(owner, oldLink, room, "Host");
    const laptop = await suite.person();
    await manageAs(laptop, oldLink, room, "Laptop");
    const laptopInput = laptop.page.getByLabel("Message", { exact: true });
    expect(await laptopInput.isDisabled()).toBe(false);
    const guest = await suite.person();
    await joinRoom(guest, room, "Guest");
    await expect
      .poll(() => guest.page.locator("#people li").allTextContents())
      .toEqual(["Guest", "Host owner", "Laptop owner"]);
    // A second tab of the owner's browser, which follows the new key.
    const secondTab = await owner.context.newPage();
    watch(secondTab, owner.errors);
    await secondTab.goto(`/r/${room}/`);
    await secondTab.getByRole("button", { name: "Manage room" }).waitFor();

    // Asked first; Cancel changes nothing.
    const { page } = owner;
    const ask = page.getByRole("dialog", { name: "Replace the owner key?" });
    await manageRoom(page, "Replace owner key…");
    await ask.waitFor();
    expect(await ask.getByText("The old one stops working").isVisible()).toBe(true);
    expect(await focused(page)).toBe("button: Cancel");
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press("Escape");
    await ask.waitFor({ state: "hidden" });
    expect(await focused(page)).toBe("button: Manage room");
    expect(await keptKey(page, room)).toBe(ownerKey);

    await manageRoom(page, "Replace owner key…");
    await ask.getByRole("button", { name: "Replace key" }).click();
    const shown = page.getByRole("dialog", { name: "Your new manage link" });
    await shown.waitFor();
    const field = shown.getByLabel("Manage link");
    const newLink = await field.inputValue();
    expect(newLink).toMatch(new RegExp(`/r/${room}/#key=[A-Za-z0-9_-]{32}$`));
    expect(newLink).not.toBe(oldLink);
    expect(await field.getAttribute("readonly")).not.toBeNull();
    expect(await focused(page)).toBe("button: Copy link");
    expect(await seriousViolations(page)).toEqual([]);
    await shown.getByRole("button", { name: "Copy link" }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(newLink);
    expect(await shown.getByRole("status").textContent()).toBe("Manage link copied. Keep it to yourself.");
    await shown.getByRole("button", { name: "Done" }).click();
    await shown.waitFor({ state: "hidden" });

    // This browser keeps the new key, in both tabs, and goes on managing the room.
    const newKey = new URL(newLink).hash.slice("#key=".length);
    expect(await keptKey(page, room)).toBe(newKey);
    expect(await keptKey(secondTab, room)).toBe(newKey);
    await page.getByRole("button", { name: "Manage room" }).click();
    expect(await menuItems(page)).toContain("Replace owner key…");
    await page.keyboard.press("Escape");
    expect(await secondTab.getByRole("button", { name: "Manage room" }).isVisible()).toBe(true);
    await expect.poll(() => page.locator("#notice").textContent()).toMatch(/^The owner key was replaced: the old/);

    // The other browser finds its key no longer works: its tools go, and it says why.
    await expect.poll(() => laptop.page.locator("#notice").textContent()).toBe(LOST);
    expect(await laptop.page.locator("#notice").getAttribute("role")).toBe("alert");
    expect(await laptop.page.getByRole("button", { name: "Manage room" }).isVisible()).toBe(false);
    expect(await keptKey(laptop.page, room)).toBeNull();
    expect(await laptopInput.isDisabled()).toBe(true);
    expect(await laptop.page.locator("#room-rules").textContent()).toMatch(/^This room is read-only/);
    // Everyone sees who still owns the room.
    await expect
      .poll(() => guest.page.locator("#people li").allTextContents())
      .toEqual(["Guest", "Host owner", "Laptop"]);

    // The old link, opened later, manages nothing; the new one manages the room.
    const late = await suite.person();
    await late.page.goto(oldLink);
    await expect.poll(() => late.page.locator("#notice").textContent()).toBe(LOST);
    expect(await late.page.getByRole("button", { name: "Manage room" }).isVisible()).toBe(false);
    const elsewhere = await suite.person();
    await manageAs(elsewhere, newLink, room, "Tablet");
    await expect
      .poll(() => guest.page.locator("#people li").allTextContents())
      .toEqual(["Guest", "Host owner", "Laptop", "Tablet owner"]);
  });

  it("keeps its dialogs free of serious violations at phone width and in dark mode", async () => {
    for (const screen of [{ width: 390, height: 760 }, { dark: true }]) {
      const { room, ownerKey } = await suite.ownedRoom();
      const owner = await suite.person(screen);
      await manageAs(owner, `${suite.server.url}/r/${room}/#key=${ownerKey}`, room, "Host");
      const { page } = owner;
      await manageRoom(page, "Replace owner key…");
      const ask = page.getByRole("dialog", { name: "Replace the owner key?" });
      await ask.waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await ask.getByRole("button", { name: "Replace key" }).click();
      const shown = page.getByRole("dialog", { name: "Your new manage link" });
      await shown.waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await shown.getByRole("button", { name: "Done" }).click();
    }
  });
});
