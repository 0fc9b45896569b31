/** What the history benchmark measured, its table, and each target met or missed. */

import { fmt, markdownTable } from "../markdown.ts";
import type { Timing } from "./reader-timings.ts";
import type { StorageBytes } from "./server-readings.ts";

/** The searches timed: a word one message holds, a word in about 15% of them, two prefixes, a CJK pair. */
export type SearchKind = "rare" | "common" | "shortPrefix" | "longPrefix" | "cjk";

/** What a reader meets in the indexed room at a checkpoint, with the room warm after a restart. */
export interface ReaderReadings {
  /** The first greeting after the server restarted: the room built from its storage first. */
  coldGreetingMs: number;
  greeting: Timing;
  page: Timing;
  searches: Record<SearchKind, Timing & { results: number }>;
  /** The isolate's JavaScript heap after a collection; null where the inspector did not answer. */
  heapBytes: number | null;
  rssBytes: number;
  /** The room's database and its write-ahead log, per message. */
  diskBytesPerMessage: number;
  disk: StorageBytes;
}

/** The rooms once they hold `messages` messages. */
export interface HistoryCheckpoint extends ReaderReadings {
  messages: number;
  /** Wall time to seed the indexed room from the last checkpoint, in calls of thousands of posts. */
  seedingSeconds: number;
  seedingCpuPerMessageUs: number;
  seedingCpuPerMessageWithoutIndexUs: number;
  /** Server CPU per post made one by one, each post its own transaction. */
  postCpuPerMessageUs: number;
  postCpuPerMessageWithoutIndexUs: number;
  diskBytesPerMessageWithoutIndex: number;
}

export interface HistoryBenchResult {
  checkpoints: HistoryCheckpoint[];
}

const SEARCH_LABELS: Record<SearchKind, string> = {
  rare: "search, a rare word (in one message)",
  common: "search, a common word (in ~15%)",
  shortPrefix: "search, a 3-letter prefix",
  longPrefix: "search, a 4-letter prefix",
  cjk: "search, a 2-character CJK term",
};

const PAGE_TARGET_MS = 10;
const SEARCH_TARGET_MS = 50;
const POSTING_TARGET = 1.3;
const GREETING_TARGET = 1.2;
const MEMORY_TARGET = 1.1;

function verdict(met: boolean): string {
  return met ? "met" : "**missed**";
}

/** The results as a Markdown table, one column a checkpoint, and what the largest room shows against the smallest. */
export function historyReport({ checkpoints }: HistoryBenchResult): string {
  const first = checkpoints[0];
  const last = checkpoints.at(-1);
  if (!first || !last) return "No checkpoint was measured.";
  const rows: string[][] = [];
  const row = (what: string, cell: (c: HistoryCheckpoint) => string, target = "", met = "") =>
    rows.push([what, ...checkpoints.map(cell), target, met]);
  const everywhere = (within: (c: HistoryCheckpoint) => boolean) => verdict(checkpoints.every(within));
  const postingRatio = (c: HistoryCheckpoint) => c.postCpuPerMessageUs / c.postCpuPerMessageWithoutIndexUs;

  row("seeding, s (calls of 5,000 posts)", (c) => fmt(c.seedingSeconds, 1));
  row(
    "page of 50 before a random id, p50 / p99 ms",
    (c) => `${fmt(c.page.p50Ms, 1)} / ${fmt(c.page.p99Ms, 1)}`,
    `p99 ≤ ${PAGE_TARGET_MS} ms`,
    everywhere((c) => c.page.p99Ms <= PAGE_TARGET_MS),
  );
  for (const kind of Object.keys(SEARCH_LABELS) as SearchKind[]) {
    row(
      `${SEARCH_LABELS[kind]}, p50 / p99 ms (results)`,
      (c) => `${fmt(c.searches[kind].p50Ms, 1)} / ${fmt(c.searches[kind].p99Ms, 1)} (${c.searches[kind].results})`,
      `p99 ≤ ${SEARCH_TARGET_MS} ms`,
      everywhere((c) => c.searches[kind].p99Ms <= SEARCH_TARGET_MS),
    );
  }
  row(
    "posting one by one, server CPU µs/message, with index / without",
    (c) => `${fmt(c.postCpuPerMessageUs)} / ${fmt(c.postCpuPerMessageWithoutIndexUs)}`,
  );
  row(
    "posting, with index ÷ without",
    (c) => `${fmt(postingRatio(c), 2)}×`,
    `≤ ${POSTING_TARGET}×`,
    everywhere((c) => postingRatio(c) <= POSTING_TARGET),
  );
  row(
    "seeding in calls of 5,000, CPU µs/message, with index / without",
    (c) => `${fmt(c.seedingCpuPerMessageUs)} / ${fmt(c.seedingCpuPerMessageWithoutIndexUs)}`,
  );
  const greetingRatio = last.greeting.p50Ms / first.greeting.p50Ms;
  row(
    "new reader's greeting until its history arrived, p50 / p99 ms",
    (c) => `${fmt(c.greeting.p50Ms, 1)} / ${fmt(c.greeting.p99Ms, 1)}`,
    `≤ ${GREETING_TARGET}× the smallest room`,
    `p50 ${fmt(greetingRatio, 2)}×: ${verdict(greetingRatio <= GREETING_TARGET)}`,
  );
  row("first greeting after a restart, ms", (c) => fmt(c.coldGreetingMs, 1));
  const heapRatio = last.heapBytes !== null && first.heapBytes !== null ? last.heapBytes / first.heapBytes : undefined;
  row(
    "isolate JS heap, MB",
    (c) => (c.heapBytes === null ? "" : fmt(c.heapBytes / 2 ** 20, 1)),
    `≤ ${MEMORY_TARGET}× the smallest room`,
    heapRatio === undefined ? "not read" : `${fmt(heapRatio, 2)}×: ${verdict(heapRatio <= MEMORY_TARGET)}`,
  );
  const rssRatio = last.rssBytes / first.rssBytes;
  row("workerd RSS, MB", (c) => fmt(c.rssBytes / 2 ** 20, 1), "", `${fmt(rssRatio, 2)}×`);
  row(
    "disk per message (database + WAL), bytes, with index / without",
    (c) => `${fmt(c.diskBytesPerMessage)} / ${fmt(c.diskBytesPerMessageWithoutIndex)}`,
    "reported",
  );

  const header = ["", ...checkpoints.map((c) => `${fmt(c.messages)} messages`), "target", "met"];
  return markdownTable(header, rows);
}
