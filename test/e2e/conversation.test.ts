import { mkdirSync } from "node:fs";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { seriousViolations } from "./axe";
import { joinRoom, messageWith, pressOnMessage, send, shownMessages } from "./browser";
import { pageSuite } from "./page-suite";

// Short typing signals, so that someone typing is shown soon and long enough for a picture.
const suite = pageSuite("conversation", { vars: { TYPING_INTERVAL_SECONDS: "2" } });

/** The reactions under a message: each emoji's button text and whether the reader pressed it. */
function reactionsOf(page: Page, text: string): Promise<string[]> {
  return messageWith(page, text)
    .locator(".reactions button")
    .evaluateAll((buttons) =>
      buttons.map(
        (button) => `${button.textContent}${button.getAttribute("aria-pressed") === "true" ? " (mine)" : ""}`,
      ),
    );
}

/**
 * Points at a message and says where its tools show: what of the conversation they cover (other
 * items, or the message's own name, time or text), whether they lie within the message and the
 * conversation's visible part, uncovered, and whether anything moved as they appeared.
 */
async function toolsShown(page: Page, text: string) {
  const boxes = () =>
    page
      .locator("#messages > li")
      .evaluateAll((items) =>
        items.map((item) =>
          item instanceof HTMLElement
            ? [item.offsetLeft, item.offsetTop, item.offsetWidth, item.offsetHeight].join()
            : "",
        ),
      );
  const message = messageWith(page, text);
  // Where each item lies within the conversation, which pointing may scroll to bring the message into view.
  const before = await boxes();
  await message.hover();
  await expect
    .poll(() => message.locator(".message-tools").evaluate((tools) => getComputedStyle(tools).opacity))
    .toBe("1");
  const moved = (await boxes()).join() !== before.join();
  const placed = await message.evaluate((item) => {
    const tools = item.querySelector(".message-tools");
    const list = item.closest("#messages");
    if (!tools || !list) throw new Error("no tools");
    const bar = tools.getBoundingClientRect();
    const overlaps = (element: Element) => {
      const box = element.getBoundingClientRect();
      return bar.left < box.right && box.left < bar.right && bar.top < box.bottom && box.top < bar.bottom;
    };
    const covered = [
      ...Array.from(list.children).filter((other) => other !== item),
      ...Array.from(item.querySelectorAll(".sender, time, .quote, .text")),
    ];
    const within = (outer: DOMRect) =>
      bar.left >= outer.left && bar.right <= outer.right && bar.top >= outer.top && bar.bottom <= outer.bottom;
    // Just inside each corner, what is drawn there is the tools.
    const corners = [
      [bar.left + 2, bar.top + 2],
      [bar.right - 2, bar.top + 2],
      [bar.left + 2, bar.bottom - 2],
      [bar.right - 2, bar.bottom - 2],
    ];
    return {
      covers: covered.filter(overlaps).map((element) => element.textContent),
      inside: within(item.getBoundingClientRect()) && within(list.getBoundingClientRect()),
      seen: corners.every(([x = 0, y = 0]) => tools.contains(document.elementFromPoint(x, y))),
    };
  });
  await page.mouse.move(0, 0);
  return { ...placed, moved };
}

