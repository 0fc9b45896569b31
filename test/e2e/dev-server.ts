import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../bench/free-port";
import { wranglerDevArgs } from "../../bench/wrangler-dev-command";

/** A `wrangler dev` of this project, on a free port, with its own local state. */
export interface DevServer {
  url: string;
  /** Everything wrangler printed, for failure messages. */
  output(): string;
  /** Ends the process, as a crash would (SIGKILL), and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same state. */
  restart(): Promise<void>;
  /** Stops it and deletes its state. */
  stop(): Promise<void>;
}

const READY = /Ready on (http:\/\/\S+)/;

/**
 * Starts `wrangler dev` exactly as `npm start` does, plus overrides for `[vars]`.
 * Runs wrangler with the Node that runs the tests (the project's own, from node_modules).
 */
export async function startDevServer(vars: Record<string, string> = {}): Promise<DevServer> {
  const port = await freePort();
  const inspectorPort = await freePort();
  const state = mkdtempSync(join(tmpdir(), "chat-dev-"));
  let child: ChildProcess | undefined;
  let log = "";

  const launch = async (): Promise<void> => {
    const args = wranglerDevArgs({ port, inspectorPort, state, vars });
    const proc = spawn(process.execPath, args, {
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group, so that killing the group also ends the workerd it starts.
      detached: true,
    });
    child = proc;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`wrangler dev did not start:\n${log}`)), 60_000);
      const onData = (chunk: Buffer) => {
        log += chunk.toString();
        if (READY.test(log.slice(-2000))) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout?.on("data", onData);
      proc.stderr?.on("data", onData);
      proc.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`wrangler dev exited with ${code}:\n${log}`));
      });
    });
    // Ready is printed before the first request is always served; wait until one is.
    await waitForHttp(`http://127.0.0.1:${port}/users`);
  };

  const kill = async (): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    // wrangler runs workerd as a child; kill the whole group so no runtime is left behind.
    if (proc.pid !== undefined) process.kill(-proc.pid, "SIGKILL");
    await exited;
  };

  await launch();
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => log,
    kill,
    restart: async () => {
      await kill();
      log += "\n--- restart ---\n";
      await launch();
    },
    stop: async () => {
      await kill();
      rmSync(state, { recursive: true, force: true });
    },
  };
}

async function waitForHttp(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const response = await fetch(url);
      await response.body?.cancel();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
