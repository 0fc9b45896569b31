/**
 * The relays' measurements as Markdown: every point, then at each reader count the room's work
 * per message and the throughput with relays against the room alone.
 */

import { fmt, markdownTable } from "../markdown.ts";
import type { RelayPoint } from "./relay-bench.ts";

function pointsTable(points: RelayPoint[]): string {
  const header = [
    "readers",
    "serving",
    "relays",
    "direct",
    "rate",
    "deliveries/s",
    "p50 ms",
    "p99 ms",
    "max ms",
    "connect ms",
    "server CPU",
    "lost",
    "late",
    "dup",
    "order",
    "recon",
    "room chunks/msg",
    "gen CPU",
  ];
  const rows = points.map(({ mode, chunkPoint, relays, directReaders, roomChunksPerMessage, point: r }) => [
    fmt(r.subscribers),
    mode,
    fmt(relays),
    fmt(directReaders),
    chunkPoint ? `${r.rate} (chunks)` : String(r.rate),
    fmt(r.deliveriesPerSecond),
    fmt(r.p50Ms, 1),
    fmt(r.p99Ms, 1),
    fmt(r.maxMs, 1),
    fmt(r.connectMs),
    `${fmt(r.serverCpu * 100)}%`,
    fmt(r.lost),
    fmt(r.late),
    fmt(r.duplicated),
    fmt(r.outOfOrder),
    fmt(r.reconnects),
    roomChunksPerMessage === null ? "" : fmt(roomChunksPerMessage, 1),
    `${fmt(r.generatorCpu * 100)}%${r.generatorCpu > 0.9 ? " (saturated)" : ""}`,
  ]);
  return markdownTable(header, rows);
}

/** `with / without` as a ratio, or empty where either is missing. */
function ratio(withRelays: number | undefined, without: number | undefined, digits = 2): string {
  return withRelays === undefined || without === undefined || without === 0
    ? ""
    : `${fmt(withRelays / without, digits)}×`;
}

/**
 * At each reader count: the room's chunks per message at the chunk point, and relays against the
 * room alone at the fixed rate (latency) and at the most the room sustains (deliveries/s).
 */
function comparisonTable(points: RelayPoint[]): string {
  const find = (mode: RelayPoint["mode"], readers: number, kind: "chunks" | "fixed" | "max") =>
    points.find(
      (p) =>
        p.mode === mode &&
        p.point.subscribers === readers &&
        (kind === "chunks" ? p.chunkPoint : !p.chunkPoint && (p.point.rate === "max") === (kind === "max")),
    );
  const readerCounts = [...new Set(points.map((p) => p.point.subscribers))].sort((a, b) => a - b);
  const rows = readerCounts.map((readers) => {
    const relayed = find("relays", readers, "fixed");
    const alone = find("one object", readers, "fixed");
    const relayedMax = find("relays", readers, "max");
    const aloneMax = find("one object", readers, "max");
    const chunks = (p: RelayPoint | undefined) =>
      p?.roomChunksPerMessage == null ? "" : fmt(p.roomChunksPerMessage, 1);
    const latency = (p: RelayPoint | undefined) => (p ? `${fmt(p.point.p50Ms, 1)} / ${fmt(p.point.p99Ms, 1)}` : "");
    return [
      fmt(readers),
      relayed ? `${fmt(relayed.relays)} + ${fmt(relayed.directReaders)}` : "",
      chunks(find("relays", readers, "chunks")),
      chunks(find("one object", readers, "chunks")),
      latency(relayed),
      latency(alone),
      ratio(relayed?.point.p99Ms, alone?.point.p99Ms),
      relayedMax ? fmt(relayedMax.point.deliveriesPerSecond) : "",
      aloneMax ? fmt(aloneMax.point.deliveriesPerSecond) : "",
      ratio(relayedMax?.point.deliveriesPerSecond, aloneMax?.point.deliveriesPerSecond),
    ];
  });
  const fixed = points.find((p) => !p.chunkPoint && p.point.rate !== "max")?.point.rate ?? 10;
  const chunkRate = points.find((p) => p.chunkPoint)?.point.rate ?? "";
  return markdownTable(
    [
      "readers",
      "relays + direct",
      `room chunks/msg at ${chunkRate}/s, relays`,
      "…, one object",
      `p50 / p99 ms at ${fixed}/s, relays`,
      "…, one object",
      "p99 ratio",
      "deliveries/s at max, relays",
      "…, one object",
      "throughput ratio",
    ],
    rows,
  );
}

/** The whole report: every point, the comparison, and what went wrong. */
export function relayReport(points: RelayPoint[], failures: string[]): string {
  const failed =
    failures.length > 0
      ? `\n\nRuns that failed:\n${failures.map((f) => `- ${f.replace(/\s+/g, " ").slice(0, 300)}`).join("\n")}`
      : "";
  return `${pointsTable(points)}\n\n${comparisonTable(points)}${failed}`;
}
