import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatClient, jsonBody } from "../support/chat-client";
import { startWranglerDev, type WranglerDev } from "../support/node/wrangler-dev";

let server: WranglerDev;

beforeAll(async () => {
  server = await startWranglerDev();
});

afterAll(async () => {
  await server?.stop();
});

/** Every file under `dir`, at any depth: databases, their -wal and -shm files, whatever else. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The files under the server's state whose bytes hold `marker` anywhere. */
function filesHolding(marker: string): string[] {
  const bytes = Buffer.from(marker, "utf8");
  return filesUnder(server.stateDir).filter((file) => readFileSync(file).includes(bytes));
}

describe("deleting a room, on disk", () => {
  it("leaves no byte of what was said in it in any file of the server's state", async () => {
    const chat = chatClient(fetch, server.url);
    const room = `files-${Date.now().toString(36)}`;
    const base = `/r/${room}`;
    const claimed = await chat.call(`${base}/owner`, { method: "POST" });
    expect(claimed.status).toBe(201);
    const { ownerKey } = (await claimed.json()) as { ownerKey: string };
    const owner = { "Chat-Room-Key": ownerKey, "Content-Type": "application/json" };

    // What the room is told, each with a marker of its own: a message, its edit, a topic and a name.
    const said = `said-${randomUUID()}`;
    const edited = `edited-${randomUUID()}`;
    const topic = `topic-${randomUUID()}`;
    const name = `n${randomUUID().slice(0, 8)}`;
    const mina = await chat.joinAs(room, name);
    const id = await chat.sayOk(mina, `the secret is ${said}`);
    const edit = await chat.act(mina, "PATCH", "/messages", { id, msg: `the secret was ${edited}` });
    expect(edit.status).toBe(200);
    await edit.body?.cancel();
    const set = await chat.call(`${base}/room`, { method: "PATCH", headers: owner, body: JSON.stringify({ topic }) });
    expect(set.status).toBe(200);
    await set.body?.cancel();
    const markers = [said, edited, topic, name];

    // Found before: the test looks where the room keeps its storage. (The edit may already have
    // overwritten the first text, which is why each marker is looked for apart.)
    await expect.poll(() => filesHolding(edited), { timeout: 10_000 }).not.toEqual([]);
    expect(filesHolding(topic)).not.toEqual([]);
    expect(filesHolding(name)).not.toEqual([]);

    const deleted = await chat.call(`${base}/room`, {
      method: "DELETE",
      headers: owner,
      ...{ body: jsonBody({ confirm: room }).body },
    });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ room, deleted: true });
    for (const marker of markers) expect(filesHolding(marker), marker).toEqual([]);

    // Still none once the room has been used again, and its files written afresh.
    const again = await chat.call(`${base}/owner`, { method: "POST" });
    expect(again.status).toBe(201);
    const leo = await chat.joinAs(room, "Leo");
    await chat.sayOk(leo, "a new start");
    await expect.poll(() => filesHolding("a new start"), { timeout: 10_000 }).not.toEqual([]);
    for (const marker of markers) expect(filesHolding(marker), marker).toEqual([]);
  });
});
