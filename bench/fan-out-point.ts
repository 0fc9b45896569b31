/**
 * One point of a fan-out measurement: the load generator (bench/load-generator.ts, a process of
 * its own) against a running server, with the server's memory, heap and CPU read around it.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { PROJECT_ROOT } from "../test/support/node/project-root.ts";
import { isolateHeapBytes } from "./isolate-heap.ts";
import { groupCpuSeconds, groupRss } from "./process-stats.ts";
import type { Target } from "./targets.ts";

export interface PointResult {
  target: string;
  subscribers: number;
  rate: number | "max";
  connectMs: number;
  sent: number;
  acknowledged: number;
  failedPosts: number;
  reconnects: number;
  expected: number;
  delivered: number;
  lost: number;
  /** Deliveries still on their way when the drain limit ended the point (an overloaded target). */
  late: number;
  duplicated: number;
  outOfOrder: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  deliveriesPerSecond: number;
  generatorCpu: number;
  rssIdleBytes: number;
  rssConnectedBytes: number;
  rssPeakBytes: number;
  rssPerSubscriberBytes: number;
  /** Server CPU time per delivery while publishing and draining, in microseconds. */
  serverCpuPerDeliveryUs: number;
  /** Server CPU time over that span, as a share of one core. */
  serverCpu: number;
  /** Growth of the isolate's JavaScript heap per connected subscriber; null where it cannot be read. */
  heapPerSubscriberBytes: number | null;
}

/** How to run one point. */
export interface PointOptions {
  /** The room the generator reads and posts to. */
  room: string;
  /** Seconds of publishing. */
  seconds: number;
  /** A point still running after this long is ended and reported as failed, rather than hanging the run. */
  limitMs: number;
  /** The CPU the generator runs on, through `taskset`. */
  generatorCpu?: string;
  /** Whether each subscriber names an address of its own (see load-generator.ts). */
  spreadAddresses: boolean;
  /** Called with every subscriber connected and nothing published yet; publishing waits for it. */
  beforePublishing?: () => Promise<void>;
}

/** Runs the load generator for one point, sampling the server's memory meanwhile. */
export async function measurePoint(
  target: Target,
  subscribers: number,
  rate: number | "max",
  options: PointOptions,
): Promise<PointResult> {
  const command = [
    process.execPath,
    "--experimental-strip-types",
    "--no-warnings",
    join(PROJECT_ROOT, "bench/load-generator.ts"),
    target.url,
    options.room,
    String(subscribers),
    String(rate),
    String(options.seconds),
    "wait",
  ];
  const argv = options.generatorCpu === undefined ? command : ["taskset", "-c", options.generatorCpu, ...command];
  const rssIdleBytes = groupRss(target.pgid);
  const heap = () => (target.inspectorUrl ? isolateHeapBytes(target.inspectorUrl) : Promise.resolve(undefined));
  const heapIdleBytes = await heap();
  let heapConnectedBytes: Promise<number | undefined> | undefined;
  let cpuConnectedSeconds = 0;
  let rssConnectedBytes = rssIdleBytes;
  let rssPeakBytes = rssIdleBytes;
  const sampler = setInterval(() => {
    rssPeakBytes = Math.max(rssPeakBytes, groupRss(target.pgid));
  }, 100);
  const [file = "", ...args] = argv;
  const child = spawn(file, args, {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, BENCH_SPREAD_ADDRESSES: options.spreadAddresses ? "1" : "" },
  });
  // A generator that died before reading its go-ahead is reported by its exit code below.
  child.stdin.on("error", () => undefined);
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    if (out.includes('"event":"connected"') && heapConnectedBytes === undefined) {
      rssConnectedBytes = groupRss(target.pgid);
      heapConnectedBytes = heap();
      // Publishing starts once the heap is read, so that its collection stays out of the figures.
      void heapConnectedBytes
        .then(() => options.beforePublishing?.())
        .catch((error: unknown) => {
          err += `before publishing: ${String(error)}\n`;
        })
        .then(() => {
          cpuConnectedSeconds = groupCpuSeconds(target.pgid);
          child.stdin.end("go\n");
        });
    }
  });
  child.stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const limit = setTimeout(() => child.kill("SIGKILL"), options.limitMs);
  const code = await new Promise<number | null>((done) => child.once("exit", done));
  const cpuSeconds = groupCpuSeconds(target.pgid) - cpuConnectedSeconds;
  clearTimeout(limit);
  clearInterval(sampler);
  const done = out
    .split("\n")
    .filter((line) => line.includes('"event":"done"'))
    .map((line) => JSON.parse(line) as Omit<PointResult, "target">)[0];
  if (code !== 0 || !done) throw new Error(`load generator failed (${code}) on ${target.name}:\n${err}`);
  const heapConnected = await heapConnectedBytes;
  return {
    ...done,
    target: target.name,
    rssIdleBytes,
    rssConnectedBytes,
    rssPeakBytes,
    rssPerSubscriberBytes: (rssConnectedBytes - rssIdleBytes) / subscribers,
    serverCpuPerDeliveryUs: (cpuSeconds * 1e6) / Math.max(1, done.delivered),
    serverCpu: cpuSeconds / Math.max(0.001, done.delivered / done.deliveriesPerSecond),
    heapPerSubscriberBytes:
      heapIdleBytes === undefined || heapConnected === undefined ? null : (heapConnected - heapIdleBytes) / subscribers,
  };
}
