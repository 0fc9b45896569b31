import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalServer } from "../support/node/local-server";
import { startWranglerDev } from "../support/node/wrangler-dev";
import { joinRoom, launchBrowser, newPerson, send, shownMessages } from "./browser";

/** What Chromium logs when a server goes away under an open stream. */
const RESTART_NOISE = /net::(ERR_FAILED|ERR_CONNECTION_REFUSED|ERR_INCOMPLETE_CHUNKED_ENCODING|ERR_EMPTY_RESPONSE)/;

let server: LocalServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startWranglerDev({ vars: { RECONNECT_DELAY_MS: "300" } }), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("the chat page across a server restart", () => {
  it("reconnects by itself and shows a message posted while it was away, once", async () => {
    const room = `restart-${Date.now().toString(36)}`;
    const alice = await newPerson(browser, server.url);
    const bob = await newPerson(browser, server.url);
    await joinRoom(alice, room, "alice");
    await joinRoom(bob, room, "bob");
    await send(alice, "before the restart");
    await bob.page.getByText("before the restart").waitFor();

    // Keep alice's page from reconnecting until bob has posted after the restart.
    await alice.page.route("**/stream*", (route) => route.abort());
    await server.restart();
    await alice.page.locator("#connection[data-state=reconnecting]").waitFor();
    await bob.page.locator("#connection[data-state=live]").waitFor({ timeout: 15_000 });
    await send(bob, "while alice was away");
    await bob.page.getByText("while alice was away").waitFor();

    await alice.page.unroute("**/stream*");
    await alice.page.locator("#connection[data-state=live]").waitFor({ timeout: 15_000 });
    await alice.page.getByText("while alice was away").waitFor();
    await send(alice, "back again");
    await bob.page.getByText("back again").waitFor();

    const expected = ["before the restart", "while alice was away", "back again"];
    expect(await shownMessages(alice.page)).toEqual(expected);
    expect(await shownMessages(bob.page)).toEqual(expected);
    // Chromium logs the cut streams and refused reconnects; nothing else may have gone wrong.
    for (const person of [alice, bob]) {
      expect(person.errors.filter((error) => !RESTART_NOISE.test(error))).toEqual([]);
    }
    await Promise.all([alice.context.close(), bob.context.close()]);
  });
});
