/**
 * `npm run bench -- --targets relay-farm`: a room's correctness with relays at 20,000 readers in
 * workerd alone, its readers held inside workerd by reader farms (bench/relays/farm/) so that
 * they need no socket. A participant posts a few messages over HTTP; every reader must receive
 * each once, in order of event id. The same readers are then served by the room alone, to count
 * the chunks it writes per message each way. Written to bench/results/relay-farm.json and .md (a quick run
 * to quick.relay-farm.*, a run with other options to partial.relay-farm.*).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chatClient } from "../../test/support/chat-client.ts";
import { PROJECT_ROOT } from "../../test/support/node/project-root.ts";
import { serveWithWorkerd } from "../../test/support/node/workerd.ts";
import { readWranglerConfig } from "../../test/support/node/wrangler-config.ts";
import { benchMessage } from "../bench-message.ts";
import { bundleBenchWorker } from "../bundle-worker.ts";
import { fmt, markdownTable } from "../markdown.ts";
import { BENCH_VARS } from "../targets.ts";
import { FARM_OPEN_PATH, FARM_PROGRESS_PATH, type FarmProgress } from "./farm-route.ts";
import { READERS_PER_OBJECT, type RelayMode } from "./relay-bench.ts";
import { type RoomCounters, roomCounters } from "./room-counters.ts";

/** Readers each farm object holds: one object's worth, as a relay holds. */
const READERS_PER_FARM = 1000;
const OPERATOR_TOKEN = "bench-operator";
const MESSAGE_BYTES = 100;
const CONNECT_LIMIT_MS = 300_000;
const DELIVERY_LIMIT_MS = 120_000;
/**
 * Seconds between heartbeats, and of presence grace, longer than a run: the chunks the room
 * writes while the messages are posted are the messages', with no heartbeat among them and no
 * leave of the poster, who holds no stream.
 */
const QUIET_SECONDS = "3600";

export interface RelayFarmRun {
  machine: string;
  stem: string;
  readers: number;
  messages: number;
  cpu?: string;
}

