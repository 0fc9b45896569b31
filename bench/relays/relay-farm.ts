/**
 * `npm run bench -- --targets relay-farm`: a room's correctness with relays at 20,000 readers in
 * workerd alone, its readers held inside workerd by reader farms (bench/relays/farm/) so that
 * they need no socket. A participant posts a few messages over HTTP; every reader must receive
 * each once, in order of event id. Written to bench/results/relay-farm.json and .md (a quick run
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
import { READERS_PER_OBJECT } from "./relay-bench.ts";
import { type RoomCounters, roomCounters } from "./room-counters.ts";

/** Readers each farm object holds: one object's worth, as a relay holds. */
const READERS_PER_FARM = 1000;
const OPERATOR_TOKEN = "bench-operator";
const MESSAGE_BYTES = 100;
const CONNECT_LIMIT_MS = 300_000;
const DELIVERY_LIMIT_MS = 120_000;

export interface RelayFarmRun {
  machine: string;
  stem: string;
  readers: number;
  messages: number;
  cpu?: string;
}

export interface RelayFarmResult {
  readers: number;
  farms: number;
  readersPerObject: number;
  messages: number;
  /** The room's counts once every reader had connected. */
  room: RoomCounters;
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
export async function runRelayFarm(run: RelayFarmRun): Promise<RelayFarmResult> {
  process.stdout.write("  bundling the reader farm's Worker…\n");
  const script = bundleBenchWorker("bench/relays/farm/farm-worker.ts");
  const wrangler = readWranglerConfig();
  // Every farm reader comes from the one address workerd alone gives all (none), so the caps are raised past them.
  const vars = {
    ...wrangler.vars,
    ...BENCH_VARS,
    MAX_SUBSCRIBERS: "100000",
    MAX_STREAMS_PER_CLIENT: "100000",
    READERS_PER_OBJECT: String(READERS_PER_OBJECT),
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
    return {
      readers: run.readers,
      farms,
      readersPerObject: READERS_PER_OBJECT,
      messages: acknowledged.length,
      room: counters,
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

/** The run as one Markdown table. */
function report(r: RelayFarmResult): string {
  const p = r.progress;
  const ms = (value: number | null) => (value === null ? "not all" : fmt(Math.round(value)));
  const columns: [string, string][] = [
    ["readers", fmt(r.readers)],
    ["farms", fmt(r.farms)],
    ["relays", fmt(r.room.relays)],
    ["direct", fmt(r.room.directReaders)],
    ["messages", fmt(r.messages)],
    ["deliveries", fmt(p.delivered)],
    ["expected", fmt(p.expected)],
    ["lost", fmt(p.lost)],
    ["dup", fmt(p.duplicated)],
    ["order", fmt(p.outOfOrder)],
    ["reopened", fmt(p.reopened)],
    ["connect ms", ms(r.connectMs)],
    ["post ms", ms(r.postMs)],
    ["deliver ms", ms(r.deliverMs)],
  ];
  return markdownTable(
    columns.map(([header]) => header),
    [columns.map(([, value]) => value)],
  );
}

/** Runs it and writes its results; answers whether anything was lost, doubled or reordered, or the run failed. */
export async function benchRelayFarm(run: RelayFarmRun): Promise<boolean> {
  process.stdout.write(`\nrelays in workerd, readers in reader farms (${fmt(run.readers)} readers)\n`);
  const dir = join(PROJECT_ROOT, "bench/results");
  mkdirSync(dir, { recursive: true });
  let text: string;
  let json: object;
  let broken: boolean;
  try {
    const result = await runRelayFarm(run);
    const p = result.progress;
    broken = p.lost + p.duplicated + p.outOfOrder > 0 || result.deliverMs === null;
    text = `${report(result)}\n\nEach farm object held up to ${fmt(READERS_PER_FARM)} readers; each relay serves up to ${fmt(result.readersPerObject)} (READERS_PER_OBJECT). The room counted ${fmt(result.room.readers)} readers once all had connected. The readers share workerd's one thread with the room and its relays, so the times include their own reading and parsing: they show that every delivery happened, not how fast a deployment would make it.`;
    json = { date: new Date().toISOString(), machine: run.machine, ...result };
  } catch (error) {
    broken = true;
    text = `The run failed: ${String(error)}`;
    json = { date: new Date().toISOString(), machine: run.machine, failure: String(error) };
  }
  process.stdout.write(`\n${text}\n`);
  writeFileSync(join(dir, `${run.stem}.json`), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(dir, `${run.stem}.md`), `Machine: ${run.machine}\n\n${text}\n`);
  process.stdout.write(`\nWrote bench/results/${run.stem}.json and ${run.stem}.md\n`);
  return broken;
}
