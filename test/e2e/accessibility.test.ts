import { describe, expect, it } from "vitest";
import { seriousViolations } from "./axe";
import { joinRoom, menuItems, messageWith, type Person, pressOnMessage, send, shownMessages } from "./browser";
import { pageSuite } from "./page-suite";

const suite = pageSuite("a11y");

/**
 * Two people in a room who have each said something, replied, edited and reacted, seen from the
 * first one's page.
 */
async function conversation(options: { width?: number; height?: number; dark?: boolean }): Promise<Person> {
  const here = suite.room();
  const [alice, bob] = [await suite.person(options), await suite.person()];
  await joinRoom(alice, here, "alice");
  await joinRoom(bob, here, "bob");
  // Each has a link in it, shown on both kinds of message background.
  await send(alice, "Hello from alice, see https://example.com/notes");
  await send(bob, "Hello from bob, see https://example.com/more");
  await expect
    .poll(() => shownMessages(alice.page))
    .toEqual(["Hello from alice, see https://example.com/notes", "Hello from bob, see https://example.com/more"]);
  await expect.poll(() => shownMessages(bob.page)).toHaveLength(2);
  expect(await alice.page.locator("#messages a").count()).toBe(2);
  // A reply with its quote, an edited message, a reaction of one's own and someone else's.
  await pressOnMessage(bob, "Hello from alice", "Reply to alice's message");
  await send(bob, "A reply to alice");
  await pressOnMessage(bob, "A reply to alice", "Edit your message");
  await send(bob, "An edited reply to alice");
  for (const person of [alice, bob]) {
    await pressOnMessage(
      person,
      "Hello from alice",
      person === alice ? "React to your message" : "React to alice's message",
    );
    await person.page.getByRole("button", { name: "React with heart" }).click();
  }
  await expect.poll(() => messageWith(alice.page, "An edited reply").locator(".quote").count()).toBe(1);
  await expect.poll(() => messageWith(alice.page, "Hello from alice").locator(".reaction").textContent()).toBe("❤️ 2");
  // And, on alice's page, a reply under way and one message's tools in view.
  await pressOnMessage(alice, "An edited reply", "Reply to bob's message");
  await messageWith(alice.page, "Hello from bob").hover();
  return alice;
}

describe("the chat page, checked by axe-core for WCAG 2.1 A and AA", () => {
  it("has no serious or critical violation before joining", async () => {
    const { page } = await suite.person();
    await page.goto(`/r/${suite.room()}/`);
    await page.locator("#connection[data-state=live]").waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("has no serious or critical violation while chatting", async () => {
    const alice = await conversation({});
    expect(await seriousViolations(alice.page)).toEqual([]);
  });

  it("has no serious or critical violation in dark mode", async () => {
    const alice = await conversation({ dark: true });
    expect(await seriousViolations(alice.page)).toEqual([]);
  });

  it("has no serious or critical violation at phone width", async () => {
    const alice = await conversation({ width: 375, height: 700 });
    expect(await seriousViolations(alice.page)).toEqual([]);
  });

  it("has no serious or critical violation with an owner's menus open, in dark mode and at phone width", async () => {
    for (const screen of [{ dark: true }, { width: 390, height: 760 }]) {
      // A room made with New room (on a phone, in the room's menu) and joined by a guest.
      const owner = await suite.person(screen);
      const { page } = owner;
      await page.goto(`/r/${suite.room()}/`);
      const roomMenu = page.getByRole("button", { name: "Room menu" });
      const phone = await roomMenu.isVisible();
      if (phone) await roomMenu.click();
      await page.getByRole("button", { name: "New room" }).click();
      await page.waitForURL(/\/r\/[a-z0-9]{12}\/$/);
      const room = new URL(page.url()).pathname.split("/")[2] ?? "";
      await joinRoom(owner, room, "Host");
      await joinRoom(await suite.person(), room, "Guest");

      if (phone) await roomMenu.click();
      await page.getByRole("button", { name: "Manage room" }).click();
      expect(await menuItems(page)).toHaveLength(6);
      expect(await seriousViolations(page)).toEqual([]);
      await page.keyboard.press("Escape");
      if (phone) await page.keyboard.press("Escape");

      await page.locator("#people").getByRole("button", { name: "Guest" }).click();
      expect(await menuItems(page)).toEqual(["Remove Guest from the room…"]);
      expect(await seriousViolations(page)).toEqual([]);
      await page.keyboard.press("Escape");
    }
  });
});
