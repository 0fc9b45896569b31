/**
 * `npm run bench -- --targets relays`: the relays' measurements, printed and written to
 * bench/results/relays.json and relays.md (a quick run to quick.relays.*, a run with other
 * options to partial.relays.*, which git ignores, as the fan-out sweep's).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../test/support/node/project-root.ts";
import { fmt } from "../markdown.ts";
import { hardDescriptorLimit, mostReadersHere } from "./descriptor-limit.ts";
import { type RelayBenchOptions, runRelayBench } from "./relay-bench.ts";
import { relayReport } from "./relay-report.ts";

/** What the run was asked for; the reader counts are cut to what one process here can hold. */
export interface RelaysRun extends RelayBenchOptions {
  machine: string;
  /** `relays`, `quick.relays` or `partial.relays`: the results' file names. */
  stem: string;
}

const load = () =>
  loadavg()
    .map((value) => fmt(value, 2))
    .join(", ");

/** Runs the relays' points and writes their results; answers whether any run failed or lost, doubled or reordered anything. */
export async function benchRelays(run: RelaysRun): Promise<boolean> {
  const most = mostReadersHere();
  const readers = run.readers.map((count) => Math.min(count, most));
  const cut = readers.some((count, i) => count !== run.readers[i])
    ? `\nReader counts above ${fmt(most)} were cut to it: a process here may hold at most ${fmt(hardDescriptorLimit())} open files (the hard limit), and workerd holds two for every reader's connection.`
    : "";
  const loadBefore = load();
  process.stdout.write(`\nrelays in workerd (load average before: ${loadBefore})${cut}\n`);
  const started = performance.now();
  const { points, failures } = await runRelayBench(
    { ...run, readers },
    ({ mode, relays, roomChunksPerMessage, point }) => {
      const chunks = roomChunksPerMessage === null ? "" : `, room ${fmt(roomChunksPerMessage, 1)} chunks/msg`;
      // The whole server's CPU (room, relays and Worker) per message, so that modes serving the
      // same readers compare by what the relays between them add.
      const cpuPerMessageUs = (point.serverCpuPerDeliveryUs * point.delivered) / Math.max(1, point.acknowledged);
      process.stdout.write(
        `  ${mode}, N=${point.subscribers} rate=${point.rate}: ${relays} relays, ${fmt(point.deliveriesPerSecond)} deliveries/s, p50 ${fmt(point.p50Ms, 1)} ms, p99 ${fmt(point.p99Ms, 1)} ms, lost ${point.lost}, dup ${point.duplicated}, order ${point.outOfOrder}${chunks}, server CPU ${fmt(point.serverCpu * 100)}%, ${fmt(point.serverCpuPerDeliveryUs, 1)} µs/delivery, ${fmt(cpuPerMessageUs)} µs/msg\n`,
      );
    },
  );
  for (const failure of failures) process.stdout.write(`  failed: ${failure}\n`);
  const minutes = (performance.now() - started) / 60_000;
  const loadAfter = load();
  const perObject =
    run.readersPerObject === undefined ? "" : `\nWith relays, each object served ${fmt(run.readersPerObject)} readers.`;
  const report = `${relayReport(points, failures)}\n${cut}${perObject}\nLoad average before: ${loadBefore}; after: ${loadAfter}. The whole run took ${fmt(minutes, 1)} minutes.`;
  process.stdout.write(`\n${report}\n`);
  const dir = join(PROJECT_ROOT, "bench/results");
  mkdirSync(dir, { recursive: true });
  const json = {
    date: new Date().toISOString(),
    machine: run.machine,
    seconds: run.seconds,
    readers,
    readersPerObject: run.readersPerObject,
    loadBefore,
    loadAfter,
    minutes,
    points,
    failures,
  };
  writeFileSync(join(dir, `${run.stem}.json`), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(dir, `${run.stem}.md`), `Machine: ${run.machine}\n\n${report}\n`);
  process.stdout.write(`\nWrote bench/results/${run.stem}.json and ${run.stem}.md\n`);
  const broken = points.some(({ point }) => point.lost + point.duplicated + point.outOfOrder > 0);
  return broken || failures.length > 0;
}
