import { describe, expect, it } from "vitest";
import { DeliveryLedger, percentile } from "./accounting.ts";
import { benchMessage, benchSequence } from "./bench-message.ts";

describe("the benchmark's delivery ledger", () => {
  it("finds nothing wrong when every subscriber got every message once, in order", () => {
    const ledger = new DeliveryLedger(2);
    for (const subscriber of [0, 1]) for (let seq = 0; seq < 3; seq++) ledger.record(subscriber, seq, seq + 10, 5);
    expect(ledger.summarize([0, 1, 2])).toMatchObject({
      expected: 6,
      delivered: 6,
      lost: 0,
      duplicated: 0,
      outOfOrder: 0,
    });
  });

  it("counts a message a subscriber never got as lost, per subscriber", () => {
    const ledger = new DeliveryLedger(2);
    ledger.record(0, 0, 1, 1);
    ledger.record(0, 1, 2, 1);
    ledger.record(1, 0, 1, 1);
    expect(ledger.summarize([0, 1])).toMatchObject({ expected: 4, delivered: 3, lost: 1 });
  });

  it("counts only acknowledged messages as owed", () => {
    const ledger = new DeliveryLedger(1);
    ledger.record(0, 0, 1, 1);
    // Message 1 was refused by the server, so its absence is no loss.
    expect(ledger.summarize([0]).lost).toBe(0);
  });

  it("counts a message received twice as duplicated, once", () => {
    const ledger = new DeliveryLedger(1);
    ledger.record(0, 0, 1, 1);
    ledger.record(0, 0, 1, 1);
    expect(ledger.summarize([0])).toMatchObject({ delivered: 2, duplicated: 1, lost: 0 });
  });

  it("judges order by event id, since concurrent publishers' sequence numbers may be reordered", () => {
    const ledger = new DeliveryLedger(1);
    ledger.record(0, 1, 1, 1); // seq 1 reached the server first: id 1
    ledger.record(0, 0, 2, 1); // seq 0 second: id 2
    expect(ledger.summarize([0, 1]).outOfOrder).toBe(0);
    ledger.record(0, 2, 2, 1); // an id that does not grow
    expect(ledger.summarize([0, 1, 2]).outOfOrder).toBe(1);
  });

  it("reports nearest-rank percentiles of latency", () => {
    const ledger = new DeliveryLedger(1);
    for (let seq = 0; seq < 100; seq++) ledger.record(0, seq, seq + 1, seq + 1);
    expect(ledger.summarize(Array.from({ length: 100 }, (_, i) => i))).toMatchObject({
      p50Ms: 50,
      p99Ms: 99,
      maxMs: 100,
    });
    expect(percentile([], 0.5)).toBe(0);
  });
});

describe("the benchmark's messages", () => {
  it("carry their sequence number where a subscriber finds it without parsing JSON", () => {
    const data = JSON.stringify({ name: "bench", msg: benchMessage(42, 100), kind: "message", user: "bench" });
    expect(benchSequence(data)).toBe(42);
  });

  it("are told apart from chat events that are not the benchmark's", () => {
    expect(benchSequence('{"name":"","msg":"add user : bench"}')).toBe(-1);
    expect(benchSequence('{"name":"x","msg":"#no number"}')).toBe(-1);
    expect(benchSequence('{"users":[{"name":"bench"}]}')).toBe(-1);
  });

  it("are padded to about the requested event size", () => {
    const json = JSON.stringify({
      name: "bench",
      msg: benchMessage(123, 100),
      kind: "message",
      user: "bench",
      at: Date.now(),
    });
    expect(json.length).toBeGreaterThan(90);
    expect(json.length).toBeLessThan(110);
  });
});
