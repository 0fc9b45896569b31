import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatClient, form } from "../support/chat-client";
import { CookieJar } from "../support/cookies";
import type { LocalServer } from "../support/node/local-server";
import { startWranglerDev } from "../support/node/wrangler-dev";

let server: LocalServer;

beforeAll(async () => {
  server = await startWranglerDev();
});

afterAll(async () => {
  await server?.stop();
});

describe("the original client's flow against wrangler dev", () => {
  it("streams the join, the message and the leave with increasing ids", async () => {
    // The original client is a page: its cookies go with every request, the stream's included.
    const client = chatClient(fetch, server.url, { cookies: new CookieJar() });
    const { response: stream, reader: events } = await client.openStream(undefined);
    expect(stream.headers.get("Content-Type")).toBe("text/event-stream; charset=utf-8");
    expect(stream.headers.get("Content-Encoding")).toBe("identity");

    expect((await client.call("/users/", { method: "POST", ...form({ name: "alice" }) })).status).toBe(201);
    expect((await client.call("/messages", { method: "POST", ...form({ msg: "hi", name: "alice" }) })).status).toBe(
      201,
    );
    expect((await client.call("/users?username=alice", { method: "DELETE" })).status).toBe(200);

    const received = await events.until((event) => event.data.includes("left user : alice"), 5000);
    const chat = received
      .filter((event) => event.event === "message")
      .map((event) => ({
        id: Number(event.id),
        ...(JSON.parse(event.data) as { name: string; msg: string }),
      }));
    expect(chat.map(({ name, msg }) => ({ name, msg }))).toEqual([
      { name: "", msg: "add user : alice" },
      { name: "alice", msg: "hi" },
      { name: "", msg: "left user : alice" },
    ]);
    const [join, message, leave] = chat.map((event) => event.id);
    expect(join).toBeLessThan(message ?? 0);
    expect(message).toBeLessThan(leave ?? 0);
    await events.cancel();
  });

  it("serves the chat page and its assets", async () => {
    for (const path of ["/", "/r/friends/", "/app.js", "/style.css"]) {
      const response = await fetch(server.url + path);
      expect(response.status, path).toBe(200);
      await response.body?.cancel();
    }
  });
});
