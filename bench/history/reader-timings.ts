import { chatClient } from "../../test/support/chat-client.ts";
import { percentile } from "../accounting.ts";

/** How long one kind of request took, over many made one after another. */
export interface Timing {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Times `count` calls of `request`, one after another, after `warmUp` untimed ones. */
export async function timed(count: number, request: (i: number) => Promise<void>, warmUp = 20): Promise<Timing> {
  for (let i = 0; i < warmUp; i++) await request(count + i);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await request(i);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { requests: count, p50Ms: percentile(times, 0.5), p99Ms: percentile(times, 0.99), maxMs: times.at(-1) ?? 0 };
}

/** A page of `limit` messages before `before`, as the page asks when it scrolls up; fails unless answered with some. */
export async function historyPage(base: string, before: number, limit: number): Promise<void> {
  const response = await fetch(`${base}/messages?before=${before}&limit=${limit}`);
  if (response.status !== 200) throw new Error(`history refused: ${response.status} ${await response.text()}`);
  const page = (await response.json()) as { events: unknown[] };
  if (page.events.length === 0 && before > 2) throw new Error(`no history before ${before}`);
}

/** A search, as the page sends it; returns how many results came back. */
export async function search(base: string, q: string): Promise<number> {
  const response = await fetch(`${base}/search`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ q }),
  });
  if (response.status !== 200) throw new Error(`search refused: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { results: unknown[] }).results.length;
}

/**
 * A new reader's greeting: opens the room's stream with no Last-Event-ID and reads until the
 * history it is sent has arrived (the event whose id is the room's newest, which the greeting
 * names), then closes it.
 */
export async function greeting(url: string, room: string): Promise<void> {
  const { reader } = await chatClient(fetch, url).openStream(room);
  try {
    const presence = (await reader.until((event) => event.event === "presence", 10_000)).at(-1);
    const { latestId } = JSON.parse(presence?.data ?? "{}") as { latestId: number };
    await reader.until((event) => Number(event.id) >= latestId, 10_000);
  } finally {
    await reader.cancel();
  }
}
