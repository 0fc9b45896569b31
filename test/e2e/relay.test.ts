import { describe, expect, it } from "vitest";
import { chatClient } from "../support/chat-client";
import { seriousViolations } from "./axe";
import { joinRoom, send, shownMessages } from "./browser";
import { pageSuite } from "./page-suite";
import { chatLog, openSeedClient, seedLeave, seedSend } from "./seed-page";

// The operator reads how a room's streams are served, with the deployment's token.
const ADMIN_TOKEN = "operator-token-of-the-relay-test";

// One reader per object: a room serves its first stream itself and hands every later one to a
// relay. A stream a page closes is known closed once a heartbeat to it fails, so heartbeats are
// short; and so is the reconnect delay, so that a page whose stream was held comes back soon.
const suite = pageSuite("relay", {
  vars: { READERS_PER_OBJECT: "1", ADMIN_TOKEN, HEARTBEAT_SECONDS: "1", RECONNECT_DELAY_MS: "300" },
});

/** Long enough for a heartbeat or two to find the streams a page closed. */
const CLOSED_FOUND = { timeout: 10_000 };

/** How a room's streams are served, as `GET /room` tells its operator. */
interface Served {
  readers: number;
  directReaders: number;
  relays: number;
}

/** How the streams of `room` (the lobby when undefined) are served now. */
async function served(room?: string): Promise<Served> {
  const path = room === undefined ? "/room" : `/r/${room}/room`;
  const response = await fetch(`${suite.server.url}${path}`, { headers: { "Chat-Room-Key": ADMIN_TOKEN } });
  expect(response.status).toBe(200);
  const { readers, directReaders, relays } = (await response.json()) as Served;
  return { readers, directReaders, relays };
}

describe("the original jQuery client through a relay", () => {
  it("sends, receives others' messages and shows joins and leaves, its stream served by a relay", async () => {
    // A first reader takes the lobby's one stream of its own; every client after it is relayed.
    const client = chatClient(fetch, suite.server.url);
    const first = await client.openStream(undefined);
    await expect.poll(() => served()).toEqual({ readers: 1, directReaders: 1, relays: 0 });

    const bob = await openSeedClient(suite.browser, suite.server.url, "bob");
    await expect.poll(() => chatLog(bob.page)).toEqual(["add user : bob"]);
    const alice = await openSeedClient(suite.browser, suite.server.url, "alice");
    await expect.poll(() => chatLog(bob.page)).toEqual(["add user : bob", "add user : alice"]);
    // Both clients' streams are a relay's: the room still serves only the first reader's.
    const relayed = await served();
    expect(relayed).toMatchObject({ readers: 3, directReaders: 1 });
    expect(relayed.relays).toBeGreaterThanOrEqual(1);

    await seedSend(alice, "hello through a relay");
    const conversation = ["add user : bob", "add user : alice", "alicehello through a relay"];
    await expect.poll(() => chatLog(bob.page)).toEqual(conversation);
    await expect.poll(() => chatLog(alice.page)).toEqual(conversation);
    await seedSend(bob, "hello back");
    await expect.poll(() => chatLog(alice.page)).toEqual([...conversation, "bobhello back"]);
    // Someone on a newer client, whose stream is nobody's, joins and says something.
    const carol = await client.joinAs(undefined, "carol");
    await client.sayOk(carol, "from carol");
    const withCarol = [...conversation, "bobhello back", "add user : carol", "carolfrom carol"];
    await expect.poll(() => chatLog(bob.page)).toEqual(withCarol);
    await expect.poll(() => chatLog(alice.page)).toEqual(withCarol);
    // The name is set in bold and the message text follows it, as the original client draws it.
    expect(await alice.page.locator("#chat-log strong").allTextContents()).toEqual(["carol", "bob", "alice"]);

    await seedLeave(alice);
    await expect.poll(() => chatLog(bob.page)).toEqual([...withCarol, "left user : alice"]);
    expect((await served()).relays).toBeGreaterThanOrEqual(1);

    await first.reader.cancel();
    for (const person of [alice, bob]) {
      expect(person.errors).toEqual([]);
      await person.context.close();
    }
  });
});

describe("the page through a relay", () => {
  it("exchanges messages, shows typing and resumes after a reload, for readers on relays", async () => {
    // A first reader takes the room's one stream of its own, so that both pages are relayed
    // whatever the order in which a page's join closes its first stream and opens the next.
    const room = suite.room();
    const first = await chatClient(fetch, suite.server.url).openStream(room);
    const mina = await suite.person();
    const leo = await suite.person();
    await joinRoom(mina, room, "Mina");
    await joinRoom(leo, room, "Leo");
    await expect.poll(() => served(room), CLOSED_FOUND).toMatchObject({ readers: 3, directReaders: 1 });
    expect((await served(room)).relays).toBeGreaterThanOrEqual(1);

    await send(mina, "hello Leo");
    await expect.poll(() => shownMessages(leo.page)).toEqual(["hello Leo"]);
    await send(leo, "hello Mina");
    await expect.poll(() => shownMessages(mina.page)).toEqual(["hello Leo", "hello Mina"]);
    await expect.poll(() => shownMessages(leo.page)).toEqual(["hello Leo", "hello Mina"]);
    // Presence counts the relayed streams: both are online.
    for (const person of [mina, leo]) {
      await expect.poll(() => person.page.locator("#people li").allTextContents()).toEqual(["Leo", "Mina"]);
    }

    // Typing goes both ways.
    await mina.page.getByLabel("Message", { exact: true }).pressSequentially("are you t");
    await expect.poll(() => leo.page.locator("#typing").textContent()).toBe("Mina is typing…");
    await leo.page.getByLabel("Message", { exact: true }).pressSequentially("one mo");
    await expect.poll(() => mina.page.locator("#typing").textContent()).toBe("Leo is typing…");
    expect(await seriousViolations(leo.page)).toEqual([]);
    await mina.page.getByLabel("Message", { exact: true }).fill("");

    // Leo reloads, and his new stream is held back until Mina has said something meanwhile: the
    // page, served by a relay again, shows every message once.
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    await leo.page.route("**/stream*", async (route) => {
      await released;
      await route.continue();
    });
    await leo.page.reload();
    await send(mina, "while Leo reloaded");
    await expect.poll(() => shownMessages(mina.page)).toHaveLength(3);
    release();
    await leo.page.locator("#connection[data-state=live]").waitFor();
    await leo.page.unroute("**/stream*");
    const expected = ["hello Leo", "hello Mina", "while Leo reloaded"];
    await expect.poll(() => shownMessages(leo.page)).toEqual(expected);
    await send(leo, "back after the reload");
    await expect.poll(() => shownMessages(mina.page)).toEqual([...expected, "back after the reload"]);
    await expect.poll(() => shownMessages(leo.page)).toEqual([...expected, "back after the reload"]);
    // His reloaded page's stream is a relay's too: the room still serves only the first reader's.
    await expect.poll(() => served(room), CLOSED_FOUND).toMatchObject({ readers: 3, directReaders: 1 });
    expect(await seriousViolations(leo.page)).toEqual([]);
    await first.reader.cancel();
  });
});
