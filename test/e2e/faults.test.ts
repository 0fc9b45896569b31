import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChatClient, chatClient } from "../support/chat-client";
import { freshClientAddress } from "../support/client-addresses";
import type { LocalServer } from "../support/node/local-server";
import { openRawStream } from "../support/node/raw-http-stream";
import { startWranglerDev } from "../support/node/wrangler-dev";
import { expectNothingLost, readThroughFaults } from "../support/read-through-faults";
import { sleep } from "../support/sleep";

/**
 * Opens a stream to a room from this process, as a reader of an address of its own would, so that
 * no per-address budget is what a test meets; the socket is returned so it can be closed.
 */
function openReaderStream(server: LocalServer, room: string) {
  const { hostname, port } = new URL(server.url);
  const address = { "CF-Connecting-IP": freshClientAddress() };
  return openRawStream(hostname, Number(port), `/r/${room}/stream`, () => undefined, address);
}

/** Opens `count` streams to a room (see {@link openReaderStream}). */
async function openStreams(server: LocalServer, room: string, count: number) {
  return Promise.all(Array.from({ length: count }, () => openReaderStream(server, room)));
}

/** Like {@link openStreams}, but keeps the streams that opened when some are refused. */
async function openStreamsTolerant(server: LocalServer, room: string, count: number) {
  const results = await Promise.allSettled(Array.from({ length: count }, () => openReaderStream(server, room)));
  return results.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
}

async function streamStatus(server: LocalServer, room: string): Promise<number> {
  const response = await fetch(`${server.url}/r/${room}/stream`);
  await response.body?.cancel();
  return response.status;
}

describe("the server process killed and restarted under load", () => {
  let server: LocalServer;
  let client: ChatClient;
  beforeAll(async () => {
    server = await startWranglerDev({ vars: { RECONNECT_DELAY_MS: "200" } });
    client = chatClient(fetch, server.url);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("loses no message it acknowledged: every reader sees each once, in order", async () => {
    const room = `kill-${Date.now().toString(36)}`;
    const publishers = await Promise.all(["p1", "p2", "p3"].map((name) => client.joinAs(room, name)));
    const closer = await client.joinAs(room, "closer");
    const readers = Array.from({ length: 4 }, () => readThroughFaults(client, room, "END"));
    await sleep(300);

    const acknowledged: number[] = [];
    let sent = 0;
    let stopping = false;
    const publishing = publishers.map(async (publisher, n) => {
      for (let i = 0; !stopping; i++) {
        sent++;
        const response = await client.say(publisher, `p${n} #${i}`).catch(() => undefined);
        if (response?.status === 201) acknowledged.push((await response.json()).id);
        else await response?.body?.cancel();
        await sleep(250);
      }
    });
    await sleep(1500);
    await server.restart();
    await sleep(1500);
    stopping = true;
    await Promise.all(publishing);
    acknowledged.push(await client.sayOk(closer, "END"));
    sent++;

    console.log(expectNothingLost("process kill", sent, acknowledged, await Promise.all(readers)));
  }, 60_000);
});

describe("subscribers whose processes are killed", () => {
  let server: LocalServer;
  let client: ChatClient;
  beforeAll(async () => {
    server = await startWranglerDev({
      vars: { PRESENCE_GRACE_SECONDS: "2", HEARTBEAT_SECONDS: "1", MAX_SUBSCRIBERS: "20" },
    });
    client = chatClient(fetch, server.url);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("are found by the heartbeat, leave the online list within the grace period, and hold no stream", async () => {
    const room = `vanish-${Date.now().toString(36)}`;
    const names = Array.from({ length: 10 }, (_, i) => `ghost${i}`);
    const tokens = (await Promise.all(names.map((name) => client.joinAs(room, name)))).map((ghost) => ghost.token);
    // One process holds every ghost's stream, then dies without closing anything.
    const holder = spawn(
      process.execPath,
      [
        "-e",
        `for (const token of ${JSON.stringify(tokens)}) fetch(${JSON.stringify(`${server.url}/r/${room}/stream?token=`)} + token).then((r) => r.body.getReader().read());
         setTimeout(() => process.stdout.write("open\\n"), 1500); setInterval(() => {}, 1000);`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve) => holder.stdout.once("data", () => resolve()));
    await sleep(3000);
    const online = () => client.users(room);
    expect((await online()).map((user) => user.name).sort()).toEqual([...names].sort());

    holder.kill("SIGKILL");
    const killedAt = Date.now();
    while ((await online()).length > 0 && Date.now() - killedAt < 15_000) await sleep(250);
    const goneAfterMs = Date.now() - killedAt;
    expect(await online()).toEqual([]);
    expect(goneAfterMs).toBeLessThan((2 + 1 * 2 + 3) * 1000);

    // The room's cap is 20 streams: all 20 places are free again, so none is held for a ghost.
    const sockets = await openStreams(server, room, 20);
    expect(await streamStatus(server, room)).toBe(503);
    for (const socket of sockets) socket.destroy();
    console.log(
      `killed subscribers: 10 streams of a killed process, all announced as left ${goneAfterMs} ms after the kill`,
    );
  }, 60_000);
});

describe("a thousand subscribers churning", () => {
  const CAP = 1000;
  const KEPT = 100;
  const seconds = Number(process.env.CHURN_SECONDS ?? 60);
  let server: LocalServer;
  beforeAll(async () => {
    server = await startWranglerDev({
      vars: { HEARTBEAT_SECONDS: "1", MAX_SUBSCRIBERS: String(CAP) },
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("leaves the room counting exactly the streams still connected", async () => {
    const room = `churn-${Date.now().toString(36)}`;
    let open = await openStreams(server, room, CAP);
    let opened = CAP;
    let closed = 0;
    const until = Date.now() + seconds * 1000;
    while (Date.now() < until) {
      // Close a random tenth, some abruptly, and open as many again.
      const leaving = open.filter(() => Math.random() < 0.1);
      for (const [i, socket] of leaving.entries()) {
        if (i % 2 === 0) socket.destroy();
        else socket.resetAndDestroy();
      }
      closed += leaving.length;
      open = open.filter((socket) => !leaving.includes(socket));
      await sleep(300);
      const fresh = await openStreamsTolerant(server, room, leaving.length);
      opened += fresh.length;
      open.push(...fresh);
    }
    // All but KEPT go; once the heartbeat has found them, exactly CAP - KEPT places are free.
    for (const socket of open.slice(KEPT)) socket.destroy();
    closed += open.length - KEPT;
    open = open.slice(0, KEPT);
    await sleep(2500);
    const refill = await openStreams(server, room, CAP - KEPT);
    expect(await streamStatus(server, room)).toBe(503);
    for (const socket of [...open, ...refill]) socket.destroy();
    console.log(
      `churn: ${seconds} s, ${opened} streams opened, ${closed} closed; the room counted exactly ${KEPT} afterwards`,
    );
  }, 180_000);
});
