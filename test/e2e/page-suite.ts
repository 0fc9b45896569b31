import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import type { LocalServer } from "../support/node/local-server";
import { startWranglerDev } from "../support/node/wrangler-dev";
import { launchBrowser, newPerson, type Person } from "./browser";

/** What a file of page tests works with: one `wrangler dev`, one Chromium, and fresh people. */
export interface PageSuite {
  readonly server: LocalServer;
  readonly browser: Browser;
  /** A person with a browser context of their own; whatever their page throws or logs as an error fails the test. */
  person(options?: { width?: number; height?: number; dark?: boolean }): Promise<Person>;
  /** A room name no other test uses. */
  room(): string;
  /**
   * A fresh room claimed from Node, as the page's New room does, with `settings` (topic, slow
   * mode, read-only) set by its owner; the owner's key comes with it.
   */
  ownedRoom(settings?: Record<string, unknown>): Promise<{ room: string; ownerKey: string }>;
}

/**
 * Starts `wrangler dev` (with `vars`) and Chromium for the file's tests, and closes each test's
 * people after it, failing the test on any page error not matching `expectedErrors`.
 */
export function pageSuite(
  label: string,
  { vars, expectedErrors }: { vars?: Record<string, string>; expectedErrors?: RegExp } = {},
): PageSuite {
  let server: LocalServer | undefined;
  let browser: Browser | undefined;
  const people: Person[] = [];
  let rooms = 0;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startWranglerDev({ vars }), launchBrowser()]);
  });

  afterEach(async () => {
    for (const person of people.splice(0)) {
      expect(person.errors.filter((error) => !expectedErrors?.test(error))).toEqual([]);
      await person.context.close().catch(() => undefined);
    }
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the page suite has not started");
    return value;
  };

  return {
    get server() {
      return started(server);
    },
    get browser() {
      return started(browser);
    },
    async person({ width, height, dark } = {}) {
      const created = await newPerson(started(browser), started(server).url, width, height);
      if (dark) await created.page.emulateMedia({ colorScheme: "dark" });
      people.push(created);
      return created;
    },
    room() {
      rooms += 1;
      return `${label}-${rooms}-${Date.now().toString(36)}`;
    },
    async ownedRoom(settings) {
      const room = this.room();
      const base = `${started(server).url}/r/${room}`;
      const claimed = await fetch(`${base}/owner`, { method: "POST" });
      expect(claimed.status).toBe(201);
      const { ownerKey } = (await claimed.json()) as { ownerKey: string };
      if (settings) {
        const set = await fetch(`${base}/room`, {
          method: "PATCH",
          headers: { "Content-Type": "application/json", "Chat-Room-Key": ownerKey },
          body: JSON.stringify(settings),
        });
        expect(set.status).toBe(200);
        await set.body?.cancel();
      }
      return { room, ownerKey };
    },
  };
}

/** Tells the page its tab was hidden, or shown again, as the browser would. */
export async function setHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((value) => {
    Object.defineProperty(document, "hidden", { configurable: true, get: () => value });
    document.dispatchEvent(new Event("visibilitychange"));
  }, hidden);
}
