import type { LocalServer } from "../../test/support/node/local-server.ts";
import { serveWithWorkerd } from "../../test/support/node/workerd.ts";
import { readWranglerConfig } from "../../test/support/node/wrangler-config.ts";
import { bundleBenchWorker } from "../bundle-worker.ts";
import { BENCH_VARS } from "../targets.ts";
import { messageText } from "./conversation-texts.ts";
import { SEED_PATH, type SeedRequest } from "./seed-route.ts";
import { processCpuSeconds } from "./server-readings.ts";

/** Messages posted by one call into the room: large enough that a call's own cost is lost in it. */
const SEED_BATCH = 5_000;

/**
 * Limits raised for a room of a million messages: every message kept (no retention at work
 * while it is measured), one participant posting as fast as the room takes it, and as many
 * searches as the benchmark times.
 */
const HISTORY_VARS: Record<string, string> = {
  ...BENCH_VARS,
  HISTORY_RETAINED: "100000000",
  SEARCH_RATE_BURST: "1000000",
  SEARCH_RATE_PER_MINUTE: "60000000",
};

/** bench/history/worker/seeding-worker.ts bundled as the product is. */
export function bundleSeedingWorker(): string {
  return bundleBenchWorker("bench/history/worker/seeding-worker.ts");
}

/** What posting a run of messages cost the server. */
export interface Seeded {
  messages: number;
  cpuSeconds: number;
  wallSeconds: number;
}

/** workerd serving the seeding Worker, and one room in it that a participant fills with messages. */
export class SeedingServer {
  /** Messages seeded so far; the next one is `messageText(seeded)`. */
  seeded = 0;

  readonly server: LocalServer;
  readonly room: string;
  readonly token: string;

  private constructor(server: LocalServer, room: string, token: string) {
    this.server = server;
    this.room = room;
    this.token = token;
  }

  /** Starts workerd on `script`; with `index` false, the room's search index is given no message. */
  static async start(script: string, options: { index: boolean; cpu?: string }): Promise<SeedingServer> {
    const wrangler = readWranglerConfig();
    const vars = { ...wrangler.vars, ...HISTORY_VARS, ...(options.index ? {} : { BENCH_SEARCH_INDEX: "off" }) };
    const name = options.index ? "workerd, history" : "workerd, history without the search index";
    const server = await serveWithWorkerd({ name, script, className: "ChatRoom", vars, cpu: options.cpu }, wrangler);
    const room = `history-${Date.now().toString(36)}`;
    const joined = await fetch(`${server.url}/r/${room}/users`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: "seeder" }),
    });
    if (joined.status !== 201) {
      await server.stop();
      throw new Error(`join refused: ${joined.status} ${await joined.text()}`);
    }
    const { token } = (await joined.json()) as { token: string };
    return new SeedingServer(server, room, token);
  }

  /** Posts messages until `count` have been seeded, and says what those posts cost the server. */
  async seedTo(count: number, options: { oneByOne?: boolean } = {}): Promise<Seeded> {
    const start = { cpu: processCpuSeconds(this.server.pgid), wall: performance.now() };
    const from = this.seeded;
    while (this.seeded < count) {
      const texts: string[] = [];
      for (let i = this.seeded; i < Math.min(count, this.seeded + SEED_BATCH); i++) texts.push(messageText(i));
      const request: SeedRequest = { room: this.room, token: this.token, texts, oneByOne: options.oneByOne };
      const response = await fetch(`${this.server.url}${SEED_PATH}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(request),
      });
      if (!response.ok) throw new Error(`seeding failed: ${response.status} ${await response.text()}`);
      await response.body?.cancel();
      this.seeded += texts.length;
    }
    return {
      messages: this.seeded - from,
      cpuSeconds: processCpuSeconds(this.server.pgid) - start.cpu,
      wallSeconds: (performance.now() - start.wall) / 1000,
    };
  }
}
