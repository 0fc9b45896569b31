import { describe, expect, it } from "vitest";
import { seriousViolations } from "./axe";
import { joinRoom, messageWith, type Person, pressOnMessage, send, shownMessages } from "./browser";
import { pageSuite } from "./page-suite";

const suite = pageSuite("outbox", {
  vars: { RECONNECT_DELAY_MS: "500" },
  // Requests that fail on purpose are logged by Chromium.
  expectedErrors: /ERR_INTERNET_DISCONNECTED|ERR_FAILED|status of 400/,
});

async function twoPeople(here = suite.room()): Promise<[Person, Person]> {
  const [alice, bob] = [await suite.person(), await suite.person()];
  await joinRoom(alice, here, "alice");
  await joinRoom(bob, here, "bob");
  return [alice, bob];
}

const pending = (person: Person) => person.page.locator("#messages li.pending");

/** The seconds a waiting message says it will wait, if it says. */
async function sendsIn(person: Person): Promise<number | undefined> {
  const status = await pending(person).locator(".status").textContent();
  const seconds = /^Sends in (\d+) s$/.exec(status ?? "")?.[1];
  return seconds === undefined ? undefined : Number(seconds);
}

describe("the page's outbox", () => {
  it("sends what was written offline once the page is back online: each once, in order, for both", async () => {
    const [alice, bob] = await twoPeople();
    await alice.context.setOffline(true);
    for (const text of ["one", "two", "three"]) await send(alice, text);
    await expect
      .poll(() => pending(alice).locator(".status").allTextContents())
      .toEqual(["Sending…", "Sending…", "Sending…"]);
    expect(await seriousViolations(alice.page)).toEqual([]);
    await expect.poll(() => alice.page.locator("#notice").textContent()).toMatch(/offline/);
    await alice.context.setOffline(false);
    await expect.poll(() => pending(alice).count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => shownMessages(bob.page)).toEqual(["one", "two", "three"]);
    expect(await shownMessages(alice.page)).toEqual(["one", "two", "three"]);
  });

  it("posts once a message whose answer was lost, though it is sent again", async () => {
    const [alice, bob] = await twoPeople();
    let lost = false;
    await alice.page.route("**/messages", async (route) => {
      if (lost) return route.continue();
      // The server gets the message and answers, but the answer never reaches the page.
      lost = true;
      await route.fetch();
      await route.abort("failed");
    });
    await send(alice, "only once");
    await expect.poll(() => pending(alice).count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => shownMessages(bob.page)).toEqual(["only once"]);
    expect(await shownMessages(alice.page)).toEqual(["only once"]);
    expect(lost).toBe(true);
  });

  it("keeps an unsent message through a reload of the tab and sends it", async () => {
    const [alice, bob] = await twoPeople();
    await alice.page.route("**/messages", (route) => route.abort("failed"));
    await send(alice, "survives the reload");
    await expect.poll(() => pending(alice).count()).toBe(1);
    await alice.page.reload();
    // Still waiting after the reload, until the network lets it through.
    await expect.poll(() => pending(alice).locator(".text").allTextContents()).toEqual(["survives the reload"]);
    await alice.page.unroute("**/messages");
    await expect.poll(() => pending(alice).count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => shownMessages(bob.page)).toEqual(["survives the reload"]);
    expect(await shownMessages(alice.page)).toEqual(["survives the reload"]);
  });

  it("says when a message held by slow mode goes, counting down, and why, and sends it then", async () => {
    // Short, but long enough that a busy machine still sees the wait counted down.
    const [alice, bob] = await twoPeople((await suite.ownedRoom({ slowModeSeconds: 4 })).room);
    await send(alice, "first");
    await send(alice, "second");
    await expect.poll(() => sendsIn(alice)).toBeGreaterThan(1);
    // Each second it says one less, until it goes.
    const first = (await sendsIn(alice)) ?? 0;
    await expect.poll(() => sendsIn(alice), { timeout: 3000 }).toBeLessThan(first);
    await expect
      .poll(() => alice.page.locator("#notice").textContent())
      .toBe("Slow mode: one message every 4 s. Yours waits its turn.");
    expect(await seriousViolations(alice.page)).toEqual([]);
    await expect.poll(() => shownMessages(bob.page), { timeout: 10_000 }).toEqual(["first", "second"]);
    await expect.poll(() => pending(alice).count()).toBe(0);
    expect(await shownMessages(alice.page)).toEqual(["first", "second"]);
    expect(await alice.page.locator("#notice").textContent()).toBe("");
    // Chromium logs the refused post; that one was the point of the test.
    alice.errors.splice(0, alice.errors.length, ...alice.errors.filter((error) => !/status of 429/.test(error)));
  });

  it("shows the message a waiting reply answers, as the sent reply does", async () => {
    const [alice, bob] = await twoPeople();
    await send(bob, "Lunch at noon?");
    await messageWith(alice.page, "Lunch at noon?").waitFor();
    await alice.context.setOffline(true);
    await pressOnMessage(alice, "Lunch at noon?", "Reply to bob's message");
    await send(alice, "Yes, see you there");
    const quote = pending(alice).locator(".quote");
    await expect.poll(() => quote.textContent()).toBe("Replying to bob: Lunch at noon?");
    expect(await pending(alice).locator(".status").textContent()).toBe("Sending…");
    expect(await seriousViolations(alice.page)).toEqual([]);
    // Pressed, it shows the original, as a sent reply's does.
    await quote.click();
    expect(await messageWith(alice.page, "Lunch at noon?").evaluate((item) => item === document.activeElement)).toBe(
      true,
    );
    await alice.context.setOffline(false);
    await expect.poll(() => pending(alice).count(), { timeout: 10_000 }).toBe(0);
    for (const person of [alice, bob]) {
      await expect
        .poll(() => messageWith(person.page, "Yes, see you there").locator(".quote").textContent())
        .toBe("Replying to bob: Lunch at noon?");
    }
  });

  it("says 'not sent' for a refusal that waiting cannot mend, and retries or discards it on request", async () => {
    const [alice, bob] = await twoPeople();
    // Text-direction overrides are refused by the server (400), whatever the wait.
    await send(alice, "bad \u202e text");
    await expect.poll(() => pending(alice).locator(".status").textContent()).toMatch(/^Not sent: /);
    expect(await seriousViolations(alice.page)).toEqual([]);
    await send(alice, "fine");
    await expect.poll(() => shownMessages(bob.page)).toEqual(["fine"]);
    // Retrying is refused again; discarding removes it for good, across a reload too.
    await pending(alice).getByRole("button", { name: "Retry" }).click();
    await expect.poll(() => pending(alice).locator(".status").textContent()).toMatch(/^Not sent: /);
    await pending(alice).getByRole("button", { name: "Discard" }).click();
    expect(await pending(alice).count()).toBe(0);
    await alice.page.reload();
    await alice.page.locator("#connection[data-state=live]").waitFor();
    await expect.poll(() => shownMessages(alice.page)).toEqual(["fine"]);
    expect(await shownMessages(bob.page)).toEqual(["fine"]);
  });
});
