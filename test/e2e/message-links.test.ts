import { describe, expect, it } from "vitest";
import { seriousViolations } from "./axe";
import { messageWith, pressOnMessage, shownMessages } from "./browser";
import { pageSuite } from "./page-suite";
import { FILL_VARS, roomFiller } from "./room-filler";

/**
 * A stream that hundreds of messages pass through may be cut by `wrangler dev` (the page resumes
 * it), and Chromium logs the 410 that a link to a deleted message is answered with.
 */
const suite = pageSuite("message-links", {
  vars: FILL_VARS,
  expectedErrors: /status of 410/,
});

describe("links to a message", () => {
  it("copies a link that opens the conversation around the message, marked, with the way to the newest", async () => {
    const here = suite.room();
    const writer = await roomFiller(suite.server.url, here);
    await writer.fill(150);
    const reader = await suite.person();
    await reader.page.goto(`/r/${here}/`);
    await messageWith(reader.page, "message 150").waitFor();
    await pressOnMessage(reader, "message 140", "Copy link to writer's message");
    const copied = await reader.page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(`${suite.server.url}/r/${here}/#message=${writer.ids[139]}`);

    // A link to an early message, opened elsewhere.
    const other = await suite.person({ width: 390, height: 700 });
    await other.page.goto(`/r/${here}/#message=${writer.ids[19]}`);
    const linked = messageWith(other.page, "message 20");
    await expect.poll(() => linked.getAttribute("class")).toMatch(/linked/);
    expect(await other.page.evaluate(() => document.activeElement?.querySelector(".text")?.textContent)).toBe(
      "message 20",
    );
    const shown = await shownMessages(other.page);
    expect(shown).toContain("message 19");
    expect(shown).toContain("message 21");
    expect(shown).not.toContain("message 150");
    expect(await seriousViolations(other.page)).toEqual([]);
    await other.page.getByRole("button", { name: /Jump to newest/ }).click();
    await messageWith(other.page, "message 150").waitFor({ state: "visible" });
  });

  it("says when the linked message was deleted, and keeps a manage link's key beside it", async () => {
    const { room, ownerKey } = await suite.ownedRoom();
    const writer = await roomFiller(suite.server.url, room);
    await writer.fill(3);
    await writer.remove(2);
    const reader = await suite.person({ dark: true });
    await reader.page.goto(`/r/${room}/#message=${writer.ids[1]}`);
    await expect.poll(() => reader.page.locator("#notice").textContent()).toBe("The linked message was deleted.");
    await messageWith(reader.page, "message 3").waitFor();

    const owner = await suite.person();
    await owner.page.goto(`/r/${room}/#key=${ownerKey}&message=${writer.ids[0]}`);
    await expect.poll(() => messageWith(owner.page, "message 1").getAttribute("class")).toMatch(/linked/);
    expect(new URL(owner.page.url()).hash).toBe(`#message=${writer.ids[0]}`);
    expect(await owner.page.evaluate((r) => localStorage.getItem(`chat.roomKey.${r}`), room)).toBe(ownerKey);
  });
});
