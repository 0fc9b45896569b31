import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "./dev-server";
import { readEvents } from "./sse-client";

let server: DevServer;

beforeAll(async () => {
  server = await startDevServer();
});

afterAll(async () => {
  await server?.stop();
});

/** A cookie jar for one client, as `curl -c jar -b jar` keeps it. */
class CookieJar {
  readonly #cookies = new Map<string, string>();

  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const separator = pair?.indexOf("=") ?? -1;
      if (!pair || separator < 0) continue;
      const name = pair.slice(0, separator);
      const value = pair.slice(separator + 1);
      if (/Max-Age=0/i.test(line)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
}

describe("the original client's flow against wrangler dev", () => {
  it("streams the join, the message and the leave with increasing ids", async () => {
    const jar = new CookieJar();
    const send = async (method: string, path: string, body?: string) => {
      const response = await fetch(server.url + path, {
        method,
        headers: {
          Cookie: jar.header(),
          ...(body === undefined ? {} : { "Content-Type": "application/x-www-form-urlencoded" }),
        },
        body,
      });
      jar.take(response);
      return response;
    };

    const stream = await fetch(`${server.url}/stream`, { headers: { Cookie: jar.header() } });
    expect(stream.headers.get("Content-Type")).toBe("text/event-stream; charset=utf-8");
    expect(stream.headers.get("Content-Encoding")).toBe("identity");
    jar.take(stream);
    const events = readEvents(stream);

    expect((await send("POST", "/users/", "name=alice")).status).toBe(201);
    expect((await send("POST", "/messages", "msg=hi&name=alice")).status).toBe(201);
    expect((await send("DELETE", "/users?username=alice")).status).toBe(200);

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
    await events.close();
  });

  it("serves the chat page and its assets", async () => {
    for (const path of ["/", "/r/friends/", "/app.js", "/style.css"]) {
      const response = await fetch(server.url + path);
      expect(response.status, path).toBe(200);
      await response.body?.cancel();
    }
  });
});
