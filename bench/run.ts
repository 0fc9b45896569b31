/**
 * `npm run bench`: measures fan-out for the product under `wrangler dev`, the product in
 * `workerd` alone, and a minimal Node baseline, in one run on this machine. Prints a table and
 * writes bench/results/latest.json and latest.svg.
 *
 *   npm run bench            the full sweep (N = 10…5,000; R = 10, 100, max)
 *   npm run bench -- --quick a short sweep (N = 10…1,000; R = 10, max)
 *   npm run bench -- --targets workerd --subscribers 1000 --rates 10,max   one slice of it
 *   npm run bench -- --seconds 10   publish for 10 s a point instead of 4
 *   npm run bench -- --targets page --page-messages 1000,10000 --page-burst 2000
 *                            the page in Chromium under a long conversation (bench/page/)
 *   npm run bench -- --targets history --history-messages 1000,100000
 *                            a room's history, search and posting at 1,000 to 1,000,000 stored
 *                            messages in workerd (bench/history/); not in the default sweep, as
 *                            seeding a million messages twice and measuring takes minutes
 *   npm run bench -- --targets relays
 *                            a room past one object in workerd: 1,000 to 20,000 readers with
 *                            relays against the room alone (bench/relays/); not in the default
 *                            sweep, as 20,000 readers take minutes
 *   npm run bench -- --targets relays --subscribers 1000 --rates 10 --readers-per-object 10
 *                            the same with relays of 10 readers each (99 relays for 1,000
 *                            readers), to tell what each relay adds to a message
 *   npm run bench -- --targets relay-farm
 *                            lost, doubled and reordered deliveries through relays at 20,000
 *                            readers held inside workerd, which need no socket (bench/relays/farm/),
 *                            and the chunks the room writes per message with relays and alone
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, totalmem } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "../test/support/node/project-root.ts";
import { startWorkerd } from "../test/support/node/workerd.ts";
import { startWranglerDev } from "../test/support/node/wrangler-dev.ts";
import { renderChart, type Series } from "./chart.ts";
import { measurePoint, type PointResult } from "./fan-out-point.ts";
import { runHistoryBench } from "./history/history-bench.ts";
import { historyReport } from "./history/history-report.ts";
import { fmt, markdownTable } from "./markdown.ts";
import { runPageBench } from "./page/page-bench.ts";
import { pageReport } from "./page/page-report.ts";
import { benchRelayFarm } from "./relays/relay-farm.ts";
import { benchRelays } from "./relays/relays-target.ts";
import { BENCH_VARS, startBaseline, startWorkerdFloor, type Target } from "./targets.ts";

const quick = process.argv.includes("--quick");

/** The comma-separated values after `--name`, if given. */
function option(name: string): string[] | undefined {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? undefined : process.argv[index + 1];
  return value?.split(",");
}

const SUBSCRIBERS = option("subscribers")?.map(Number) ?? (quick ? [10, 100, 1000] : [10, 100, 1000, 5000]);
const RATES: (number | "max")[] =
  option("rates")?.map((rate) => (rate === "max" ? "max" : Number(rate))) ?? (quick ? [10, "max"] : [10, 100, "max"]);
const MAX_RUN_SUBSCRIBERS = option("subscribers") ? SUBSCRIBERS : quick ? [1000] : [1000, 5000];
const TARGETS = option("targets") ?? ["baseline", "floor", "workerd", "wrangler", "page"];
const FAN_OUT_TARGETS = TARGETS.filter((target) => !["page", "history", "relays", "relay-farm"].includes(target));
const PAGE_CHECKPOINTS = option("page-messages")?.map(Number) ?? (quick ? [1000, 3000] : [1000, 10000]);
const PAGE_BURST = Number(option("page-burst")?.[0] ?? 2000);
const HISTORY_CHECKPOINTS = option("history-messages")?.map(Number) ?? [1000, 100000, 1000000];
const SECONDS = Number(option("seconds")?.[0] ?? (quick ? 3 : 4));
const POINT_LIMIT_MS = 120_000;
const twoCores = availableParallelism() >= 2 && hasTaskset();
const SERVER_CPU = twoCores ? "0" : undefined;
const GENERATOR_CPU = twoCores ? "1" : undefined;

