import { describe, expect, it } from "vitest";
import { heartbeatsUntil } from "./heartbeats";
import { freshRoom } from "./rooms";
import { openStream } from "./workers/self-client";

describe("waiting on a stream's heartbeats", () => {
  it("checks again after each heartbeat until the condition holds", async () => {
    const { reader } = await openStream(freshRoom());
    let checks = 0;
    await heartbeatsUntil(reader, () => ++checks === 3, "never held");
    expect(checks).toBe(3);
    expect(reader.comments).toBeGreaterThanOrEqual(2);
    await reader.cancel();
  });

  it("fails, saying what it waited for, when the condition never holds", async () => {
    const { reader } = await openStream(freshRoom());
    const started = Date.now();
    await expect(heartbeatsUntil(reader, () => false, "the room never did it", 600)).rejects.toThrow(
      /^the room never did it \(waited 600 ms, \d+ heartbeats\)$/,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    await reader.cancel();
  });
});