export interface RelayFarmResult {
  mode: RelayMode;
  readers: number;
  farms: number;
  readersPerObject: number;
  messages: number;
  /** The room's counts once every reader had connected. */
  room: RoomCounters;
  /** Chunks the room itself wrote per message posted, to its readers and its relays. */
  roomChunksPerMessage: number | null;
  progress: FarmProgress;
  /** From asking the farms to open their readers until every one was answered. */
  connectMs: number;
  /** Posting the messages one after another, each awaited. */
  postMs: number;
  /** From the first post until every reader had every message; null if some never did. */
  deliverMs: number | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function post(url: string, body: unknown): Promise<Response> {
  const response = await fetch(url, { method: "POST", body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
  return response;
}

/** Polls `read` until `done` holds or `limitMs` passes; answers the last reading and whether it held. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, limitMs: number, everyMs: number) {
  const started = performance.now();
  for (;;) {
    const value = await read();
    if (done(value)) return { value, held: true, ms: performance.now() - started };
    if (performance.now() - started > limitMs) return { value, held: false, ms: performance.now() - started };
    await sleep(everyMs);
  }
}

/** Serves the farm Worker, fills the room with readers, posts, and waits for every delivery. */
async function runRelayFarm(run: RelayFarmRun, mode: RelayMode, script: string): Promise<RelayFarmResult> {
  process.stdout.write(`  ${mode}\n`);
  const wrangler = readWranglerConfig();
  const readersPerObject = mode === "relays" ? READERS_PER_OBJECT : Math.max(READERS_PER_OBJECT, run.readers);
  // Every farm reader comes from the one address workerd alone gives all (none), so the caps are raised past them.
  const vars = {
    ...wrangler.vars,
    ...BENCH_VARS,
    MAX_SUBSCRIBERS: "100000",
    MAX_STREAMS_PER_CLIENT: "100000",
    READERS_PER_OBJECT: String(readersPerObject),
    HEARTBEAT_SECONDS: QUIET_SECONDS,
    PRESENCE_GRACE_SECONDS: QUIET_SECONDS,
    ADMIN_TOKEN: OPERATOR_TOKEN,
  };
  const server = await serveWithWorkerd(
    {
      name: "workerd, reader farm",
      script,
      className: "ChatRoom",
      relayClassName: "ChatRelay",
      moreObjects: { READER_FARM: "ReaderFarm" },
      vars,
      cpu: run.cpu,
    },
    wrangler,
  );
  try {
    const room = `relay-farm-${run.readers}-${Date.now().toString(36)}`;
    const farms = Math.ceil(run.readers / READERS_PER_FARM);
    let acknowledged: number[] = [];
    const progress = async () =>
      (await (await post(`${server.url}${FARM_PROGRESS_PATH}`, { room, farms, acknowledged })).json()) as FarmProgress;
    const client = chatClient(fetch, server.url);
    const poster = await client.joinAs(room, "poster");
    const opening = performance.now();
    await post(`${server.url}${FARM_OPEN_PATH}`, { room, farms, readers: run.readers });
    const connected = await until(progress, (p) => p.connected + p.refused >= run.readers, CONNECT_LIMIT_MS, 500);
    const connectMs = performance.now() - opening;
    process.stdout.write(
      `  ${fmt(connected.value.connected)} of ${fmt(run.readers)} readers connected in ${fmt(Math.round(connectMs))} ms\n`,
    );
    if (!connected.held || connected.value.refused > 0) {
      throw new Error(`readers did not all connect: ${JSON.stringify(connected.value)}`);
    }
    const counters = await roomCounters(server.url, room, OPERATOR_TOKEN);
    const firstPost = performance.now();
    for (let seq = 0; seq < run.messages; seq++) {
      await client.sayOk(poster, benchMessage(seq, MESSAGE_BYTES));
      acknowledged = [...acknowledged, seq];
    }
    const postMs = performance.now() - firstPost;
    const delivered = await until(progress, (p) => p.lost === 0, DELIVERY_LIMIT_MS, 100);
    const deliverMs = delivered.held ? performance.now() - firstPost : null;
    const after = await roomCounters(server.url, room, OPERATOR_TOKEN);
    const chunks =
      counters.chunksSent === null || after.chunksSent === null ? null : after.chunksSent - counters.chunksSent;
    return {
      mode,
      readers: run.readers,
      farms,
      readersPerObject,
      messages: acknowledged.length,
      room: counters,
      roomChunksPerMessage: chunks === null ? null : chunks / Math.max(1, acknowledged.length),
      progress: delivered.value,
      connectMs,
      postMs,
      deliverMs,
    };
  } catch (error) {
    const tail = server.output().split("\n").slice(-10).join("\n");
    throw new Error(`${String(error)}\nserver output:\n${tail}`);
  } finally {
    await server.stop();
  }
}

/** The runs as one Markdown table, a row each. */
function report(results: RelayFarmResult[]): string {
  const ms = (value: number | null) => (value === null ? "not all" : fmt(Math.round(value)));
  const columns: [string, (r: RelayFarmResult) => string][] = [
    ["readers", (r) => fmt(r.readers)],
    ["serving", (r) => r.mode],
    ["farms", (r) => fmt(r.farms)],
    ["relays", (r) => fmt(r.room.relays)],
    ["direct", (r) => fmt(r.room.directReaders)],
    ["messages", (r) => fmt(r.messages)],
    ["deliveries", (r) => fmt(r.progress.delivered)],
    ["expected", (r) => fmt(r.progress.expected)],
    ["lost", (r) => fmt(r.progress.lost)],
    ["dup", (r) => fmt(r.progress.duplicated)],
    ["order", (r) => fmt(r.progress.outOfOrder)],
    ["reopened", (r) => fmt(r.progress.reopened)],
    ["room chunks/msg", (r) => (r.roomChunksPerMessage === null ? "" : fmt(r.roomChunksPerMessage, 1))],
    ["connect ms", (r) => ms(r.connectMs)],
    ["post ms", (r) => ms(r.postMs)],
    ["deliver ms", (r) => ms(r.deliverMs)],
  ];
  return markdownTable(
    columns.map(([header]) => header),
    results.map((r) => columns.map(([, cell]) => cell(r))),
  );
}

/**
 * Runs it with relays, then with the room alone, and writes the results; answers whether anything
 * was lost, doubled or reordered, or a run failed.
 */
export async function benchRelayFarm(run: RelayFarmRun): Promise<boolean> {
  process.stdout.write(`\nrelays in workerd, readers in reader farms (${fmt(run.readers)} readers)\n`);
  const dir = join(PROJECT_ROOT, "bench/results");
  mkdirSync(dir, { recursive: true });
  process.stdout.write("  bundling the reader farm's Worker…\n");
  const script = bundleBenchWorker("bench/relays/farm/farm-worker.ts");
  const results: RelayFarmResult[] = [];
  const failures: string[] = [];
  for (const mode of ["relays", "one object"] as const) {
    try {
      results.push(await runRelayFarm(run, mode, script));
    } catch (error) {
      failures.push(`${mode}: ${String(error)}`);
    }
  }
  const broken =
    failures.length > 0 ||
    results.some((r) => r.progress.lost + r.progress.duplicated + r.progress.outOfOrder > 0 || r.deliverMs === null);
  const text = [
    results.length > 0 ? report(results) : "",
    `Each farm object held up to ${fmt(READERS_PER_FARM)} readers; with relays, each relay serves up to ${fmt(READERS_PER_OBJECT)} (READERS_PER_OBJECT), and "one object" raises READERS_PER_OBJECT past the readers. The readers share workerd's one thread with the room and its relays, so the times include their own reading and parsing: they show that every delivery happened, not how fast a deployment would make it.`,
    ...failures.map((failure) => `The run failed: ${failure}`),
  ]
    .filter(Boolean)
    .join("\n\n");
  const json = { date: new Date().toISOString(), machine: run.machine, runs: results, failures };
  process.stdout.write(`\n${text}\n`);
  writeFileSync(join(dir, `${run.stem}.json`), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(dir, `${run.stem}.md`), `Machine: ${run.machine}\n\n${text}\n`);
  process.stdout.write(`\nWrote bench/results/${run.stem}.json and ${run.stem}.md\n`);
  return broken;
}
