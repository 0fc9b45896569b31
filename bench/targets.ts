import { readFileSync } from "node:fs";
import { stripTypeScriptTypes } from "node:module";
import { join } from "node:path";
import { freePort } from "../test/support/node/free-port.ts";
import { type LocalServer, localServer, startServerProcess } from "../test/support/node/local-server.ts";
import { PROJECT_ROOT } from "../test/support/node/project-root.ts";
import { serveWithWorkerd } from "../test/support/node/workerd.ts";

/** A server under test; its name heads its rows in the results. */
export type Target = LocalServer;

/**
 * Limits raised so the benchmark measures fan-out, not the rate limit or the caps: every
 * benchmark subscriber comes from the one local address.
 */
export const BENCH_VARS: Record<string, string> = {
  RATE_BURST: "1000000",
  RATE_PER_SECOND: "1000000",
  MAX_SUBSCRIBERS: "20000",
  MAX_STREAMS_PER_CLIENT: "20000",
  // The sweep measures what one object fans out; `--targets relays` measures the room with relays.
  READERS_PER_OBJECT: "20000",
};

/** bench/floor/worker.ts, served by workerd alone: the least the runtime can do to fan frames out. */
export function startWorkerdFloor(cpu: string | undefined): Promise<Target> {
  const script = stripTypeScriptTypes(readFileSync(join(PROJECT_ROOT, "bench/floor/worker.ts"), "utf8"));
  return serveWithWorkerd({ name: "workerd floor", script, className: "FloorRoom", vars: {}, cpu });
}

/** A minimal Node `http` SSE fan-out, in bench/, standing for what the machine can do. */
export async function startBaseline(cpu: string | undefined): Promise<Target> {
  const port = await freePort();
  const command = [
    process.execPath,
    "--experimental-strip-types",
    "--no-warnings",
    "bench/baseline-server.ts",
    String(port),
  ];
  return localServer(
    "node baseline",
    `http://127.0.0.1:${port}`,
    () => startServerProcess("baseline", command, { cpu, cwd: PROJECT_ROOT, ready: /Ready on/ }),
    { cleanup: () => undefined },
  );
}
