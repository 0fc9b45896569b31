import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { seriousViolations } from "./axe";
import { joinRoom, send, shownMessages } from "./browser";
import { pageSuite, setHidden } from "./page-suite";

const suite = pageSuite("mentions");

/** The mentions in the last message: their text, and whether each names the reader. */
function lastMentions(page: Page): Promise<string[]> {
  return page
    .locator("#messages li.message")
    .last()
    .locator(".mention")
    .evaluateAll((spans) =>
      spans.map((span) => (span.classList.contains("mention-me") ? `${span.textContent}!` : `${span.textContent}`)),
    );
}

/** Stands in for the browser's notifications, recording what the page shows and asks. */
async function recordNotifications(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const record = { asked: 0, shown: [] as { title: string; body: string }[] };
    Object.assign(window, { notificationRecord: record });
    class RecordedNotification {
      static permission: NotificationPermission = "default";
      static async requestPermission(): Promise<NotificationPermission> {
        record.asked += 1;
        RecordedNotification.permission = "granted";
        return "granted";
      }
      constructor(title: string, options: NotificationOptions = {}) {
        record.shown.push({ title, body: options.body ?? "" });
      }
    }
    Object.assign(window, { Notification: RecordedNotification });
  });
}

function notificationRecord(page: Page): Promise<{ asked: number; shown: { title: string; body: string }[] }> {
  return page.evaluate(
    () => (window as unknown as { notificationRecord: { asked: number; shown: [] } }).notificationRecord,
  );
}

describe("mentions", () => {
  it("highlight @name of someone in the room for everyone, and stand out for the one named", async () => {
    const here = suite.room();
    const [alice, bob, carol] = [await suite.person(), await suite.person(), await suite.person()];
    await joinRoom(alice, here, "alice");
    await joinRoom(bob, here, "bob");
    await joinRoom(carol, here, "Carol");
    const text = "@alice and @carol, look (not @nobody, not me@alice.example)";
    await send(bob, text);
    for (const { page } of [alice, bob, carol]) await expect.poll(() => shownMessages(page)).toEqual([text]);

    expect(await lastMentions(alice.page)).toEqual(["@alice!", "@carol"]);
    expect(await lastMentions(carol.page)).toEqual(["@alice", "@carol!"]);
    expect(await lastMentions(bob.page)).toEqual(["@alice", "@carol"]);
    expect(await alice.page.locator("#messages li.mentions-me").count()).toBe(1);
    expect(await bob.page.locator("#messages li.mentions-me").count()).toBe(0);
    expect(await seriousViolations(alice.page)).toEqual([]);
  });

  it("count apart in the title while the tab is hidden", async () => {
    const here = suite.room();
    const [alice, bob] = [await suite.person(), await suite.person()];
    await joinRoom(alice, here, "alice");
    await joinRoom(bob, here, "bob");
    await setHidden(alice.page, true);
    await send(bob, "hello all");
    await send(bob, "@alice are you there?");
    await expect.poll(() => alice.page.title()).toBe(`(2 · @1) ${here} · Chat`);
    await setHidden(alice.page, false);
    await expect.poll(() => alice.page.title()).toBe(`${here} · Chat`);
  });

  it("count only what came after the page opened, not the history it opened onto", async () => {
    const here = suite.room();
    const bob = await suite.person();
    await joinRoom(bob, here, "bob");
    await send(bob, "@alice old news");
    await expect.poll(() => shownMessages(bob.page)).toEqual(["@alice old news"]);
    // Alice's page opens in a background tab, under the name it remembers.
    const alice = await suite.person();
    await alice.page.addInitScript(() => {
      localStorage.setItem("chat.name", "alice");
      Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
    });
    await alice.page.goto(`/r/${here}/`);
    await expect.poll(() => alice.page.locator("#people li.me").textContent()).toBe("alice");
    await expect.poll(() => shownMessages(alice.page)).toEqual(["@alice old news"]);
    expect(await alice.page.title()).toBe(`${here} · Chat`);
    await send(bob, "@alice fresh");
    await expect.poll(() => alice.page.title()).toBe(`(1 · @1) ${here} · Chat`);
  });

  it("show a system notification while hidden, only once the reader has asked for them", async () => {
    const here = suite.room();
    const [alice, bob] = [await suite.person(), await suite.person()];
    await recordNotifications(alice.page);
    await joinRoom(alice, here, "alice");
    await joinRoom(bob, here, "bob");
    const toggle = alice.page.getByRole("button", { name: /Mention alerts/ });

    // Nothing is asked of the browser, and nothing shown, before the reader says so.
    await setHidden(alice.page, true);
    await send(bob, "@alice before asking");
    await expect.poll(() => shownMessages(alice.page)).toEqual(["@alice before asking"]);
    expect(await notificationRecord(alice.page)).toEqual({ asked: 0, shown: [] });

    await setHidden(alice.page, false);
    await toggle.click();
    await expect.poll(() => toggle.getAttribute("aria-pressed")).toBe("true");
    // The menu stays open on the toggle, so that its new state is seen.
    expect(await toggle.isVisible()).toBe(true);
    await setHidden(alice.page, true);
    await send(bob, "no mention here");
    await send(bob, "@alice now you will hear");
    await expect.poll(() => shownMessages(alice.page)).toHaveLength(3);
    expect(await notificationRecord(alice.page)).toEqual({
      asked: 1,
      shown: [{ title: `bob mentioned you in #${here}`, body: "@alice now you will hear" }],
    });
  });
});
