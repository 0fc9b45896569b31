import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRawStream } from "../test/support/node/raw-http-stream.ts";
import { SseEventParser } from "../test/support/sse-events.ts";
import { benchMessage, benchSequence } from "./bench-message.ts";
import { isolateHeapBytes } from "./isolate-heap.ts";
import { startWorkerdFloor, type Target } from "./targets.ts";

describe("the benchmark's runtime floor, served by workerd", () => {
  let floor: Target;
  beforeAll(async () => {
    floor = await startWorkerdFloor(undefined);
  }, 60_000);
  afterAll(() => floor?.stop());

  it("fans each posted message out to every subscriber, once, with its id", async () => {
    const { hostname, port } = new URL(floor.url);
    const received: [number, number][][] = [[], []];
    const sockets: Socket[] = await Promise.all(
      received.map((events) => {
        const parser = new SseEventParser(({ data, id }) => events.push([benchSequence(data), Number(id)]));
        return openRawStream(hostname, Number(port), "/r/floor-test/stream", (bytes) =>
          parser.feed(bytes.toString("latin1")),
        );
      }),
    );
    for (const seq of [0, 1]) {
      const response = await fetch(`${floor.url}/r/floor-test/messages`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ msg: benchMessage(seq, 100) }),
      });
      expect(response.status).toBe(201);
    }
    await expect.poll(() => received.map((events) => events.length)).toEqual([2, 2]);
    expect(received).toEqual([
      [
        [0, 1],
        [1, 2],
      ],
      [
        [0, 1],
        [1, 2],
      ],
    ]);
    for (const socket of sockets) socket.destroy();
  });

  it("lets the benchmark read its isolate's heap through the inspector", async () => {
    expect(floor.inspectorUrl).toBeDefined();
    const bytes = await isolateHeapBytes(floor.inspectorUrl ?? "");
    expect(bytes).toBeGreaterThan(100_000);
  });
});
