import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { chatClient } from "../support/chat-client";
import { seriousViolations } from "./axe";
import { joinRoom, type Person, send, shownMessages } from "./browser";
import { pageSuite } from "./page-suite";

// Messages are seeded from Node as fast as the room takes them. Each participant may search a
// few times at once and then about never within a test, so that going past it is a test too.
const SEARCH_BURST = 8;
const suite = pageSuite("search", {
  // The browser logs each refusal the page asks for on purpose.
  expectedErrors: /Failed to load resource: the server responded with a status of (400|429)/,
  vars: {
    RATE_BURST: "100",
    RATE_PER_SECOND: "100",
    SEARCH_RATE_BURST: String(SEARCH_BURST),
    SEARCH_RATE_PER_MINUTE: "1",
  },
});

/** A room whose participant "bob" said `texts`, in order, from Node; their ids come back. */
async function roomWith(texts: string[]): Promise<{ room: string; ids: number[] }> {
  const room = suite.room();
  const chat = chatClient(fetch, suite.server.url);
  const bob = await chat.joinAs(room, "bob");
  const ids: number[] = [];
  for (const text of texts) ids.push(await chat.sayOk(bob, text));
  return { room, ids };
}

/** Alice (or `name`), joined to `room` (searching as a participant), once her page shows `count` messages. */
async function alice(
  room: string,
  count: number,
  screen: { width?: number; height?: number; dark?: boolean } = {},
  name = "alice",
) {
  const person = await suite.person(screen);
  await joinRoom(person, room, name);
  await expect.poll(async () => (await shownMessages(person.page)).length).toBe(count);
  return person;
}

const field = (page: Page) => page.getByRole("searchbox", { name: "Search messages" });
const status = (page: Page) => page.locator("#search-status");
const results = (page: Page) => page.locator("#search-results a.search-result");
const marks = (page: Page) => page.locator("#search-results mark").allTextContents();
const resultIds = (page: Page) =>
  results(page).evaluateAll((links) => links.map((link) => Number((link as HTMLElement).dataset.id)));
const focused = (page: Page) =>
  page.evaluate(() => {
    const active = document.activeElement as HTMLElement | null;
    return active?.dataset.id ?? active?.id ?? active?.textContent ?? "";
  });

/** Types `words` into the search field (opening it on a phone) and searches; the status it ends with. */
async function search(person: Person, words: string): Promise<string> {
  const { page } = person;
  const toggle = page.getByRole("button", { name: "Search", exact: true });
  if (await toggle.isVisible()) {
    if ((await toggle.getAttribute("aria-expanded")) !== "true") await toggle.click();
  }
  await field(page).fill(words);
  await field(page).press("Enter");
  await expect.poll(() => status(page).textContent()).not.toBe("Searching…");
  return (await status(page).textContent()) ?? "";
}

