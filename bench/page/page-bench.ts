/**
 * The page under a long conversation: `npm run bench -- --targets page`. One `wrangler dev`, one
 * Chromium reading a room while Node posts messages into it over HTTP. At each checkpoint (by
 * default after 1,000 and 10,000 messages) it measures, in the page's own clock and from the
 * browser's own counters:
 *
 * - post to screen: from a post's start to the frame that shows its message (median and worst of
 *   a few posts made one at a time);
 * - page work per message: the main thread's busy time (Chromium's TaskDuration) while a batch of
 *   messages arrives, divided by their number;
 * - DOM elements and the JavaScript heap after a garbage collection;
 *
 * and then a burst (2,000 messages posted as fast as the server takes them): the page's busy
 * time over the burst, and how long after the last post was accepted the page showed it.
 */
import type { CDPSession, Page } from "playwright-core";
import { launchBrowser } from "../../test/support/node/chromium.ts";
import { startWranglerDev } from "../../test/support/node/wrangler-dev.ts";
import { BENCH_VARS } from "../targets.ts";
import { MessagePoster } from "./message-poster.ts";
import type { Checkpoint, PageBenchResult } from "./page-report.ts";

/** Posts timed one at a time at each checkpoint. */
const TIMED_POSTS = 20;
/** Messages over which the page's work per message is averaged. */
const WORK_BATCH = 200;
/** How long the page may take to show what was posted before the run is called failed. */
const SHOWN_WITHIN_MS = 600_000;

/** Runs the page benchmark; `checkpoints` are message counts, ascending. */
export async function runPageBench(checkpoints: number[], burst: number): Promise<PageBenchResult> {
  const [server, browser] = await Promise.all([startWranglerDev({ vars: BENCH_VARS }), launchBrowser()]);
  try {
    const room = `page-bench-${Date.now().toString(36)}`;
    const poster = await MessagePoster.join(server.url, room);
    const context = await browser.newContext({ viewport: { width: 900, height: 640 }, baseURL: server.url });
    const page = await context.newPage();
    await page.goto(`/r/${room}/`);
    await page.locator("#connection[data-state=live]").waitFor();
    await watchArrivals(page);
    const cdp = await context.newCDPSession(page);
    await cdp.send("Performance.enable");
    const results: Checkpoint[] = [];
    for (const count of checkpoints) {
      const missing = count - poster.posted - TIMED_POSTS - WORK_BATCH;
      if (missing > 0) {
        process.stdout.write(`  posting ${missing} messages…\n`);
        await shown(page, await poster.postMany(missing, 32));
      }
      const workMs = await busyMs(cdp, async () => shown(page, await poster.postMany(WORK_BATCH, 1)));
      const postToScreen: number[] = [];
      for (let i = 0; i < TIMED_POSTS; i++) postToScreen.push(await timedPost(page, poster));
      postToScreen.sort((a, b) => a - b);
      const checkpoint: Checkpoint = {
        messages: poster.posted,
        postToScreenMedianMs: postToScreen[Math.floor(postToScreen.length / 2)] ?? 0,
        postToScreenMaxMs: postToScreen.at(-1) ?? 0,
        workPerMessageMs: workMs / WORK_BATCH,
        domElements: await page.evaluate(() => document.getElementsByTagName("*").length),
        heapBytes: await heapAfterCollection(cdp),
      };
      results.push(checkpoint);
      process.stdout.write(
        `  ${checkpoint.messages} messages: post to screen ${checkpoint.postToScreenMedianMs.toFixed(1)} ms (max ${checkpoint.postToScreenMaxMs.toFixed(1)}), ${checkpoint.workPerMessageMs.toFixed(2)} ms of work a message, ${checkpoint.domElements} elements, ${(checkpoint.heapBytes / 2 ** 20).toFixed(1)} MB heap\n`,
      );
    }
    process.stdout.write(`  burst of ${burst}…\n`);
    const startedAt = performance.now();
    let acceptedAt = 0;
    const burstWorkMs = await busyMs(cdp, async () => {
      const last = await poster.postMany(burst, 64);
      acceptedAt = performance.now();
      await shown(page, last);
    });
    const shownAt = performance.now();
    await context.close();
    return {
      checkpoints: results,
      burst: {
        messages: burst,
        pageWorkMs: burstWorkMs,
        postingMs: acceptedAt - startedAt,
        shownAfterLastPostMs: shownAt - acceptedAt,
      },
    };
  } finally {
    await browser.close();
    await server.stop();
  }
}

/** Keeps, in the page, the newest message id shown and, while a post is timed, the frame each message was first shown in. */
async function watchArrivals(page: Page): Promise<void> {
  await page.evaluate(() => {
    const list = document.getElementById("messages");
    if (!list) throw new Error("no #messages");
    const probe = { newest: 0, timing: false, shownAt: new Map<number, number>() };
    (globalThis as unknown as { benchProbe: typeof probe }).benchProbe = probe;
    new MutationObserver((records) => {
      for (const record of records) {
        for (const node of Array.from(record.addedNodes)) {
          if (!(node instanceof HTMLElement) || node.dataset.id === undefined) continue;
          const id = Number(node.dataset.id);
          if (id > probe.newest) probe.newest = id;
          if (probe.timing) {
            requestAnimationFrame(() => {
              if (!probe.shownAt.has(id)) probe.shownAt.set(id, performance.now());
            });
          }
        }
      }
    }).observe(list, { childList: true });
  });
}

/** Waits until the page has shown the message with id `id` (or a later one). */
async function shown(page: Page, id: number): Promise<void> {
  await page.waitForFunction(
    (wanted) => (globalThis as unknown as { benchProbe: { newest: number } }).benchProbe.newest >= wanted,
    id,
    { polling: 50, timeout: SHOWN_WITHIN_MS },
  );
}

/** Posts one message from the page's own clock and returns how long it took to be on screen. */
async function timedPost(page: Page, poster: MessagePoster): Promise<number> {
  const request = poster.request(`timed ${poster.posted + 1}`);
  poster.posted += 1;
  return page.evaluate(async ({ url, init }) => {
    type Probe = { timing: boolean; shownAt: Map<number, number> };
    const probe = (globalThis as unknown as { benchProbe: Probe }).benchProbe;
    // Any message shown from now on is timed; the one posted is picked out by its id.
    probe.timing = true;
    const start = performance.now();
    const response = await fetch(url, init);
    const { id } = (await response.json()) as { id: number };
    while (!probe.shownAt.has(id)) await new Promise((resolve) => setTimeout(resolve, 5));
    const at = probe.shownAt.get(id) ?? start;
    probe.timing = false;
    probe.shownAt.clear();
    await new Promise((resolve) => setTimeout(resolve, 50));
    return at - start;
  }, request);
}

/** The main thread's busy time in the page while `work` runs, in milliseconds. */
async function busyMs(cdp: CDPSession, work: () => Promise<void>): Promise<number> {
  const before = await taskSeconds(cdp);
  await work();
  // What the last event set off (a frame, a scroll) is counted with it.
  await new Promise((resolve) => setTimeout(resolve, 200));
  return ((await taskSeconds(cdp)) - before) * 1000;
}

async function taskSeconds(cdp: CDPSession): Promise<number> {
  const { metrics } = await cdp.send("Performance.getMetrics");
  return metrics.find((metric) => metric.name === "TaskDuration")?.value ?? 0;
}

async function heapAfterCollection(cdp: CDPSession): Promise<number> {
  await cdp.send("HeapProfiler.collectGarbage");
  const { usedSize } = await cdp.send("Runtime.getHeapUsage");
  return usedSize;
}