function hasTaskset(): boolean {
  try {
    execFileSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** The last lines a server printed, to explain a failed point. */
function lastLines(target: Target): string {
  const tail = target.output().split("\n").slice(-15).join("\n");
  return target.exited ? `${tail}\n(the server had exited)` : tail;
}

/**
 * `wrangler dev`'s proxy and runtime hold several descriptors per connection: at 5,000
 * subscribers they pass this machine's 20,000 a process ("Too many open files") and the points
 * fail after minutes of retries, so the full sweep stops it at 1,000.
 */
const WRANGLER_MAX_SUBSCRIBERS = 1000;

/**
 * The points a target runs. The floor skips the middle rate in the full sweep: it stands for the
 * runtime at the goal's rate and at its limit, and the sweep has to fit in ten minutes.
 */
function points(target: string): { subscribers: number; rate: number | "max" }[] {
  const list: { subscribers: number; rate: number | "max" }[] = [];
  const rates =
    target === "floor" && !option("rates") ? RATES.filter((rate) => rate === "max" || rate === RATES[0]) : RATES;
  const subscriberCounts =
    target === "wrangler" && !option("subscribers")
      ? SUBSCRIBERS.filter((subscribers) => subscribers <= WRANGLER_MAX_SUBSCRIBERS)
      : SUBSCRIBERS;
  for (const subscribers of subscriberCounts) {
    for (const rate of rates) {
      if (rate === "max" && !MAX_RUN_SUBSCRIBERS.includes(subscribers)) continue;
      list.push({ subscribers, rate });
    }
  }
  return list;
}

/**
 * Targets that count what each client address does across the deployment (with the emulated Rate
 * Limiting binding): there every subscriber comes from an address of its own, as readers would.
 * workerd alone has no such binding and is sent no address, as the Worker is sent none unless
 * Cloudflare (or wrangler dev) names one.
 */
const COUNTS_ADDRESSES = new Set(["wrangler"]);

/** One point of a fan-out target, on a room of its own. */
function measure(key: string, target: Target, subscribers: number, rate: number | "max"): Promise<PointResult> {
  return measurePoint(target, subscribers, rate, {
    room: `bench-${subscribers}-${rate}-${Date.now().toString(36)}`,
    seconds: SECONDS,
    limitMs: POINT_LIMIT_MS,
    generatorCpu: GENERATOR_CPU,
    spreadAddresses: COUNTS_ADDRESSES.has(key),
  });
}

function table(results: PointResult[]): string {
  const header = [
    "target",
    "N",
    "rate",
    "deliveries/s",
    "p50 ms",
    "p99 ms",
    "max ms",
    "connect ms",
    "server CPU",
    "µs/deliv",
    "RSS MB",
    "KB/sub",
    "heap KB/sub",
    "lost",
    "late",
    "dup",
    "order",
    "recon",
    "gen CPU",
  ];
  const rows = results.map((r) => [
    r.target,
    fmt(r.subscribers),
    String(r.rate),
    fmt(r.deliveriesPerSecond),
    fmt(r.p50Ms, 1),
    fmt(r.p99Ms, 1),
    fmt(r.maxMs, 1),
    fmt(r.connectMs),
    `${fmt(r.serverCpu * 100)}%`,
    fmt(r.serverCpuPerDeliveryUs, 1),
    fmt(r.rssPeakBytes / 2 ** 20, 1),
    fmt(r.rssPerSubscriberBytes / 1024, 1),
    r.heapPerSubscriberBytes === null ? "" : fmt(r.heapPerSubscriberBytes / 1024, 1),
    fmt(r.lost),
    fmt(r.late),
    fmt(r.duplicated),
    fmt(r.outOfOrder),
    fmt(r.reconnects),
    `${fmt(r.generatorCpu * 100)}%${r.generatorCpu > 0.9 ? " (saturated)" : ""}`,
  ]);
  return markdownTable(header, rows);
}

function ratios(results: PointResult[]): string {
  const lines: string[] = [];
  const same = (target: string, point: PointResult) =>
    results.find((r) => r.target === target && r.subscribers === point.subscribers && r.rate === point.rate);
  for (const point of results.filter((r) => r.target === "workerd")) {
    const base = same("node baseline", point);
    if (base && point.rate === "max") {
      lines.push(
        `workerd / baseline at N = ${fmt(point.subscribers)}, max rate: ${fmt(point.deliveriesPerSecond)} / ${fmt(base.deliveriesPerSecond)} deliveries/s = ${fmt((point.deliveriesPerSecond / base.deliveriesPerSecond) * 100)}%`,
      );
    }
  }
  for (const point of results.filter((r) => r.target === "workerd")) {
    const floor = same("workerd floor", point);
    if (!floor) continue;
    lines.push(
      `workerd / floor at N = ${fmt(point.subscribers)}, rate ${point.rate}: ${fmt(point.deliveriesPerSecond)} / ${fmt(floor.deliveriesPerSecond)} deliveries/s, p99 ${fmt(point.p99Ms, 1)} / ${fmt(floor.p99Ms, 1)} ms`,
    );
  }
  return lines.join("\n");
}

function chart(results: PointResult[]): string {
  const colors: Record<string, string> = {
    "wrangler dev": "#d97706",
    workerd: "#2563eb",
    "workerd floor": "#7c3aed",
    "node baseline": "#16a34a",
  };
  const series = (rate: number | "max", pick: (r: PointResult) => number, dashed: boolean): Series[] =>
    Object.keys(colors)
      .map((target) => ({
        label: `${target}, ${rate === "max" ? "max rate" : `${rate} msg/s`}`,
        color: colors[target] ?? "#000",
        dashed,
        points: results
          .filter((r) => r.target === target && r.rate === rate)
          .map((r): [number, number] => [r.subscribers, pick(r)]),
      }))
      .filter((line) => line.points.length > 0);
  const fixed = RATES.filter((rate): rate is number => rate !== "max");
  const highest = fixed.at(-1) ?? 10;
  return renderChart([
    {
      title: `p99 latency at ${fixed[0]} msg/s`,
      xLabel: "subscribers",
      yLabel: "ms",
      series: series(fixed[0] ?? 10, (r) => r.p99Ms, false),
    },
    {
      title: "deliveries per second",
      xLabel: "subscribers",
      yLabel: "deliveries/s",
      series: [
        ...series(highest, (r) => r.deliveriesPerSecond, false),
        ...series("max", (r) => r.deliveriesPerSecond, true),
      ],
    },
  ]);
}

/** The page's benchmark, reported apart in bench/results/page.json and page.md. */
async function benchPage(machine: string): Promise<void> {
  process.stdout.write("\npage in Chromium\n");
  const result = await runPageBench(PAGE_CHECKPOINTS, PAGE_BURST);
  const report = pageReport(result);
  process.stdout.write(`\n${report}\n`);
  const dir = join(PROJECT_ROOT, "bench/results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "page.json"),
    `${JSON.stringify({ date: new Date().toISOString(), machine, ...result }, null, 2)}\n`,
  );
  writeFileSync(join(dir, "page.md"), `Machine: ${machine}\n\n${report}\n`);
  process.stdout.write("\nWrote bench/results/page.json and page.md\n");
}

/** A room's history at scale, reported apart in bench/results/history.json and history.md. */
async function benchHistory(machine: string): Promise<void> {
  process.stdout.write("\nhistory in workerd\n");
  const started = performance.now();
  const result = await runHistoryBench(HISTORY_CHECKPOINTS, SERVER_CPU);
  const minutes = (performance.now() - started) / 60_000;
  const report = `${historyReport(result)}\n\nThe whole run took ${fmt(minutes, 1)} minutes.`;
  process.stdout.write(`\n${report}\n`);
  const dir = join(PROJECT_ROOT, "bench/results");
  mkdirSync(dir, { recursive: true });
  const json = { date: new Date().toISOString(), machine, minutes, ...result };
  writeFileSync(join(dir, "history.json"), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(dir, "history.md"), `Machine: ${machine}\n\n${report}\n`);
  process.stdout.write("\nWrote bench/results/history.json and history.md\n");
}

/** Bundles the Worker into dist/, as `npm run build` does, for workerd to serve. */
function bundleWorker(): void {
  process.stdout.write("Bundling the Worker…\n");
  execFileSync(process.execPath, ["node_modules/wrangler/bin/wrangler.js", "deploy", "--dry-run", "--outdir", "dist"], {
    cwd: PROJECT_ROOT,
    stdio: "ignore",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
}

/** A room past one object, reported apart in bench/results/relays.json and relays.md. */
function relays(machine: string): Promise<boolean> {
  const stem = quick
    ? "quick.relays"
    : ["subscribers", "rates", "seconds", "readers-per-object"].some(option)
      ? "partial.relays"
      : "relays";
  const readersPerObject = option("readers-per-object")?.map(Number)[0];
  if (readersPerObject !== undefined && !(Number.isInteger(readersPerObject) && readersPerObject > 0)) {
    throw new Error(
      `--readers-per-object takes a whole number of readers above 0, not ${option("readers-per-object")}`,
    );
  }
  return benchRelays({
    machine,
    stem,
    readers: option("subscribers")?.map(Number) ?? (quick ? [1000, 5000] : [1000, 5000, 20000]),
    rates: option("rates") ? RATES : [10, "max"],
    chunkRate: 1,
    readersPerObject,
    seconds: SECONDS,
    limitMs: POINT_LIMIT_MS,
    serverCpu: SERVER_CPU,
    generatorCpu: GENERATOR_CPU,
  });
}

/** Relays at 20,000 readers held inside workerd, reported apart in bench/results/relay-farm.json and .md. */
function relayFarm(machine: string): Promise<boolean> {
  return benchRelayFarm({
    machine,
    stem: quick ? "quick.relay-farm" : option("subscribers") ? "partial.relay-farm" : "relay-farm",
    readers: Number(option("subscribers")?.[0] ?? (quick ? 2000 : 20000)),
    messages: 20,
    cpu: SERVER_CPU,
  });
}

async function main(): Promise<void> {
  if (FAN_OUT_TARGETS.length === 0) {
    const machine = `${cpus()[0]?.model ?? "unknown CPU"}, ${availableParallelism()} cores, Node ${process.version}`;
    if (TARGETS.includes("page")) await benchPage(machine);
    if (TARGETS.includes("history")) await benchHistory(machine);
    if (TARGETS.includes("relays")) {
      bundleWorker();
      if (await relays(machine)) process.exitCode = 1;
    }
    if (TARGETS.includes("relay-farm") && (await relayFarm(machine))) process.exitCode = 1;
    return;
  }
  bundleWorker();
  const machine = `${cpus()[0]?.model ?? "unknown CPU"}, ${availableParallelism()} cores, ${fmt(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  process.stdout.write(
    `Machine: ${machine}\n${twoCores ? "Servers on CPU 0, load generator on CPU 1." : "One core: servers and load generator share it."}\n`,
  );
  const starts: [string, () => Promise<Target>][] = (
    [
      ["baseline", () => startBaseline(SERVER_CPU)],
      ["floor", () => startWorkerdFloor(SERVER_CPU)],
      ["workerd", () => startWorkerd({ vars: BENCH_VARS, cpu: SERVER_CPU })],
      ["wrangler", () => startWranglerDev({ vars: BENCH_VARS, cpu: SERVER_CPU })],
    ] as [string, () => Promise<Target>][]
  ).filter(([key]) => FAN_OUT_TARGETS.includes(key));
  const results: PointResult[] = [];
  const failures: string[] = [];
  for (const [key, start] of starts) {
    let target = await start();
    process.stdout.write(`\n${target.name}\n`);
    try {
      for (const [index, { subscribers, rate }] of points(key).entries()) {
        // Every point gets a freshly started server, so that what earlier points left behind
        // (rooms still finding out their readers have gone, a grown heap) cannot color it.
        if (index > 0) {
          await target.stop();
          target = await start();
        }
        const result = await measure(key, target, subscribers, rate).catch((error: unknown) => {
          const reason = `${target.name}, N=${subscribers}, rate=${rate}: ${String(error).replace(/\s+/g, " ").slice(0, 200)}`;
          failures.push(reason);
          process.stdout.write(`  failed: ${reason}\n  server output:\n${lastLines(target)}\n`);
          return undefined;
        });
        if (!result) continue;
        results.push(result);
        process.stdout.write(
          `  N=${subscribers} rate=${rate}: ${fmt(result.deliveriesPerSecond)} deliveries/s, p50 ${fmt(result.p50Ms, 1)} ms, p99 ${fmt(result.p99Ms, 1)} ms, lost ${result.lost}\n`,
        );
      }
    } finally {
      await target.stop();
    }
  }
  const failed = failures.length > 0 ? `\nRuns that failed:\n${failures.map((f) => `- ${f}`).join("\n")}\n` : "";
  const skipped =
    TARGETS.includes("wrangler") && SUBSCRIBERS.some((n) => n > WRANGLER_MAX_SUBSCRIBERS) && !option("subscribers")
      ? `\nwrangler dev ran up to ${fmt(WRANGLER_MAX_SUBSCRIBERS)} subscribers: beyond, it runs out of file descriptors here.\n`
      : "";
  const report = `${table(results)}\n\n${ratios(results)}\n${skipped}${failed}`;
  process.stdout.write(`\n${report}`);
  const dir = join(PROJECT_ROOT, "bench/results");
  mkdirSync(dir, { recursive: true });
  const stem = quick ? "quick" : process.argv.length > 2 ? "partial" : "latest";
  writeFileSync(
    join(dir, `${stem}.json`),
    `${JSON.stringify({ date: new Date().toISOString(), machine, quick, seconds: SECONDS, pinned: twoCores, results, failures }, null, 2)}\n`,
  );
  writeFileSync(join(dir, `${stem}.svg`), chart(results));
  writeFileSync(join(dir, `${stem}.md`), `Machine: ${machine}\n\n${report}`);
  process.stdout.write(`\nWrote bench/results/${stem}.json, ${stem}.svg and ${stem}.md\n`);
  if (TARGETS.includes("page")) await benchPage(machine);
  if (TARGETS.includes("history")) await benchHistory(machine);
  if (TARGETS.includes("relays") && (await relays(machine))) process.exitCode = 1;
  if (TARGETS.includes("relay-farm") && (await relayFarm(machine))) process.exitCode = 1;
  const broken = results.filter((r) => r.lost + r.duplicated + r.outOfOrder > 0);
  if (broken.length > 0 || failures.length > 0) {
    process.stderr.write(
      `Deliveries were lost, doubled or out of order in ${broken.length} runs; ${failures.length} runs failed.\n`,
    );
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
