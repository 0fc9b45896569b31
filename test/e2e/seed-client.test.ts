import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatClient } from "../support/chat-client";
import type { LocalServer } from "../support/node/local-server";
import { startWranglerDev } from "../support/node/wrangler-dev";
import { launchBrowser } from "./browser";
import { chatLog, openSeedClient as openSeedClientOn } from "./seed-page";

// The operator moderates the lobby, which has no owner, with the deployment's token.
const ADMIN_TOKEN = "operator-token-of-the-seed-client-test";

let server: LocalServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startWranglerDev({ vars: { ADMIN_TOKEN } }), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** Opens the original client, answering its name prompt with `name`. */
const openSeedClient = (name: string) => openSeedClientOn(browser, server.url, name);

describe("the original jQuery client", () => {
  it("shows joins, messages and leaves, and nothing else of what the stream carries", async () => {
    const bob = await openSeedClient("bob");
    await expect.poll(() => chatLog(bob.page)).toEqual(["add user : bob"]);
    const alice = await openSeedClient("alice");
    await expect.poll(() => chatLog(bob.page)).toEqual(["add user : bob", "add user : alice"]);

    await alice.page.locator("#chat-msg").fill("hello from the original client");
    await alice.page.locator("#chat-msg").press("Enter");
    const conversation = ["add user : bob", "add user : alice", "alicehello from the original client"];
    await expect.poll(() => chatLog(bob.page)).toEqual(conversation);
    await expect.poll(() => chatLog(alice.page)).toEqual(conversation);
    // The name is set in bold and the message text follows it, as the original client draws it.
    expect(await bob.page.locator("#chat-log strong").allTextContents()).toEqual(["alice"]);

    // Someone on a newer client edits, reacts, replies and deletes: the original client shows
    // the message and the reply as they came, and none of the changes, which are named events.
    const client = chatClient(fetch, server.url);
    const carol = await client.joinAs(undefined, "carol");
    const first = await client.sayOk(carol, "first");
    const changes = [
      await client.act(carol, "PATCH", "/messages", { id: first, msg: "second" }),
      await client.act(carol, "POST", "/reactions", { id: first, emoji: "👍" }),
      await client.act(carol, "POST", "/messages", { msg: "a reply", replyTo: first }),
      await client.act(carol, "DELETE", "/messages", { id: first }),
    ];
    expect(changes.map((response) => response.status)).toEqual([200, 200, 201, 200]);
    const withCarol = [...conversation, "add user : carol", "carolfirst", "carola reply"];
    await expect.poll(() => chatLog(bob.page)).toEqual(withCarol);
    // A page opened now is sent the deleted message as a named event, which it does not show.
    const dave = await openSeedClient("dave");
    await expect
      .poll(() => chatLog(dave.page))
      .toEqual([...withCarol.filter((line) => line !== "carolfirst"), "add user : dave"]);
    // The operator sets a topic, takes a message down and removes carol: named events, none
    // shown; but a removal also announces the leave, which the original client shows as any.
    const spam = await client.sayOk(carol, "spam");
    const operator = (method: string, path: string, fields: object) =>
      client.call(path, {
        method,
        headers: { "Content-Type": "application/json", "Chat-Room-Key": ADMIN_TOKEN },
        body: JSON.stringify(fields),
      });
    const moderation = [
      await operator("PATCH", "/room", { topic: "The original chat" }),
      await operator("DELETE", "/messages", { id: spam }),
      await operator("POST", "/removals", { name: "carol", minutes: 1 }),
    ];
    expect(moderation.map((response) => response.status)).toEqual([200, 200, 200]);
    const withModeration = [...withCarol, "add user : dave", "carolspam", "left user : carol"];
    await expect.poll(() => chatLog(bob.page)).toEqual(withModeration);

    // The page leaves as it does when it is closed.
    await alice.page.evaluate(() => window.onbeforeunload?.(new Event("beforeunload")));
    await expect.poll(() => chatLog(bob.page)).toEqual([...withModeration, "left user : alice"]);

    for (const person of [alice, bob, dave]) {
      expect(person.errors).toEqual([]);
      await person.context.close();
    }
  });

  it("comes back by itself into the room that follows a deletion, and goes on in it", async () => {
    const erin = await openSeedClient("erin");
    await erin.page.locator("#chat-msg").fill("before the deletion");
    await erin.page.locator("#chat-msg").press("Enter");
    await expect.poll(async () => (await chatLog(erin.page)).at(-1)).toBe("erinbefore the deletion");
    const before = await chatLog(erin.page);

    // The operator clears the lobby: its stream ends with a named event the client does not show,
    // EventSource reconnects as a new reader, and the page joins again as it does on every open.
    const deleted = await fetch(`${server.url}/room`, {
      method: "DELETE",
      headers: { "Content-Type": "application/json", "Chat-Room-Key": ADMIN_TOKEN },
      body: JSON.stringify({ confirm: "lobby" }),
    });
    expect(deleted.status).toBe(200);
    await expect.poll(() => chatLog(erin.page), { timeout: 10_000 }).toEqual([...before, "add user : erin"]);
    await erin.page.locator("#chat-msg").fill("after the deletion");
    await erin.page.locator("#chat-msg").press("Enter");
    await expect.poll(async () => (await chatLog(erin.page)).at(-1)).toBe("erinafter the deletion");
    // Nothing from before came back with it: the new room holds only what was said since.
    const online = await fetch(`${server.url}/users`);
    expect(await online.json()).toEqual([{ name: "erin" }]);
    expect(erin.errors).toEqual([]);
    await erin.context.close();
  });
});
