import fc from "fast-check";
import { afterEach, describe, it, vi } from "vitest";
import { convergenceProperty } from "./support/workers/convergence-property";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("convergence", () => {
  it("gives a reader that dropped anywhere and resumed with Last-Event-ID the same view as one that stayed", async () => {
    // A room of a few readers serves them all itself.
    await fc.assert(convergenceProperty({ resuming: 1, throughRelays: false, cutWeight: 1 }), { numRuns: 25 });
  }, 120_000);
});
