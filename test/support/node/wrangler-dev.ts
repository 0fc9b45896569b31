import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.ts";
import { type LocalServer, localServer, startServerProcess } from "./local-server.ts";
import { PROJECT_ROOT } from "./project-root.ts";

/** A `wrangler dev` started by {@link startWranglerDev}. */
export interface WranglerDev extends LocalServer {
  /** The directory its local state (every Durable Object's storage) is kept in, deleted on stop. */
  readonly stateDir: string;
}

/**
 * Starts this project under `wrangler dev` exactly as `npm start` does, with overrides for
 * `[vars]`, on a free port and with local state of its own. Runs wrangler with the Node that runs
 * the caller: the project's own, from node_modules, when started through npm or npx.
 */
export async function startWranglerDev(
  options: { vars?: Record<string, string>; cpu?: string } = {},
): Promise<WranglerDev> {
  const port = await freePort();
  const inspectorPort = await freePort();
  const state = mkdtempSync(join(tmpdir(), "chat-dev-"));
  const url = `http://127.0.0.1:${port}`;
  const command = [
    process.execPath,
    "node_modules/wrangler/bin/wrangler.js",
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    state,
    "--show-interactive-dev-session=false",
    ...Object.entries(options.vars ?? {}).flatMap(([key, value]) => ["--var", `${key}:${value}`]),
  ];
  const server = await localServer(
    "wrangler dev",
    url,
    () =>
      startServerProcess("wrangler dev", command, {
        cpu: options.cpu,
        cwd: PROJECT_ROOT,
        ready: /Ready on http/,
        url: `${url}/users`,
      }),
    { cleanup: () => rmSync(state, { recursive: true, force: true }) },
  );
  return Object.assign(server, { stateDir: state });
}
