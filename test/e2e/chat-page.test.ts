import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { LocalServer } from "../support/node/local-server";
import { startWranglerDev } from "../support/node/wrangler-dev";
import { joinRoom, launchBrowser, newPerson, type Person, send, shownMessages } from "./browser";

// Short presence timings so a closed page is noticed within the test.
const GRACE_SECONDS = 2;
const HEARTBEAT_SECONDS = 1;
// Limits other than wrangler.toml's, so that the page is seen to take them from the server.
const NAME_MAX_LENGTH = 12;
const MESSAGE_MAX_LENGTH = 300;
// A page shows someone as typing for two and a half intervals after their last signal.
const TYPING_INTERVAL_SECONDS = 1;

let server: LocalServer;
let browser: Browser;
const people: Person[] = [];
let roomCounter = 0;

beforeAll(async () => {
  [server, browser] = await Promise.all([
    startWranglerDev({
      vars: {
        PRESENCE_GRACE_SECONDS: String(GRACE_SECONDS),
        HEARTBEAT_SECONDS: String(HEARTBEAT_SECONDS),
        RECONNECT_DELAY_MS: "500",
        NAME_MAX_LENGTH: String(NAME_MAX_LENGTH),
        MESSAGE_MAX_LENGTH: String(MESSAGE_MAX_LENGTH),
        TYPING_INTERVAL_SECONDS: String(TYPING_INTERVAL_SECONDS),
      },
    }),
    launchBrowser(),
  ]);
});

