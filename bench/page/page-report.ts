/** What the page benchmark measured, and its table. */
import { fmt, markdownTable } from "../markdown.ts";

/** The page after `messages` messages have arrived. */
export interface Checkpoint {
  messages: number;
  postToScreenMedianMs: number;
  postToScreenMaxMs: number;
  workPerMessageMs: number;
  domElements: number;
  heapBytes: number;
}

export interface PageBenchResult {
  checkpoints: Checkpoint[];
  burst: {
    messages: number;
    /** The page's main-thread busy time from the burst's first post until it showed the last. */
    pageWorkMs: number;
    /** How long the server took to accept every post of the burst. */
    postingMs: number;
    /** From the last post's acceptance until the page showed it. */
    shownAfterLastPostMs: number;
  };
}

/** The results as a Markdown table, with how the DOM and the heap grew between the first and last checkpoints. */
export function pageReport({ checkpoints, burst }: PageBenchResult): string {
  const header = ["messages", "post→screen p50 ms", "max ms", "work/message ms", "DOM elements", "JS heap MB"];
  const rows = checkpoints.map((c) => [
    fmt(c.messages),
    fmt(c.postToScreenMedianMs, 1),
    fmt(c.postToScreenMaxMs, 1),
    fmt(c.workPerMessageMs, 2),
    fmt(c.domElements),
    fmt(c.heapBytes / 2 ** 20, 1),
  ]);
  const first = checkpoints[0];
  const last = checkpoints.at(-1);
  const growth =
    first && last && first !== last
      ? `\nFrom ${fmt(first.messages)} to ${fmt(last.messages)} messages: DOM elements ${signed(last.domElements / first.domElements - 1)}, JS heap ${signed(last.heapBytes / first.heapBytes - 1)}.`
      : "";
  return [
    markdownTable(header, rows),
    growth,
    `Burst of ${fmt(burst.messages)}: the page worked ${fmt(burst.pageWorkMs)} ms; the server took ${fmt(burst.postingMs)} ms to accept them, and the page showed the last ${fmt(burst.shownAfterLastPostMs)} ms after it was accepted.`,
  ].join("\n");
}

function signed(ratio: number): string {
  return `${ratio >= 0 ? "+" : ""}${fmt(ratio * 100, 1)}%`;
}