describe("the conversation on the page", () => {
  it("lets two people reply, edit, react, mention and delete, each seen by the other", async () => {
    const room = suite.room();
    const mina = await suite.person();
    const leo = await suite.person();
    await joinRoom(mina, room, "Mina");
    await joinRoom(leo, room, "Leo");

    await send(mina, "lunch at 12?");
    await expect.poll(() => shownMessages(leo.page)).toEqual(["lunch at 12?"]);

    // Leo answers it: his reply quotes Mina's message.
    await pressOnMessage(leo, "lunch at 12?", "Reply to Mina's message");
    await expect.poll(() => leo.page.locator("#composer-context").textContent()).toContain("Replying to Mina");
    await send(leo, "@Mina yes, where?");
    for (const person of [mina, leo]) {
      const reply = messageWith(person.page, "yes, where?");
      await expect.poll(() => reply.locator(".quote").textContent()).toBe("Replying to Mina: lunch at 12?");
    }
    await expect.poll(() => leo.page.locator("#composer-context").isHidden()).toBe(true);
    // Mina is mentioned in it.
    await expect.poll(() => messageWith(mina.page, "yes, where?").getAttribute("class")).toContain("mentions-me");

    // Mina edits hers: both see the new text, marked edited, and the quote in Leo's reply follows.
    await pressOnMessage(mina, "lunch at 12?", "Edit your message");
    const input = mina.page.getByLabel("Message", { exact: true });
    expect(await input.inputValue()).toBe("lunch at 12?");
    await input.fill("lunch at 1?");
    await input.press("Enter");
    for (const person of [mina, leo]) {
      await expect.poll(() => shownMessages(person.page)).toEqual(["lunch at 1?", "@Mina yes, where?"]);
      await expect.poll(() => messageWith(person.page, "lunch at 1?").locator(".edited").count()).toBe(1);
      await expect
        .poll(() => messageWith(person.page, "yes, where?").locator(".quote-text").textContent())
        .toBe("lunch at 1?");
    }

    // Both react with 🎉: counts and who, the reader's own marked.
    await pressOnMessage(leo, "lunch at 1?", "React to Mina's message");
    await leo.page.getByRole("button", { name: "React with party" }).click();
    await expect.poll(() => reactionsOf(mina.page, "lunch at 1?")).toEqual(["🎉 1"]);
    await messageWith(mina.page, "lunch at 1?").getByRole("button", { name: "party, 1: Leo" }).click();
    await expect.poll(() => reactionsOf(mina.page, "lunch at 1?")).toEqual(["🎉 2 (mine)"]);
    await expect.poll(() => reactionsOf(leo.page, "lunch at 1?")).toEqual(["🎉 2 (mine)"]);
    const chip = messageWith(leo.page, "lunch at 1?").locator(".reaction");
    expect(await chip.getAttribute("aria-label")).toBe("party, 2: Leo and Mina");
    // Leo takes his back.
    await chip.click();
    await expect.poll(() => reactionsOf(leo.page, "lunch at 1?")).toEqual(["🎉 1"]);
    await expect.poll(() => reactionsOf(mina.page, "lunch at 1?")).toEqual(["🎉 1 (mine)"]);

    // The quote jumps to the original.
    await messageWith(leo.page, "yes, where?").locator(".quote").click();
    await expect
      .poll(() => leo.page.evaluate(() => document.activeElement?.querySelector(".text")?.textContent))
      .toBe("lunch at 1?");

    // With replies, reactions and the tools in view, nothing serious for axe.
    await messageWith(mina.page, "lunch at 1?").hover();
    expect(await seriousViolations(mina.page)).toEqual([]);

    // Mina deletes hers, after confirming: gone for both, and the reply says so.
    await pressOnMessage(mina, "lunch at 1?", "Delete your message");
    expect(await seriousViolations(mina.page)).toEqual([]);
    await mina.page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
    for (const person of [mina, leo]) {
      await expect.poll(() => shownMessages(person.page)).toEqual(["@Mina yes, where?"]);
      await expect.poll(() => person.page.locator("li.deleted > span").textContent()).toBe("Message deleted");
      await expect
        .poll(() => messageWith(person.page, "yes, where?").locator(".quote").textContent())
        .toBe("Replying to Mina: original message deleted");
    }

    // A reload shows the same conversation, without the deleted text anywhere in the page.
    await leo.page.reload();
    await expect.poll(() => shownMessages(leo.page)).toEqual(["@Mina yes, where?"]);
    expect(await leo.page.locator("#messages").textContent()).not.toContain("lunch");
    expect(await seriousViolations(leo.page)).toEqual([]);
  });

  it("cancels a reply or an edit with Escape, giving back what was being typed", async () => {
    const room = suite.room();
    const mina = await suite.person();
    await joinRoom(mina, room, "Mina");
    await send(mina, "first draft");
    await expect.poll(() => shownMessages(mina.page)).toEqual(["first draft"]);
    const input = mina.page.getByLabel("Message", { exact: true });
    await input.fill("half a thought");
    await pressOnMessage(mina, "first draft", "Edit your message");
    expect(await input.inputValue()).toBe("first draft");
    await input.press("Escape");
    expect(await input.inputValue()).toBe("half a thought");
    expect(await mina.page.locator("#composer-context").isHidden()).toBe(true);

    // Pressing Delete and then Cancel deletes nothing.
    await pressOnMessage(mina, "first draft", "Delete your message");
    await mina.page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
    await input.fill("");
    await send(mina, "second");
    await expect.poll(() => shownMessages(mina.page)).toEqual(["first draft", "second"]);

    // An edit the room refuses (here, as if its window had closed) leaves its text as a draft.
    await mina.page.route("**/messages", (route) =>
      route.request().method() === "PATCH"
        ? route.fulfill({
            status: 403,
            contentType: "application/json",
            body: JSON.stringify({ error: "edit_window_closed", message: "Too late to edit that one." }),
          })
        : route.continue(),
    );
    await pressOnMessage(mina, "second", "Edit your message");
    await input.fill("second, better");
    await input.press("Enter");
    await expect.poll(() => mina.page.locator("#notice").textContent()).toBe("Too late to edit that one.");
    expect(await input.inputValue()).toBe("second, better");
    expect(await mina.page.locator("#composer-context").isHidden()).toBe(true);
    expect(await shownMessages(mina.page)).toEqual(["first draft", "second"]);
    // The browser logs the refusal; it is the one expected here, and the only error.
    expect(mina.errors.splice(0)).toEqual([expect.stringContaining("status of 403")]);
  });

  it("shows a reply to an edited message, reactions and someone typing, all at once", async () => {
    const room = suite.room();
    const mina = await suite.person({ width: 1000, height: 640 });
    const leo = await suite.person();
    const ada = await suite.person();
    await joinRoom(mina, room, "Mina");
    await joinRoom(leo, room, "Leo");
    await joinRoom(ada, room, "Ada");

    await send(leo, "The demo build is up: https://example.com/demo");
    await send(ada, "Looks great on my phone 🎉");
    await expect.poll(() => shownMessages(mina.page)).toHaveLength(2);
    await pressOnMessage(mina, "The demo build is up", "Reply to Leo's message");
    await send(mina, "Nice! Can we ship it Friday?");
    await expect.poll(() => shownMessages(leo.page)).toHaveLength(3);
    await pressOnMessage(mina, "Can we ship it Friday?", "Edit your message");
    const input = mina.page.getByLabel("Message", { exact: true });
    await input.fill("Nice! Can we ship it Thursday?");
    await input.press("Enter");
    await pressOnMessage(leo, "Can we ship it Thursday?", "Reply to Mina's message");
    await send(leo, "@Mina Thursday works for me");
    for (const [person, whose, emoji] of [
      [leo, "your", "thumbs up"],
      [ada, "Leo's", "thumbs up"],
      [ada, "Leo's", "party"],
    ] as const) {
      await pressOnMessage(person, "The demo build is up", `React to ${whose} message`);
      await person.page.getByRole("button", { name: `React with ${emoji}` }).click();
    }
    await messageWith(mina.page, "Looks great on my phone").hover();
    await pressOnMessage(leo, "Looks great on my phone", "React to Ada's message");
    await leo.page.getByRole("button", { name: "React with heart" }).click();
    // Typed over more than an interval, so that a signal goes out whenever she last sent one.
    await ada.page.getByLabel("Message", { exact: true }).pressSequentially("Friday is better", { delay: 150 });

    await expect.poll(() => mina.page.locator("#typing").textContent()).toBe("Ada is typing…");
    await expect
      .poll(() => messageWith(mina.page, "Thursday works").locator(".quote").textContent())
      .toBe("Replying to Mina: Nice! Can we ship it Thursday?");
    await expect.poll(() => reactionsOf(mina.page, "The demo build is up")).toEqual(["👍 2", "🎉 1"]);
    await expect.poll(() => reactionsOf(mina.page, "Looks great on my phone")).toEqual(["❤️ 1"]);
    await mina.page.mouse.move(0, 0);
    mkdirSync("test-results", { recursive: true });
    await mina.page.screenshot({ path: process.env.SCREENSHOT_PATH ?? "test-results/conversation.png" });
  });

  it("shows a message's tools inside it, over nothing being read and moving nothing, wide and on a phone", async () => {
    for (const width of [900, 390]) {
      const room = suite.room();
      const ana = await suite.person({ width });
      const ben = await suite.person({ width });
      await joinRoom(ana, room, "Ana");
      await joinRoom(ben, room, "Ben");
      await send(ana, "first, from Ana");
      await messageWith(ben.page, "first, from Ana").waitFor();
      await send(ben, "second, from Ben");
      for (const person of [ana, ben]) await messageWith(person.page, "second, from Ben").waitFor();
      // Each points at both: their own message's tools (five of them) and the other's (three); the
      // first is the conversation's top message.
      for (const person of [ana, ben]) {
        for (const text of ["first, from Ana", "second, from Ben"]) {
          const shown = await toolsShown(person.page, text);
          expect(shown, `${width} px, "${text}"`).toEqual({ covers: [], inside: true, seen: true, moved: false });
        }
      }
      expect(await messageWith(ben.page, "first, from Ana").locator(".message-tools > button").count()).toBe(3);
      expect(await messageWith(ben.page, "second, from Ben").locator(".message-tools > button").count()).toBe(5);
    }
  });

  it("shows someone typing the next message right after sending one, within a second", async () => {
    const room = suite.room();
    const ana = await suite.person();
    const ben = await suite.person();
    await joinRoom(ana, room, "Ana");
    await joinRoom(ben, room, "Ben");
    const typingLine = () => ben.page.locator("#typing").textContent();
    const input = ana.page.getByLabel("Message", { exact: true });
    await input.pressSequentially("see you at six");
    await expect.poll(typingLine).toBe("Ana is typing…");

    // Sent, and the next one begun at once: well within the interval since her last signal.
    await input.press("Enter");
    const startedAt = Date.now();
    await input.pressSequentially("or");
    // Her message clears the line on Ben's page; whatever shows her typing after it is new.
    await expect.poll(() => shownMessages(ben.page)).toEqual(["see you at six"]);
    await expect.poll(typingLine).toBe("Ana is typing…");
    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect(await ana.page.locator("#typing").textContent()).toBe("");
  });

  it("shows a page that stayed and one opened later the same conversation after a deletion", async () => {
    const room = suite.room();
    const mina = await suite.person();
    const leo = await suite.person();
    await joinRoom(mina, room, "Mina");
    await joinRoom(leo, room, "Leo");
    for (const text of ["one", "two", "three"]) await send(mina, text);
    await expect.poll(() => shownMessages(leo.page)).toEqual(["one", "two", "three"]);
    // "two" and "three" continue the group "one" began.
    expect(await leo.page.locator("li.message.grouped").count()).toBe(2);

    await pressOnMessage(mina, "one", "Delete your message");
    await mina.page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
    await pressOnMessage(mina, "three", "Delete your message");
    await mina.page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
    // Focus moves from the message the reader deleted, now a line, to the nearest message.
    await expect
      .poll(() => mina.page.evaluate(() => document.activeElement?.querySelector(".text")?.textContent))
      .toBe("two");
    await send(mina, "four");
    await expect.poll(() => shownMessages(leo.page)).toEqual(["two", "four"]);
    // Reactions come in some order; every page shows them in the set's.
    for (const emoji of ["laughing", "thumbs up"]) {
      await pressOnMessage(leo, "two", "React to Mina's message");
      await leo.page.getByRole("button", { name: `React with ${emoji}` }).click();
    }
    await expect.poll(() => messageWith(leo.page, "two").locator(".reactions").textContent()).toBe("👍 1😂 1");

    const stayed = await conversationShown(leo.page);
    const later = await suite.person();
    await later.page.goto(`/r/${room}/`);
    await expect.poll(() => shownMessages(later.page)).toEqual(["two", "four"]);
    // Seen from the same person's point of view, as Leo's page shows it.
    expect(await conversationShown(later.page)).toEqual(stayed);
    expect(stayed.filter((line) => line.startsWith("message"))).toEqual([
      "message|Mina two 👍 1😂 1",
      "message|Mina four ",
    ]);
  });
  it("takes back a reaction made under a name the reader has since changed", async () => {
    const room = suite.room();
    const mina = await suite.person();
    await joinRoom(mina, room, "Mina");
    await send(mina, "hello");
    await pressOnMessage(mina, "hello", "React to your message");
    await mina.page.getByRole("button", { name: "React with heart" }).click();
    await expect.poll(() => reactionsOf(mina.page, "hello")).toEqual(["❤️ 1 (mine)"]);

    await mina.page.getByRole("button", { name: "Change name" }).click();
    await mina.page.getByLabel("Your name").fill("Mina B");
    await mina.page.getByRole("button", { name: "Join" }).click();
    await mina.page.getByLabel("Message", { exact: true }).waitFor();
    // Shown under the name it was made with, it no longer looks like hers; pressing it still
    // takes hers back, as the room knows it by her session.
    await messageWith(mina.page, "hello").getByRole("button", { name: "heart, 1: Mina" }).click();
    await expect.poll(() => reactionsOf(mina.page, "hello")).toEqual([]);
  });
  it("is one stop for the keyboard: arrows move between messages, Tab reaches a message's tools", async () => {
    const room = suite.room();
    const mina = await suite.person();
    await joinRoom(mina, room, "Mina");
    for (const text of ["first", "second", "third, see https://example.com/x"]) await send(mina, text);
    await expect.poll(() => shownMessages(mina.page)).toEqual(["first", "second", "third, see https://example.com/x"]);
    // Each has arrived as the room's event, not only as the copy waiting for it.
    await expect.poll(() => mina.page.locator("#messages li.pending").count()).toBe(0);
    const focused = () =>
      mina.page.evaluate(() => {
        const active = document.activeElement;
        return active?.matches("li.message")
          ? `message ${active.querySelector(".text")?.textContent}`
          : `${active?.tagName.toLowerCase()} ${active?.getAttribute("aria-label") ?? active?.textContent}`;
      });

    // Back from the composer, past none of the messages' links and buttons, to the newest message.
    await mina.page.getByLabel("Message", { exact: true }).focus();
    await mina.page.keyboard.press("Shift+Tab");
    expect(await focused()).toBe("message third, see https://example.com/x");
    await mina.page.keyboard.press("ArrowUp");
    expect(await focused()).toBe("message second");
    await mina.page.keyboard.press("Home");
    expect(await focused()).toBe("message first");
    await mina.page.keyboard.press("ArrowDown");
    await mina.page.keyboard.press("Tab");
    expect(await focused()).toBe("button React to your message");
    await mina.page.keyboard.press("Tab");
    expect(await focused()).toBe("button Reply to your message");
    await mina.page.keyboard.press("Enter");
    await expect.poll(() => mina.page.locator("#composer-context").textContent()).toContain("Replying to Mina");
    expect(await mina.page.evaluate(() => document.activeElement?.id)).toBe("message-input");
    expect(await seriousViolations(mina.page)).toEqual([]);
  });
});

/** Each item of the conversation: its kind, and what it shows (the sender if shown, the text, the reactions). */
function conversationShown(page: Page): Promise<string[]> {
  return page.locator("#messages > li").evaluateAll((items) =>
    items.map((item) => {
      const kind = item.classList.contains("message")
        ? item.classList.contains("grouped")
          ? "grouped"
          : "message"
        : item.className;
      const sender = item.querySelector(".sender:not(.visually-hidden)")?.textContent;
      const text = item.querySelector(".text")?.textContent ?? item.textContent?.replace(/\d{1,2}:\d{2}.*$/, "");
      const reactions = item.querySelector(".reactions")?.textContent;
      return `${kind}|${sender ? `${sender} ` : ""}${text}${reactions === undefined ? "" : ` ${reactions}`}`;
    }),
  );
}
