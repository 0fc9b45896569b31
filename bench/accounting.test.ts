import { describe, expect, it } from "vitest";
import { DeliveryLedger, percentile } from "./accounting.ts";
import { benchMessage, SseScanner } from "./sse-scanner.ts";

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

describe("the benchmark's stream scanner", () => {
  it("finds the sequence number and event id of frames split across chunks", () => {
    const scanner = new SseScanner();
    const found: [number, number][] = [];
    const data = (seq: number) => JSON.stringify({ name: "bench", msg: benchMessage(seq, 100), kind: "message" });
    const text = `retry: 2000\n\nid: 7\ndata: ${data(41)}\n\n: heartbeat\n\nid: 8\ndata: ${data(42)}\n\n`;
    for (let i = 0; i < text.length; i += 13) scanner.push(text.slice(i, i + 13), (seq, id) => found.push([seq, id]));
    expect(found).toEqual([
      [41, 7],
      [42, 8],
    ]);
  });

  it("reports the id of frames that carry no benchmark message, such as the greeting's position", () => {
    const scanner = new SseScanner();
    const positions: number[] = [];
    const found: number[] = [];
    const text = 'retry: 2000\n\nevent: presence\nid: 350\ndata: {"users":[{"name":"id: 9"}]}\n\n: heartbeat\n\n';
    scanner.push(
      text,
      (seq) => found.push(seq),
      (id) => positions.push(id),
    );
    expect(positions).toEqual([350]);
    expect(found).toEqual([]);
  });

  it("ignores chat events that are not the benchmark's", () => {
    const scanner = new SseScanner();
    const found: number[] = [];
    scanner.push('id: 1\ndata: {"name":"","msg":"add user : bench"}\n\n', (seq) => found.push(seq));
    expect(found).toEqual([]);
  });

  it("pads messages to about the requested event size", () => {
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