afterEach(async () => {
  for (const person of people.splice(0)) {
    expect(person.errors).toEqual([]);
    await person.context.close();
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function person(width?: number, height?: number): Promise<Person> {
  const created = await newPerson(browser, server.url, width, height);
  people.push(created);
  return created;
}

function room(label = "page"): string {
  roomCounter += 1;
  return `${label}-${roomCounter}-${Date.now().toString(36)}`;
}

describe("the chat page", () => {
  it("lets two people in one room see each other's messages, in order, within a second", async () => {
    const here = room("lunch");
    const alice = await person(1000, 640);
    const bob = await person(1000, 640);
    await joinRoom(alice, here, "alice");
    await joinRoom(bob, here, "bob");

    await send(alice, "Hi Bob! Are we still on for lunch?");
    await bob.page.getByText("Are we still on for lunch?").waitFor({ timeout: 1000 });
    await send(bob, "Yes, 12:30 at the usual place.");
    await alice.page.getByText("12:30 at the usual place").waitFor({ timeout: 1000 });
    await send(alice, "Perfect, see you there.");
    await bob.page.getByText("see you there").waitFor({ timeout: 1000 });

    const expected = [
      "Hi Bob! Are we still on for lunch?",
      "Yes, 12:30 at the usual place.",
      "Perfect, see you there.",
    ];
    expect(await shownMessages(alice.page)).toEqual(expected);
    expect(await shownMessages(bob.page)).toEqual(expected);
    // Own messages are told apart, and both people are listed as online.
    await expect
      .poll(() => alice.page.locator("#messages .message.own .text").allTextContents())
      .toEqual([expected[0], expected[2]]);
    expect(await alice.page.locator("#people li").allTextContents()).toEqual(["alice", "bob"]);
  });

  it("shows the history after a reload, each message once", async () => {
    const here = room();
    const alice = await person();
    await joinRoom(alice, here, "alice");
    for (const text of ["first", "second", "third"]) await send(alice, text);
    await expect.poll(() => shownMessages(alice.page)).toEqual(["first", "second", "third"]);
    // Reloaded at once, perhaps before the last answer came: nothing is shown or sent twice.
    await alice.page.reload();
    await alice.page.locator("#connection[data-state=live]").waitFor();
    await expect.poll(() => shownMessages(alice.page)).toEqual(["first", "second", "third"]);
    await expect.poll(() => alice.page.locator("#messages li.pending").count()).toBe(0);
    expect(await shownMessages(alice.page)).toEqual(["first", "second", "third"]);
    // The reload kept the session: the composer is there without joining again.
    await expect.poll(() => alice.page.getByLabel("Message", { exact: true }).isVisible()).toBe(true);
  });

  it("shows who is typing, and clears it when their message arrives or they stop", async () => {
    const here = room();
    const [alice, bob, carol] = [await person(), await person(), await person()];
    await joinRoom(alice, here, "alice");
    await joinRoom(bob, here, "bob");
    await joinRoom(carol, here, "carol");
    const typingLine = () => alice.page.locator("#typing").textContent();

    await bob.page.getByLabel("Message", { exact: true }).pressSequentially("on my way");
    await expect.poll(typingLine).toBe("bob is typing…");
    expect(await bob.page.locator("#typing").textContent()).toBe("");
    await carol.page.getByLabel("Message", { exact: true }).pressSequentially("me t");
    await expect.poll(typingLine).toBe("bob and carol are typing…");

    // Bob's message ends his typing at once; Carol's lasts until she has been quiet a while.
    await bob.page.getByLabel("Message", { exact: true }).press("Enter");
    await expect.poll(() => shownMessages(alice.page)).toEqual(["on my way"]);
    expect(await typingLine()).toBe("carol is typing…");
    await expect.poll(typingLine, { timeout: TYPING_INTERVAL_SECONDS * 1000 * 4 }).toBe("");
  });

  it("makes http and https addresses links that open apart, and nothing else", async () => {
    const here = room();
    const alice = await person();
    const bob = await person();
    await joinRoom(alice, here, "alice");
    await joinRoom(bob, here, "bob");
    const text =
      "See https://example.com/a?b=1&c=2. Or (http://example.org/x). Not javascript:alert(1), " +
      'not <a href="javascript:alert(1)">this</a>, not ftp://example.net/f.';
    await send(bob, text);
    await expect.poll(() => shownMessages(alice.page)).toEqual([text]);
    const links = alice.page.locator("#messages a");
    expect(await links.evaluateAll((all) => all.map((a) => (a as HTMLAnchorElement).href))).toEqual([
      "https://example.com/a?b=1&c=2",
      "http://example.org/x",
    ]);
    for (const link of await links.all()) {
      expect(await link.getAttribute("target")).toBe("_blank");
      expect(await link.getAttribute("rel")).toBe("noopener noreferrer nofollow ugc");
    }
  });

  it("shows markup in a message as text and creates no element from it", async () => {
    const here = room();
    const alice = await person();
    const bob = await person();
    await joinRoom(alice, here, "alice");
    await joinRoom(bob, here, "<b>bob</b>");
    const attack = "<img src=x onerror=alert(1)>";
    await send(bob, attack);
    await alice.page.getByText(attack).waitFor();
    expect(await shownMessages(alice.page)).toEqual([attack]);
    expect(await alice.page.locator("#messages img, #messages b, #people b").count()).toBe(0);
    expect(await alice.page.locator("#people li").allTextContents()).toContain("<b>bob</b>");
  });

  it("shows a person whose page closed as gone within the grace period", async () => {
    const here = room();
    const alice = await person();
    const bob = await person();
    await joinRoom(alice, here, "alice");
    await joinRoom(bob, here, "bob");
    await alice.page.locator("#people li", { hasText: "bob" }).waitFor();

    await bob.page.close();
    const limit = (GRACE_SECONDS + HEARTBEAT_SECONDS * 2 + 2) * 1000;
    await alice.page.getByText("bob left").waitFor({ timeout: limit });
    expect(await alice.page.locator("#people li").allTextContents()).toEqual(["alice"]);
  });

  it("copies a room link that opens the same room in a new browser", async () => {
    const here = room();
    const alice = await person();
    await joinRoom(alice, here, "alice");
    await send(alice, "meet me here");
    await alice.page.getByText("meet me here").waitFor();
    await alice.page.getByRole("button", { name: "Copy room link" }).click();
    const link = await alice.page.evaluate(() => navigator.clipboard.readText());
    expect(link).toBe(`${server.url}/r/${here}/`);

    const carol = await person();
    await carol.page.goto(link);
    await expect.poll(() => carol.page.locator("#room-name").textContent()).toBe(here);
    await carol.page.getByText("meet me here").waitFor();
  });

  it("makes a new room with a random name", async () => {
    const alice = await person();
    await alice.page.goto("/");
    await alice.page.getByRole("button", { name: "New room" }).click();
    await alice.page.waitForURL(/\/r\/[a-z0-9]{12}\/$/);
    expect(await alice.page.title()).toMatch(/^[a-z0-9]{12} · Chat$/);
  });

  it("tells the sender about a 429 and sends the message once the room allows it", async () => {
    const here = room();
    const alice = await person();
    await joinRoom(alice, here, "alice");
    const input = alice.page.getByLabel("Message", { exact: true });
    // A burst of 10, then 5 a second: sending as fast as the page answers soon hits the limit.
    const written: string[] = [];
    let refused = false;
    for (let i = 0; i < 60 && !refused; i++) {
      await input.fill(`rapid ${i}`);
      const [response] = await Promise.all([
        alice.page.waitForResponse((r) => r.url().endsWith("/messages")),
        input.press("Enter"),
      ]);
      written.push(`rapid ${i}`);
      refused = response.status() === 429;
    }
    expect(refused).toBe(true);
    await expect.poll(() => alice.page.locator("#notice").textContent()).toMatch(/too fast/);
    // The refused message waits, saying when it goes, and goes out by itself once the room
    // allows: every message once, in the order written.
    expect(await alice.page.locator("#messages li.pending .status").allTextContents()).toEqual([
      expect.stringMatching(/^Sends in \d+ s$/),
    ]);
    await expect.poll(() => alice.page.locator("#messages li.pending").count(), { timeout: 5000 }).toBe(0);
    expect(await shownMessages(alice.page)).toEqual(written);
    expect(await alice.page.locator("#notice").textContent()).toBe("");
    // Chromium logs every refused request; that one was the point of the test.
    const unexpected = alice.errors.filter((error) => !/status of 429/.test(error));
    alice.errors.splice(0, alice.errors.length, ...unexpected);
  });

  it("shows the remaining length before the server would refuse", async () => {
    const alice = await person();
    await joinRoom(alice, room(), "alice");
    await alice.page.getByLabel("Message", { exact: true }).fill("x".repeat(MESSAGE_MAX_LENGTH - 10));
    await expect.poll(() => alice.page.locator("#remaining").textContent()).toBe("10 characters left");
  });

  it("checks a name's length as the server counts it, in characters", async () => {
    const { page } = await person();
    await page.goto(`/r/${room()}/`);
    await page.locator("#connection[data-state=live]").waitFor();
    // Each of these is one character but two UTF-16 units.
    await page.getByLabel("Your name").fill("🐢".repeat(NAME_MAX_LENGTH + 1));
    await page.getByRole("button", { name: "Join" }).click();
    await expect
      .poll(() => page.locator("#notice").textContent())
      .toBe(`A name is at most ${NAME_MAX_LENGTH} characters.`);
    const longest = "🐢".repeat(NAME_MAX_LENGTH);
    await page.getByLabel("Your name").fill(longest);
    await page.getByRole("button", { name: "Join" }).click();
    await expect.poll(() => page.locator("#people li.me").textContent()).toBe(longest);
  });

  it("asks for a name in the page and remembers it for next time", async () => {
    const here = room();
    const alice = await person();
    await joinRoom(alice, here, "alice");
    const again = await alice.context.newPage();
    await again.goto(`/r/${room()}/`);
    await again.locator("#connection[data-state=live]").waitFor();
    await expect.poll(() => again.locator("#people li.me").textContent()).toBe("alice");
    await again.close();
  });
});