describe("searching the room's messages", () => {
  it("marks the words found, walks the results by keyboard, opens one at its link, and goes back with Escape", async () => {
    const { room, ids } = await roomWith([
      "Blue skies and a blue sea",
      "nothing to see here",
      "bluebirds at dawn",
      "the sky is BLUE today",
    ]);
    const { page } = await alice(room, 4);

    // "/" typed while writing is text; elsewhere it goes to the search field, which says so.
    const box = page.getByLabel("Message", { exact: true });
    await box.press("/");
    expect(await box.inputValue()).toBe("/");
    await box.fill("");
    expect(await field(page).getAttribute("aria-keyshortcuts")).toBe("/");
    expect(await field(page).getAttribute("placeholder")).toContain("/");
    const copyLink = page.getByRole("button", { name: "Copy room link" });
    await copyLink.focus();
    await page.keyboard.press("/");
    expect(await focused(page)).toBe("search-input");
    await page.keyboard.type("blue");
    await page.keyboard.press("Enter");
    await expect.poll(() => status(page).textContent()).toBe("3 messages match, newest first.");

    // Newest first, each with who and when, the words marked (a prefix marks the word it starts).
    expect(await resultIds(page)).toEqual([ids[3], ids[2], ids[0]]);
    expect(await results(page).locator(".result-text").allTextContents()).toEqual([
      "the sky is BLUE today",
      "bluebirds at dawn",
      "Blue skies and a blue sea",
    ]);
    expect(await marks(page)).toEqual(["BLUE", "bluebirds", "Blue", "blue"]);
    expect(await results(page).locator(".result-sender").allTextContents()).toEqual(["bob", "bob", "bob"]);
    expect(await results(page).locator("time").count()).toBe(3);
    expect(await page.getByRole("region", { name: "Search results" }).isVisible()).toBe(true);

    // The arrows, Home and End walk the results from the field.
    await page.keyboard.press("ArrowDown");
    expect(await focused(page)).toBe(String(ids[3]));
    await page.keyboard.press("ArrowDown");
    expect(await focused(page)).toBe(String(ids[2]));
    await page.keyboard.press("End");
    expect(await focused(page)).toBe(String(ids[0]));
    await page.keyboard.press("Home");
    expect(await focused(page)).toBe(String(ids[3]));
    await page.keyboard.press("ArrowUp");
    expect(await focused(page)).toBe("search-input");

    // Escape goes back to where the reader was, the words kept for next time.
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Escape");
    expect(await page.locator("#search-panel").isVisible()).toBe(false);
    expect(await focused(page)).toBe("share");
    expect(await field(page).inputValue()).toBe("blue");

    // Enter on a result opens the conversation at it, by its message link.
    await page.keyboard.press("/");
    await page.keyboard.press("Enter");
    await expect.poll(() => resultIds(page)).toEqual([ids[3], ids[2], ids[0]]);
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await expect.poll(() => new URL(page.url()).hash).toBe(`#message=${ids[2]}`);
    expect(await page.locator("#search-panel").isVisible()).toBe(false);
  });

  it("folds accents and finds Korean, Japanese and Chinese by two characters", async () => {
    const { room } = await roomWith([
      "Crème brûlée for dessert",
      "東京都でラーメンを食べた",
      "한국어 공부를 합니다",
      "我们明天去北京",
      "plain cream",
    ]);
    const person = await alice(room, 5);
    const { page } = person;

    expect(await search(person, "creme")).toBe("1 message matches, newest first.");
    expect(await marks(page)).toEqual(["Crème"]);
    expect(await search(person, "東京")).toBe("1 message matches, newest first.");
    expect(await marks(page)).toEqual(["東京"]);
    expect(await search(person, "공부")).toBe("1 message matches, newest first.");
    expect(await marks(page)).toEqual(["공부"]);
    expect(await search(person, "北京")).toBe("1 message matches, newest first.");
    expect(await results(page).locator(".result-text").allTextContents()).toEqual(["我们明天去北京"]);
    expect(await marks(page)).toEqual(["北京"]);
  });

  it("says why a query is refused, shows markup in messages as text, and goes on working", async () => {
    const html = '<img src=x onerror="document.title=1"><b>bold</b> move <script>alert(1)</script>';
    const { room } = await roomWith([html, "another bold move, near enough"]);
    const person = await alice(room, 2);
    const { page } = person;

    // Markup in a message is text in its result, with no element made of it.
    expect(await search(person, "bold")).toBe("2 messages match, newest first.");
    expect(await results(page).locator(".result-text").nth(1).textContent()).toBe(html);
    expect(await page.locator("#search-results :is(img, b, script)").count()).toBe(0);
    expect(await marks(page)).toEqual(["bold", "bold"]);

    // What the server refuses is said in the status, as the server put it.
    const trouble = page.locator("#search-status.trouble");
    for (const [query, said] of [
      ['"*" -( ^: )', "A search needs at least one letter or digit."],
      ["x".repeat(10 * 1024), "A search is at most 200 characters."],
      ["😀🎉", "A search needs at least one letter or digit."],
      ["a b c d e f g h i", "A search has at most 8 words."],
    ]) {
      expect(await search(person, query ?? "")).toBe(said);
      expect(await trouble.count()).toBe(1);
      expect(await results(page).count()).toBe(0);
    }
    // Search syntax is words like any other.
    expect(await search(person, 'NEAR("move*" -another (bold))')).toBe("1 message matches, newest first.");
    expect(await trouble.count()).toBe(0);
    expect(await marks(page)).toEqual(["another", "bold", "move", "near"]);
    expect(await search(person, "nowhere")).toBe("No messages match “nowhere”.");

    // The conversation goes on.
    await page.keyboard.press("Escape");
    await send(person, "still here");
    await expect.poll(() => shownMessages(page)).toContain("still here");
    expect(await page.title()).not.toBe("1");
  });

  it("reaches the Worker at the lobby's root as in any room, past the static assets", async () => {
    const answer = await fetch(`${suite.server.url}/search`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ q: "*" }),
    });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ error: "query_empty" });
  });

  it("pages older results with More results", async () => {
    const texts = Array.from({ length: 45 }, (_, n) => `note number ${n + 1}`);
    const { room, ids } = await roomWith(["something else", ...texts]);
    const person = await alice(room, 46);
    const { page } = person;
    const newestFirst = ids.slice(1).reverse();

    expect(await search(person, "note")).toBe("20 messages match, newest first. More results below.");
    expect(await resultIds(page)).toEqual(newestFirst.slice(0, 20));
    const more = page.getByRole("button", { name: "More results" });
    await more.focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => resultIds(page)).toEqual(newestFirst.slice(0, 40));
    expect(await status(page).textContent()).toBe("20 more messages found. 40 results shown; more below.");
    // The focus goes on to the first of the page just loaded.
    expect(await focused(page)).toBe(String(newestFirst[20]));
    await more.click();
    await expect.poll(() => resultIds(page)).toEqual(newestFirst);
    expect(await status(page).textContent()).toBe("5 more messages found. 45 results shown, all there are.");
    expect(await more.isVisible()).toBe(false);
  });

  it("says when searching too often, and when to try again", async () => {
    const { room } = await roomWith(["a tidy pace"]);
    const person = await alice(room, 1);
    for (let searched = 0; searched < SEARCH_BURST; searched += 1) {
      expect(await search(person, "pace")).toBe("1 message matches, newest first.");
    }
    expect(await search(person, "pace")).toMatch(
      /^You are searching too often; wait a moment\. Try again in \d+ seconds?\.$/,
    );
    expect(await person.page.locator("#search-status.trouble").count()).toBe(1);
  });

  it("has no serious or critical axe violation with results open, light, dark and at phone width", async () => {
    const { room } = await roomWith(["Hello from bob, see https://example.com/notes", "another hello"]);
    for (const [index, screen] of [{}, { dark: true }, { width: 375, height: 700 }].entries()) {
      const person = await alice(room, 2, screen, `reader${index}`);
      const { page } = person;
      expect(await search(person, "hello")).toBe("2 messages match, newest first.");
      expect(await marks(page)).toEqual(["hello", "Hello"]);
      await results(page).first().focus();
      expect(await seriousViolations(page), JSON.stringify(screen)).toEqual([]);
      // Nothing reaches past the screen's sides, and the results are where the conversation was.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, JSON.stringify(screen)).toBeLessThanOrEqual(0);
      const panel = await page.locator("#search-panel").boundingBox();
      const log = await page.getByRole("log", { name: "Messages" }).boundingBox();
      expect(panel, JSON.stringify(screen)).toEqual(log);
    }
  });
});
