import type { Browser, Request } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { LocalServer } from "../support/node/local-server";
import { startWranglerDev } from "../support/node/wrangler-dev";
import { joinRoom, launchBrowser, newPerson, type Person } from "./browser";

// Two streams a room, so that a third reader finds it full; heartbeats every second, so that
// a closed page's stream is let go of quickly.
const MAX_SUBSCRIBERS = 2;

let server: LocalServer;
let browser: Browser;
const people: Person[] = [];
let counter = 0;

beforeAll(async () => {
  [server, browser] = await Promise.all([
    startWranglerDev({
      vars: { MAX_SUBSCRIBERS: String(MAX_SUBSCRIBERS), HEARTBEAT_SECONDS: "1", RECONNECT_DELAY_MS: "500" },
    }),
    launchBrowser(),
  ]);
});

afterEach(async () => {
  for (const person of people.splice(0)) {
    // Refusals and the dropped connections a test causes are logged by Chromium; nothing else may be.
    expect(
      person.errors.filter(
        (error) =>
          !/status of (401|503)|ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|ERR_INCOMPLETE_CHUNKED_ENCODING/.test(error),
      ),
    ).toEqual([]);
    await person.context.close().catch(() => undefined);
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

function room(): string {
  counter += 1;
  return `stream-${counter}-${Date.now().toString(36)}`;
}

async function person(): Promise<Person> {
  const created = await newPerson(browser, server.url);
  people.push(created);
  return created;
}

describe("the page's event stream", () => {
  it("sends the session in a header and its position as Last-Event-ID, never in the URL", async () => {
    const alice = await person();
    const streams: Request[] = [];
    alice.page.on("request", (request) => {
      if (new URL(request.url()).pathname.endsWith("/stream")) streams.push(request);
    });
    await joinRoom(alice, room(), "alice");
    const joined = streams.at(-1);
    if (!joined) throw new Error("no stream was opened");
    const url = new URL(joined.url());
    expect(url.search).toBe("");
    const headers = await joined.allHeaders();
    expect(headers.authorization).toMatch(/^Bearer [\w-]+$/);
    // The stream opened after joining resumes from the one before it.
    expect(Number(headers["last-event-id"])).toBeGreaterThanOrEqual(0);
  });

  it("says the room is full, and gets in once someone leaves", async () => {
    const here = room();
    const [alice, bob, carol] = [await person(), await person(), await person()];
    await joinRoom(alice, here, "alice");
    await joinRoom(bob, here, "bob");
    await carol.page.goto(`/r/${here}/`);
    await expect.poll(() => carol.page.locator("#notice").textContent()).toMatch(/as many listeners as it can take/);
    expect(await carol.page.locator("#connection").getAttribute("data-state")).toBe("reconnecting");
    await bob.context.close();
    await carol.page.locator("#connection[data-state=live]").waitFor({ timeout: 15_000 });
  });

  it("joins again by itself when its session has ended, and goes on", async () => {
    const here = room();
    const alice = await person();
    await joinRoom(alice, here, "alice");
    // The session ends behind the page's back; its stream goes on until the connection drops.
    const token = await alice.page.evaluate((key) => sessionStorage.getItem(key), `chat.token.${here}`);
    const left = await fetch(`${server.url}/r/${here}/users`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(left.status).toBe(200);
    await expect.poll(() => alice.page.locator("#people li").allTextContents()).toEqual([]);
    // A restart cuts the stream; the page comes back with the session that ended.
    await server.kill();
    await alice.page.locator("#connection[data-state=reconnecting]").waitFor();
    await server.restart();
    // Refused as an ended session, the page joins again under its name and reconnects.
    await alice.page.locator("#connection[data-state=live]").waitFor({ timeout: 15_000 });
    await expect.poll(() => alice.page.locator("#people li.me").textContent()).toBe("alice");
    const renewed = await alice.page.evaluate((key) => sessionStorage.getItem(key), `chat.token.${here}`);
    expect(renewed).not.toBe(token);
  });
});
