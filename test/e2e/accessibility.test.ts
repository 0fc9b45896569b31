import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { LocalServer } from "../support/node/local-server";
import { startWranglerDev } from "../support/node/wrangler-dev";
import { seriousViolations } from "./axe";
import { joinRoom, launchBrowser, newPerson, type Person, send, shownMessages } from "./browser";

let server: LocalServer;
let browser: Browser;
const people: Person[] = [];
let counter = 0;

beforeAll(async () => {
  [server, browser] = await Promise.all([startWranglerDev(), launchBrowser()]);
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

function room(): string {
  counter += 1;
  return `a11y-${counter}-${Date.now().toString(36)}`;
}

async function person(options: { width?: number; height?: number; dark?: boolean } = {}): Promise<Person> {
  const created = await newPerson(browser, server.url, options.width, options.height);
  if (options.dark) await created.page.emulateMedia({ colorScheme: "dark" });
  people.push(created);
  return created;
}

/** Two people in a room who have each said something, seen from the first one's page. */
async function conversation(options: { width?: number; height?: number; dark?: boolean }): Promise<Person> {
  const here = room();
  const [alice, bob] = [await person(options), await person()];
  await joinRoom(alice, here, "alice");
  await joinRoom(bob, here, "bob");
  // Each has a link in it, shown on both kinds of message background.
  await send(alice, "Hello from alice, see https://example.com/notes");
  await send(bob, "Hello from bob, see https://example.com/more");
  await expect
    .poll(() => shownMessages(alice.page))
    .toEqual(["Hello from alice, see https://example.com/notes", "Hello from bob, see https://example.com/more"]);
  expect(await alice.page.locator("#messages a").count()).toBe(2);
  return alice;
}

describe("the chat page, checked by axe-core for WCAG 2.1 A and AA", () => {
  it("has no serious or critical violation before joining", async () => {
    const { page } = await person();
    await page.goto(`/r/${room()}/`);
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
});
