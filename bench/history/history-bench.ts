/**
 * A room's history at scale: `npm run bench -- --targets history`. One workerd serves the
 * product's room (bundled with one route more, bench/history/worker/) and a second serves it with
 * the search index given nothing. Both rooms are filled through the room's own `post`, in calls
 * of thousands of posts made inside the object, to each checkpoint (by default 1,000, 100,000
 * and 1,000,000 messages). At each checkpoint it measures:
 *
 * - posting: the server's CPU per message over the last posts before the checkpoint, each in a
 *   transaction of its own as posts arriving one by one are, in both rooms in turn;
 * - then, in the indexed room after a restart of its server (state kept): a new reader's
 *   greeting once cold and then many times, pages of 50 messages before random ids, searches
 *   for a rare word, a common word, two prefixes and a CJK pair, each timed from Node over HTTP;
 * - the isolate's JavaScript heap after a collection and the server's RSS, with the room warm;
 * - the room's SQLite files on disk, per message, with the index and without.
 */
import type { LocalServer } from "../../test/support/node/local-server.ts";
import { isolateHeapBytes } from "../isolate-heap.ts";
import { groupRss } from "../process-stats.ts";
import {
  CJK_TERM,
  COMMON_WORD,
  indexWithUniqueWord,
  LONG_PREFIX,
  SHORT_PREFIX,
  uniqueWord,
} from "./conversation-texts.ts";
import type { HistoryBenchResult, HistoryCheckpoint, ReaderReadings, SearchKind } from "./history-report.ts";
import { greeting, historyPage, search, type Timing, timed } from "./reader-timings.ts";
import { bundleSeedingWorker, type Seeded, SeedingServer } from "./seeding-server.ts";
import { storageBytes } from "./server-readings.ts";

/** The last posts before each checkpoint, made one by one and timed for CPU. */
const POSTING_TAIL = 2_000;
/** Rounds the timed posts are made in, the two rooms taking turns, so that both see the same machine. */
const POSTING_ROUNDS = 4;
const PAGE_REQUESTS = 1_000;
const SEARCH_REQUESTS = 300;
const GREETINGS = 100;
const PAGE_LIMIT = 50;

/** Runs the history benchmark; `checkpoints` are message counts, ascending. */
export async function runHistoryBench(checkpoints: number[], cpu?: string): Promise<HistoryBenchResult> {
  process.stdout.write("  bundling the seeding Worker…\n");
  const script = bundleSeedingWorker();
  const indexed = await SeedingServer.start(script, { index: true, cpu });
  const unindexed = await SeedingServer.start(script, { index: false, cpu }).catch(async (error: unknown) => {
    await indexed.server.stop();
    throw error;
  });
  try {
    const results: HistoryCheckpoint[] = [];
    for (const messages of checkpoints) {
      const tail = Math.min(POSTING_TAIL, messages - indexed.seeded);
      process.stdout.write(`  seeding ${messages.toLocaleString("en-US")} messages…\n`);
      const seeding = await indexed.seedTo(messages - tail);
      const seedingWithout = await unindexed.seedTo(messages - tail);
      const [posting, postingWithout] = await postInTurns(indexed, unindexed, messages, tail);
      const diskWithout = storageBytes(unindexed.server.pgid);
      process.stdout.write("  measuring…\n");
      results.push({
        messages,
        seedingSeconds: seeding.wallSeconds,
        seedingCpuPerMessageUs: cpuPerMessageUs(seeding),
        seedingCpuPerMessageWithoutIndexUs: cpuPerMessageUs(seedingWithout),
        postCpuPerMessageUs: cpuPerMessageUs(posting),
        postCpuPerMessageWithoutIndexUs: cpuPerMessageUs(postingWithout),
        diskBytesPerMessageWithoutIndex: (diskWithout.database + diskWithout.wal) / messages,
        ...(await readings(indexed)),
      });
      const last = results.at(-1);
      if (last) process.stdout.write(`  ${JSON.stringify(last)}\n`);
    }
    return { checkpoints: results };
  } finally {
    await Promise.all([indexed.server.stop(), unindexed.server.stop()]);
  }
}

function cpuPerMessageUs(seeded: Seeded): number {
  return (seeded.cpuSeconds * 1e6) / Math.max(1, seeded.messages);
}

/**
 * Seeds both rooms up to `messages`, the last `tail` posts one by one, the rooms taking turns;
 * returns what those posts cost each.
 */
async function postInTurns(
  indexed: SeedingServer,
  unindexed: SeedingServer,
  messages: number,
  tail: number,
): Promise<[Seeded, Seeded]> {
  const totals: [Seeded, Seeded] = [
    { messages: 0, cpuSeconds: 0, wallSeconds: 0 },
    { messages: 0, cpuSeconds: 0, wallSeconds: 0 },
  ];
  for (let round = 1; round <= POSTING_ROUNDS; round++) {
    const upTo = messages - tail + Math.round((tail * round) / POSTING_ROUNDS);
    for (const [i, room] of [indexed, unindexed].entries()) {
      const seeded = await room.seedTo(upTo, { oneByOne: true });
      const total = totals[i === 0 ? 0 : 1];
      total.messages += seeded.messages;
      total.cpuSeconds += seeded.cpuSeconds;
      total.wallSeconds += seeded.wallSeconds;
    }
  }
  return totals;
}

/** What a reader meets in the indexed room, measured after a restart of its server. */
async function readings(room: SeedingServer): Promise<ReaderReadings> {
  const { server } = room;
  await server.restart();
  const base = `${server.url}/r/${room.room}`;
  const coldStart = performance.now();
  await greeting(server.url, room.room);
  const coldGreetingMs = performance.now() - coldStart;
  const latest = room.seeded;
  const page = await timed(PAGE_REQUESTS, () => historyPage(base, 2 + Math.floor(Math.random() * latest), PAGE_LIMIT));
  const searches = await searchTimings(base, room.seeded);
  const greetings = await timed(GREETINGS, () => greeting(server.url, room.room), 5);
  const disk = storageBytes(server.pgid);
  return {
    coldGreetingMs,
    greeting: greetings,
    page,
    searches,
    heapBytes: (await heapOf(server)) ?? null,
    rssBytes: groupRss(server.pgid),
    diskBytesPerMessage: (disk.database + disk.wal) / room.seeded,
    disk,
  };
}

async function heapOf(server: LocalServer): Promise<number | undefined> {
  return server.inspectorUrl ? isolateHeapBytes(server.inspectorUrl) : undefined;
}

/** Each kind of search timed, with how many results the last of its requests found. */
async function searchTimings(base: string, seeded: number): Promise<Record<SearchKind, Timing & { results: number }>> {
  const queries: Record<SearchKind, () => string> = {
    rare: () => uniqueWord(indexWithUniqueWord(seeded, Math.random())) ?? "",
    common: () => COMMON_WORD,
    shortPrefix: () => SHORT_PREFIX,
    longPrefix: () => LONG_PREFIX,
    cjk: () => CJK_TERM,
  };
  const timings = {} as Record<SearchKind, Timing & { results: number }>;
  for (const [kind, query] of Object.entries(queries) as [SearchKind, () => string][]) {
    let results = 0;
    const timing = await timed(SEARCH_REQUESTS, async () => {
      results = await search(base, query());
    });
    timings[kind] = { ...timing, results };
  }
  return timings;
}
