import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { seriousViolations } from "./axe";
import { joinRoom, manageRoom, type Person, send, shownMessages, watch } from "./browser";
import { pageSuite } from "./page-suite";

// Pages reconnect within a moment, so that one that would try again is seen to within the test.
const RECONNECT_DELAY_MS = 300;
// A message held by slow mode is answered 429, which the browser logs.
const suite = pageSuite("room-deletion", {
  vars: { RECONNECT_DELAY_MS: String(RECONNECT_DELAY_MS) },
  expectedErrors: /status of 429/,
});

const DELETED = "This room was deleted by its owner.";

/** Opens a manage link and joins under `name`; the page shows the owner's tools. */
async function manageAs(person: Person, link: string, room: string, name: string): Promise<void> {
  await person.page.goto(link);
  await joinRoom(person, room, name);
  await person.page.locator("#manage-room:not([hidden])").waitFor({ state: "attached" });
}

/** What this browser keeps for `room`: its session, its key, and the messages waiting in its outbox. */
function keptFor(page: Page, room: string) {
  return page.evaluate((name) => {
    const outbox = Object.keys(localStorage).filter((key) => key.startsWith(`chat.outbox.${name}.`));
    return {
      session: JSON.parse(localStorage.getItem(`chat.session.${name}`) ?? "null"),
      key: localStorage.getItem(`chat.roomKey.${name}`),
      outbox: outbox.length,
    };
  }, room);
}

/** What has the focus on `page`: its role (or tag) and its accessible label's text. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const active = document.activeElement;
    return `${active?.getAttribute("role") ?? active?.tagName.toLowerCase()}#${active?.id}`;
  });
}

/** Checks that `page` says its room was deleted, and offers nothing more to do in it. */
async function expectDeletedPage(page: Page): Promise<void> {
  const notice = page.locator("#room-deleted");
  await expect.poll(() => notice.isVisible()).toBe(true);
  expect(await notice.locator("p").first().textContent()).toBe(DELETED);
  expect(await notice.getByRole("link", { name: "Go to the lobby" }).getAttribute("href")).toBe("/");
  expect(await notice.getByRole("button", { name: "Make a new room" }).isVisible()).toBe(true);
  // Said in the live region too, so that a screen reader hears it.
  expect(await page.locator("#notice").textContent()).toBe(DELETED);
  expect(await page.locator("#notice").getAttribute("role")).toBe("alert");
  expect(await page.locator("#connection").textContent()).toBe("Room deleted");
  expect(await shownMessages(page)).toEqual([]);
  for (const gone of ["#composer", "#join-form", "#rename", "#leave", "#manage-room"]) {
    expect(await page.locator(gone).isVisible(), gone).toBe(false);
  }
}

describe("deleting a room on the page", () => {
  it("asks the owner for the room's name, then tells everyone's page, which stops and forgets the room", async () => {
    // Slow mode, so that a message of the guest's waits in their outbox when the room goes.
    const { room, ownerKey } = await suite.ownedRoom({ slowModeSeconds: 60 });
    const owner = await suite.person();
    await manageAs(owner, `${suite.server.url}/r/${room}/#key=${ownerKey}`, room, "Host");
    const guest = await suite.person();
    await joinRoom(guest, room, "Guest");
    await send(guest, "hello before");
    await send(guest, "held by slow mode");
    await expect.poll(() => guest.page.locator("li.pending").textContent()).toMatch(/Sends in/);
    await expect.poll(() => shownMessages(owner.page)).toEqual(["hello before"]);
    expect((await keptFor(guest.page, room)).outbox).toBe(1);
    // A second tab of the guest's browser, which shares its session.
    const guestTab = await guest.context.newPage();
    watch(guestTab, guest.errors);
    await guestTab.goto(`/r/${room}/`);
    await guestTab.getByLabel("Message", { exact: true }).waitFor();

    const { page } = owner;
    const dialog = page.getByRole("dialog", { name: "Delete this room?" });
    const field = dialog.getByRole("textbox", { name: `Type the room's name, ${room}, to confirm` });
    const deleteButton = dialog.getByRole("button", { name: "Delete room" });
    await manageRoom(page, "Delete room…");
    await dialog.waitFor();
    expect(await dialog.getByText("erased for good").isVisible()).toBe(true);
    expect(await focused(page)).toBe("input#delete-room-confirm");
    expect(await deleteButton.isDisabled()).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    // Another name, or part of this one, deletes nothing, Enter included.
    for (const wrong of ["lobby", room.slice(0, -1), `${room}x`]) {
      await field.fill(wrong);
      expect(await deleteButton.isDisabled(), wrong).toBe(true);
      await field.press("Enter");
      expect(await dialog.isVisible()).toBe(true);
    }
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    expect(await shownMessages(page)).toEqual(["hello before"]);

    // The streams of the guest's tabs are watched from here on: once told, a page never comes back.
    let streamsOpened = 0;
    for (const tab of [guest.page, guestTab]) {
      tab.on("request", (request) => {
        if (new URL(request.url()).pathname.endsWith("/stream")) streamsOpened += 1;
      });
    }
    await manageRoom(page, "Delete room…");
    expect(await field.inputValue()).toBe("");
    await field.fill(room);
    expect(await deleteButton.isEnabled()).toBe(true);
    await deleteButton.click();

    for (const deleted of [page, guest.page, guestTab]) await expectDeletedPage(deleted);
    expect(await seriousViolations(guest.page)).toEqual([]);
    // Each browser forgot the room: the session's token, the key, what waited to be sent.
    expect(await keptFor(page, room)).toEqual({ session: { name: "Host", deletedBy: "owner" }, key: null, outbox: 0 });
    expect(await keptFor(guest.page, room)).toEqual({
      session: { name: "Guest", deletedBy: "owner" },
      key: null,
      outbox: 0,
    });
    expect(await guest.page.locator("li.pending").count()).toBe(0);
    // Several reconnection delays pass, and no page tries the room again.
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_DELAY_MS * 5));
    expect(streamsOpened).toBe(0);
    const online = await fetch(`${suite.server.url}/r/${room}/users`);
    expect(await online.json()).toEqual([]);

    // Loaded again, a page goes into the room that follows: nothing of before, and no owner's tools.
    await guestTab.reload();
    await guestTab.getByLabel("Message", { exact: true }).waitFor();
    await guestTab.locator("#connection[data-state=live]").waitFor();
    expect(await shownMessages(guestTab)).toEqual([]);
    await expect.poll(() => guestTab.locator("#people li").allTextContents()).toEqual(["Guest"]);
    await page.reload();
    await page.getByLabel("Message", { exact: true }).waitFor();
    expect(await page.locator("#manage-room").isVisible()).toBe(false);
  });

  it("keeps its dialog and the deleted room's page free of serious violations at phone width and in dark mode", async () => {
    for (const screen of [{ width: 390, height: 760 }, { dark: true }]) {
      const { room, ownerKey } = await suite.ownedRoom();
      const owner = await suite.person(screen);
      await manageAs(owner, `${suite.server.url}/r/${room}/#key=${ownerKey}`, room, "Host");
      const { page } = owner;
      await manageRoom(page, "Delete room…");
      const dialog = page.getByRole("dialog", { name: "Delete this room?" });
      await dialog.waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await dialog.getByRole("textbox").fill(room);
      await dialog.getByRole("textbox").press("Enter");
      await expectDeletedPage(page);
      expect(await seriousViolations(page)).toEqual([]);
    }
  });
});
