import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalServer } from "../support/node/local-server";
import { startWranglerDev } from "../support/node/wrangler-dev";
import { joinRoom, launchBrowser, newPerson, send, watch } from "./browser";

let server: LocalServer;
let browser: Browser;
let counter = 0;

beforeAll(async () => {
  [server, browser] = await Promise.all([startWranglerDev(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

function room(): string {
  counter += 1;
  return `layout-${counter}-${Date.now().toString(36)}`;
}

describe("the chat page's shape", () => {
  it("is served with a CSP that forbids inline script, at / and at /r/<room>/", async () => {
    for (const path of ["/", `/r/${room()}/`]) {
      const response = await fetch(server.url + path);
      const csp = response.headers.get("Content-Security-Policy") ?? "";
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).not.toContain("unsafe-inline");
      expect(response.headers.get("X-Content-Type-Options"), path).toBe("nosniff");
      await response.body?.cancel();
    }
  });

  it("fits a phone's screen without sideways scrolling", async () => {
    const context = await browser.newContext({
      baseURL: server.url,
      viewport: { width: 375, height: 700 },
      isMobile: true,
    });
    const page = await context.newPage();
    const errors: string[] = [];
    watch(page, errors);
    const person = { context, page, errors };
    await joinRoom(person, room(), "phone");
    await send(person, "a long message ".repeat(20));
    await page.getByText("a long message a long message").waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    for (const selector of ["#message-input", "#people", "#connection"]) {
      expect(await page.locator(selector).isVisible(), selector).toBe(true);
    }
    // The header is one line; the room's actions wait behind a menu.
    const middles = await page.locator("header.bar > :is(.room-heading, p, button)").evaluateAll((items) =>
      items.map((item) => {
        const box = item.getBoundingClientRect();
        return (box.top + box.bottom) / 2;
      }),
    );
    expect(Math.max(...middles) - Math.min(...middles)).toBeLessThan(6);
    expect(await page.getByRole("button", { name: "Copy room link" }).isVisible()).toBe(false);
    await page.getByRole("button", { name: "Room menu" }).click();
    await page.getByRole("button", { name: "Change name" }).click();
    // An action closes the menu and is carried out.
    expect(await page.getByRole("button", { name: "Copy room link" }).isVisible()).toBe(false);
    expect(await page.getByLabel("Your name").isVisible()).toBe(true);
    // The conversation has most of the screen.
    const share = await page.evaluate(() => {
      const list = document.getElementById("messages")?.getBoundingClientRect().height ?? 0;
      return list / window.innerHeight;
    });
    expect(share).toBeGreaterThan(0.6);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("gives a phone's message box a short hint, grows it with what is typed, and leaves no empty band around it", async () => {
    for (const colorScheme of ["light", "dark"] as const) {
      const context = await browser.newContext({
        baseURL: server.url,
        viewport: { width: 390, height: 760 },
        hasTouch: true,
        isMobile: true,
        colorScheme,
      });
      const page = await context.newPage();
      const errors: string[] = [];
      watch(page, errors);
      await joinRoom({ context, page, errors }, room(), "thumbs");
      const box = page.getByLabel("Message", { exact: true });
      const measure = () =>
        box.evaluate((element) => ({
          height: element.getBoundingClientRect().height,
          scroll: element.scrollHeight,
          client: element.clientHeight,
          line: Number.parseFloat(getComputedStyle(element).fontSize) * 1.2,
        }));
      // No Enter key to speak of: the hint is short, and fits the box's one line.
      expect(await box.getAttribute("placeholder"), colorScheme).toBe("Message");
      const empty = await measure();
      expect(empty.scroll, colorScheme).toBeLessThanOrEqual(empty.client);
      expect(empty.height, colorScheme).toBeLessThan(empty.line * 2 + 16);
      // The composer sits right under the online row, and near the bottom of the screen.
      const around = await page.evaluate(() => {
        const composer = document.getElementById("composer")?.getBoundingClientRect();
        const people = document.querySelector(".people")?.getBoundingClientRect();
        return {
          above: (composer?.top ?? 0) - (people?.bottom ?? 0),
          below: window.innerHeight - (composer?.bottom ?? 0),
        };
      });
      expect(around.above, colorScheme).toBeLessThanOrEqual(6);
      expect(around.below, colorScheme).toBeLessThanOrEqual(12);

      // Three lines show whole; many more scroll inside a few lines' height.
      await box.fill("one\ntwo\nthree");
      const three = await measure();
      expect(three.height, colorScheme).toBeGreaterThan(empty.height + 1.5 * three.line);
      expect(three.scroll, colorScheme).toBeLessThanOrEqual(three.client);
      await box.fill(Array.from({ length: 12 }, (_, line) => `line ${line + 1}`).join("\n"));
      const many = await measure();
      expect(many.height, colorScheme).toBeLessThanOrEqual(8 * 16 + 1);
      expect(many.scroll, colorScheme).toBeGreaterThan(many.client);
      // Sent, the box is one line again.
      await box.press("Enter");
      await page.getByText("line 12").waitFor();
      await expect.poll(async () => (await measure()).height).toBe(empty.height);
      expect(errors).toEqual([]);
      await context.close();
    }
    // With a keyboard, the hint says how to send.
    const desk = await newPerson(browser, server.url);
    await joinRoom(desk, room(), "keys");
    expect(await desk.page.getByLabel("Message", { exact: true }).getAttribute("placeholder")).toBe(
      "Message (Enter to send, Shift+Enter for a new line)",
    );
    await desk.context.close();
  });

  it("follows a dark system theme", async () => {
    const context = await browser.newContext({ baseURL: server.url, colorScheme: "dark" });
    const page = await context.newPage();
    await page.goto("/");
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = (background.match(/\d+/g) ?? []).map(Number);
    expect((r ?? 255) + (g ?? 255) + (b ?? 255)).toBeLessThan(150);
    await context.close();
  });

  it("can be joined and used with the keyboard alone", async () => {
    const alice = await newPerson(browser, server.url);
    await alice.page.goto(`/r/${room()}/`);
    // The name field has focus on arrival; Enter joins; focus moves to the message field.
    await alice.page.keyboard.type("keys");
    await alice.page.keyboard.press("Enter");
    await alice.page.locator("#composer:not([hidden])").waitFor();
    await expect.poll(() => alice.page.evaluate(() => document.activeElement?.id)).toBe("message-input");
    await alice.page.keyboard.type("typed, not clicked");
    await alice.page.keyboard.press("Enter");
    await alice.page.getByText("typed, not clicked").waitFor();
    // New messages are announced: the list sits in a polite live region with the role of a log.
    const log = alice.page.getByRole("log", { name: "Messages" });
    expect(await log.getAttribute("aria-live")).toBe("polite");
    expect(await log.locator("#messages li").count()).toBeGreaterThan(0);
    expect(alice.errors).toEqual([]);
    await alice.context.close();
  });

  it("counts unread messages in the title while the tab is hidden", async () => {
    const here = room();
    const alice = await newPerson(browser, server.url);
    const bob = await newPerson(browser, server.url);
    await joinRoom(alice, here, "alice");
    await joinRoom(bob, here, "bob");
    await alice.page.evaluate(() => {
      Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    await send(bob, "one");
    await send(bob, "two");
    await expect.poll(() => alice.page.title()).toBe(`(2) ${here} · Chat`);
    await alice.page.evaluate(() => {
      Object.defineProperty(document, "hidden", { configurable: true, get: () => false });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    await expect.poll(() => alice.page.title()).toBe(`${here} · Chat`);
    await Promise.all([alice.context.close(), bob.context.close()]);
  });

  it("stays where the reader scrolled and offers a way down to new messages", async () => {
    const here = room();
    const alice = await newPerson(browser, server.url, 800, 420);
    const bob = await newPerson(browser, server.url);
    await joinRoom(alice, here, "alice");
    await joinRoom(bob, here, "bob");
    for (let i = 0; i < 10; i++) await send(bob, `filler ${i}`);
    await alice.page.getByText("filler 9").waitFor();
    await alice.page.locator("#messages").evaluate((list) => (list.scrollTop = 0));
    await send(bob, "arrived while reading");
    await alice.page.getByText("arrived while reading").waitFor({ state: "attached" });
    await alice.page.getByRole("button", { name: "New messages" }).waitFor();
    expect(await alice.page.locator("#messages").evaluate((list) => list.scrollTop)).toBe(0);
    await alice.page.getByRole("button", { name: "New messages" }).click();
    await alice.page.getByText("arrived while reading").waitFor({ state: "visible" });
    await Promise.all([alice.context.close(), bob.context.close()]);
  });

  it("lets a person leave and join again under another name", async () => {
    const here = room();
    const alice = await newPerson(browser, server.url);
    const bob = await newPerson(browser, server.url);
    await joinRoom(alice, here, "alice");
    await joinRoom(bob, here, "bob");
    await alice.page.getByRole("button", { name: "Leave" }).click();
    await bob.page.getByText("alice left").waitFor();
    await alice.page.getByLabel("Your name").fill("alicia");
    await alice.page.getByRole("button", { name: "Join" }).click();
    await bob.page.getByText("alicia joined").waitFor();
    await expect.poll(() => bob.page.locator("#people li").allTextContents()).toEqual(["alicia", "bob"]);
    await Promise.all([alice.context.close(), bob.context.close()]);
  });
});
