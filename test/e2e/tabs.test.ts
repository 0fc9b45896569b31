import type { Page, Response } from "playwright-core";
import { describe, expect, it } from "vitest";
import { seriousViolations } from "./axe";
import { joinRoom, menuItems, messageWith, type Person, send, shownMessages, watch } from "./browser";
import { pageSuite } from "./page-suite";

const suite = pageSuite("tabs", {
  vars: { RECONNECT_DELAY_MS: "500" },
  // Requests cut off on purpose are logged by Chromium.
  expectedErrors: /ERR_INTERNET_DISCONNECTED|ERR_FAILED/,
});

/** Mia and Bob in a room of their own (`room`, if given), each in a browser of their own. */
async function miaAndBob(room = suite.room()): Promise<{ mia: Person; bob: Person; room: string }> {
  const [mia, bob] = [await suite.person(), await suite.person()];
  await joinRoom(mia, room, "Mia");
  await joinRoom(bob, room, "Bob");
  return { mia, bob, room };
}

/** Another tab of `person`'s browser, open on `room`, with what it throws counted as theirs. */
async function anotherTab(person: Person, room: string): Promise<Page> {
  const page = await person.context.newPage();
  watch(page, person.errors);
  await page.goto(`/r/${room}/`);
  await page.locator("#connection[data-state=live]").waitFor();
  return page;
}

/** What `page` says of people joining and leaving, in order. */
function comings(page: Page): Promise<string[]> {
  return page.locator("#messages li.notice-line > span").allTextContents();
}

const me = (page: Page) => page.locator("#people li.me");
const pending = (page: Page) => page.locator("#messages li.pending");

