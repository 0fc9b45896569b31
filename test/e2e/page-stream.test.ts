import type { Page, Request } from "playwright-core";
import { describe, expect, it } from "vitest";
import { joinRoom } from "./browser";
import { pageSuite } from "./page-suite";

// Two streams a room, so that a third reader finds it full; heartbeats every second, so that
// a closed page's stream is let go of quickly.
const MAX_SUBSCRIBERS = 2;

const suite = pageSuite("stream", {
  vars: { MAX_SUBSCRIBERS: String(MAX_SUBSCRIBERS), HEARTBEAT_SECONDS: "1", RECONNECT_DELAY_MS: "500" },
  // Refusals and the connections a test cuts are logged by Chromium.
  expectedErrors: /status of (401|503)|ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|ERR_INCOMPLETE_CHUNKED_ENCODING/,
});

/** The session token the browser keeps for `room`, which all its tabs share. */
function sessionToken(page: Page, room: string): Promise<string | undefined> {
  return page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? "{}").token, `chat.session.${room}`);
}

describe("the page's event stream", () => {
  it("sends the session in a header and its position as Last-Event-ID, never in the URL", async () => {
    const alice = await suite.person();
    const streams: Request[] = [];
    alice.page.on("request", (request) => {
      if (new URL(request.url()).pathname.endsWith("/stream")) streams.push(request);
    });
    await joinRoom(alice, suite.room(), "alice");
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
    const here = suite.room();
    const [alice, bob, carol] = [await suite.person(), await suite.person(), await suite.person()];
    await joinRoom(alice, here, "alice");
    await joinRoom(bob, here, "bob");
    await carol.page.goto(`/r/${here}/`);
    await expect.poll(() => carol.page.locator("#notice").textContent()).toMatch(/as many listeners as it can take/);
    expect(await carol.page.locator("#connection").getAttribute("data-state")).toBe("reconnecting");
    await bob.context.close();
    await carol.page.locator("#connection[data-state=live]").waitFor({ timeout: 15_000 });
  });

  it("joins again by itself when its session has ended, and goes on", async () => {
    const here = suite.room();
    const alice = await suite.person();
    await joinRoom(alice, here, "alice");
    // The session ends behind the page's back; its stream goes on until the connection drops.
    const token = await sessionToken(alice.page, here);
    const left = await fetch(`${suite.server.url}/r/${here}/users`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(left.status).toBe(200);
    await expect.poll(() => alice.page.locator("#people li").allTextContents()).toEqual([]);
    // A restart cuts the stream; the page comes back with the session that ended.
    await suite.server.kill();
    await alice.page.locator("#connection[data-state=reconnecting]").waitFor();
    await suite.server.restart();
    // Refused as an ended session, the page joins again under its name and reconnects.
    await alice.page.locator("#connection[data-state=live]").waitFor({ timeout: 15_000 });
    await expect.poll(() => alice.page.locator("#people li.me").textContent()).toBe("alice");
    const renewed = await sessionToken(alice.page, here);
    expect(renewed).not.toBe(token);
  });
});