describe("one browser is one participant, in all its tabs", () => {
  it("gives every tab the owner's tools once a manage link is opened in one of them", async () => {
    const { room, ownerKey } = await suite.ownedRoom();
    const mia = await suite.person();
    await joinRoom(mia, room, "Mia");
    const manage = mia.page.getByRole("button", { name: "Manage room" });
    expect(await manage.isVisible()).toBe(false);

    const second = await mia.context.newPage();
    watch(second, mia.errors);
    await second.goto(`/r/${room}/#key=${ownerKey}`);
    await second.getByRole("button", { name: "Manage room" }).waitFor();
    await manage.waitFor();
    await manage.click();
    await expect.poll(() => menuItems(mia.page)).toContain("Copy moderator link");
  });

  it("opens the room again in a new tab as the same person: no name refused, nothing said to the others", async () => {
    const { mia, bob, room } = await miaAndBob();
    await mia.page.close();
    const again = await anotherTab(mia, room);
    await expect.poll(() => me(again).textContent()).toBe("Mia");
    expect(await again.getByLabel("Your name").isVisible()).toBe(false);
    expect(await again.locator("#notice").textContent()).toBe("");
    await send({ ...mia, page: again }, "still me");
    await messageWith(bob.page, "still me").waitFor();
    // A leave or a join for her would have come before her message.
    expect(await comings(bob.page)).toEqual(["Mia joined", "Bob joined"]);
    expect(await bob.page.locator("#people li").allTextContents()).toEqual(["Bob", "Mia"]);
  });

  it("is one person in two tabs open at once: both send, and each message is shown once in each", async () => {
    const { mia, bob, room } = await miaAndBob();
    const second = await anotherTab(mia, room);
    await expect.poll(() => me(second).textContent()).toBe("Mia");
    await send(mia, "from the first tab");
    await send({ ...mia, page: second }, "from the second tab");
    for (const page of [mia.page, second, bob.page]) {
      await expect.poll(() => shownMessages(page)).toEqual(["from the first tab", "from the second tab"]);
      await expect.poll(() => pending(page).count()).toBe(0);
      expect(await page.locator("#people li").allTextContents()).toEqual(["Bob", "Mia"]);
    }
    // Both tabs know both messages as Mia's own.
    for (const page of [mia.page, second]) expect(await page.locator("#messages li.message.own").count()).toBe(2);
    expect(await comings(bob.page)).toEqual(["Mia joined", "Bob joined"]);
    expect(await seriousViolations(second)).toEqual([]);
  });

  it("follows in one tab a rename, a leave and a join done in the other", async () => {
    const { mia, bob, room } = await miaAndBob();
    const second = await anotherTab(mia, room);
    await expect.poll(() => me(second).textContent()).toBe("Mia");

    await mia.page.getByRole("button", { name: "Change name" }).click();
    await mia.page.getByLabel("Your name").fill("Mina");
    await mia.page.getByRole("button", { name: "Join" }).click();
    await expect.poll(() => me(second).textContent()).toBe("Mina");
    await expect.poll(() => bob.page.locator("#people li").allTextContents()).toEqual(["Bob", "Mina"]);

    await second.getByRole("button", { name: "Leave" }).click();
    await mia.page.getByLabel("Your name").waitFor();
    expect(await mia.page.getByLabel("Message", { exact: true }).isVisible()).toBe(false);
    await expect.poll(() => me(mia.page).count()).toBe(0);
    await expect.poll(() => bob.page.locator("#people li").allTextContents()).toEqual(["Bob"]);

    await mia.page.getByLabel("Your name").fill("Mia");
    await mia.page.getByRole("button", { name: "Join" }).click();
    await expect.poll(() => me(second).textContent()).toBe("Mia");
    await send({ ...mia, page: second }, "back in both");
    await expect.poll(() => shownMessages(bob.page)).toEqual(["back in both"]);
    expect(await bob.page.locator("#people li").allTextContents()).toEqual(["Bob", "Mia"]);
  });

  it("closes the composer in every tab when a moderator removes the participant", async () => {
    const { room, ownerKey } = await suite.ownedRoom();
    const { mia } = await miaAndBob(room);
    const second = await anotherTab(mia, room);
    await expect.poll(() => me(second).textContent()).toBe("Mia");
    const removal = await fetch(`${suite.server.url}/r/${room}/removals`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Chat-Room-Key": ownerKey },
      body: JSON.stringify({ name: "Mia", minutes: 10 }),
    });
    expect(removal.status).toBe(200);
    for (const page of [mia.page, second]) {
      await expect
        .poll(() => page.locator("#room-rules").textContent())
        .toMatch(/^A moderator removed you from this room; you may come back after /);
      expect(await page.getByLabel("Message", { exact: true }).isDisabled()).toBe(true);
      expect(await me(page).count()).toBe(0);
    }
  });

  it("posts once a message that waited in a tab which was then duplicated", async () => {
    const { mia, bob } = await miaAndBob();
    // Every post of this browser fails until it is let through, in any tab.
    await mia.context.route("**/messages", (route) => route.abort("internetdisconnected"));
    await send(mia, "written while cut off");
    await expect.poll(() => pending(mia.page).count()).toBe(1);
    // A tab opened from this one gets a copy of its session storage, as a duplicated tab does.
    const [copy] = await Promise.all([
      mia.context.waitForEvent("page"),
      mia.page.evaluate(() => void window.open(location.href)),
    ]);
    watch(copy, mia.errors);
    await copy.locator("#connection[data-state=live]").waitFor();
    await expect.poll(() => pending(copy).locator(".text").allTextContents()).toEqual(["written while cut off"]);

    const posted: Response[] = [];
    mia.context.on("response", (response) => {
      if (response.request().method() === "POST" && response.url().endsWith("/messages")) posted.push(response);
    });
    await mia.context.unroute("**/messages");
    // Both tabs are back online at the same moment, and both go for what waits.
    await Promise.all([mia.page, copy].map((page) => page.evaluate(() => dispatchEvent(new Event("online")))));
    for (const page of [mia.page, copy, bob.page]) {
      await expect.poll(() => shownMessages(page), { timeout: 10_000 }).toEqual(["written while cut off"]);
      await expect.poll(() => pending(page).count()).toBe(0);
    }
    // Posted by one tab alone: the room answers a message sent again under its key with 200, not 201.
    expect(posted.map((response) => response.status())).toEqual([201]);
  });

  it("sends, each once and in order, what two tabs wrote while the browser was offline", async () => {
    const { mia, bob, room } = await miaAndBob();
    const second = await anotherTab(mia, room);
    await expect.poll(() => me(second).textContent()).toBe("Mia");
    await mia.context.setOffline(true);
    await send(mia, "one");
    await send({ ...mia, page: second }, "two");
    await send(mia, "three");
    // Each tab shows all that waits, once.
    for (const page of [mia.page, second]) {
      await expect.poll(() => pending(page).locator(".text").allTextContents()).toEqual(["one", "two", "three"]);
    }
    await mia.context.setOffline(false);
    for (const page of [mia.page, second, bob.page]) {
      await expect.poll(() => shownMessages(page), { timeout: 15_000 }).toEqual(["one", "two", "three"]);
      await expect.poll(() => pending(page).count()).toBe(0);
    }
  });
});
