import { type ChildProcess, spawn } from "node:child_process";
import { endGroup, trackGroup } from "./process-groups.ts";

/** A server started by these tools, in a process group of its own. */
export interface ServerProcess {
  /** Process group id, for memory and CPU readings; the group ends with the server. */
  readonly pgid: number;
  /** Whether the process has exited. */
  readonly exited: boolean;
  /** Everything the process printed. */
  output(): string;
  /** Ends the whole group at once (SIGKILL), as a crash would, and waits for the process to exit. */
  kill(): Promise<void>;
}

/** How to start a server and know it is ready. */
export interface StartOptions {
  /** The CPU to run on (through `taskset`), for measurements that keep servers and load apart. */
  cpu?: string;
  /** Ready once the output matches this… */
  ready?: RegExp;
  /** …and (or, without `ready`) once this URL answers. */
  url?: string;
  cwd?: string;
  /** Milliseconds to wait for readiness before failing. */
  timeoutMs?: number;
}

/**
 * Starts `command` in a process group of its own, so that killing the group also ends whatever
 * it starts (wrangler runs workerd as a child), and resolves once it is ready. The group is ended
 * when the process exits, and when this one does.
 */
export async function startServerProcess(
  name: string,
  command: string[],
  options: StartOptions,
): Promise<ServerProcess> {
  const argv = options.cpu === undefined ? command : ["taskset", "-c", options.cpu, ...command];
  const [file = "", ...args] = argv;
  const child: ChildProcess = spawn(file, args, {
    cwd: options.cwd,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" },
  });
  // Undefined when it could not be started at all: then there is no group, and 'error' follows.
  const pid = child.pid;
  if (pid !== undefined) trackGroup(pid);
  let log = "";
  let exited = false;
  let failure: Error | undefined;
  const append = (chunk: Buffer) => {
    log += chunk.toString();
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exit = new Promise<void>((resolve) => {
    child.once("exit", () => {
      exited = true;
      // What it started may outlive it in its group, and the group ends with the server.
      if (pid !== undefined) endGroup(pid);
      resolve();
    });
    child.on("error", (error) => {
      failure ??= error;
      // One that could not be started (no such file) has no process, and no 'exit' may follow.
      if (pid === undefined) {
        exited = true;
        resolve();
      }
    });
  });
  const kill = async (): Promise<void> => {
    // Once the group has been ended (by an earlier kill, or on exit) this does nothing, since its
    // id may since have been reused.
    if (pid !== undefined) endGroup(pid);
    await exit;
  };

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let sawReady = options.ready === undefined;
  for (;;) {
    if (failure) {
      await kill();
      throw new Error(`${name} failed: ${failure.message}\n${log}`);
    }
    // Its group was ended as it exited.
    if (exited) throw new Error(`${name} exited:\n${log}`);
    if (Date.now() > deadline) {
      await kill();
      throw new Error(`${name} did not start:\n${log}`);
    }
    sawReady ||= options.ready?.test(log) ?? false;
    // wrangler prints "Ready on" before it always serves the first request, so both are awaited.
    if (sawReady && (options.url === undefined || (await answers(options.url)))) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    pgid: pid ?? 0,
    get exited() {
      return exited;
    },
    output: () => log,
    kill,
  };
}

/**
 * A server on a local port that outlives its process: {@link LocalServer.restart} starts it again
 * on the same port with the same state, as a crash and a supervisor would.
 */
export interface LocalServer {
  /** What it is, for messages and results. */
  readonly name: string;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The current process group, for memory and CPU readings. */
  readonly pgid: number;
  /** The isolate's inspector, for reading its heap; only where the runtime exposes one. */
  readonly inspectorUrl?: string;
  /** Whether the current process has exited. */
  readonly exited: boolean;
  /** Everything the server printed, across restarts. */
  output(): string;
  /** Ends the process, as a crash would (SIGKILL), and waits for it to exit; state is kept. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same state. */
  restart(): Promise<void>;
  /** Ends the process and deletes its state. */
  stop(): Promise<void>;
}

/** A {@link LocalServer} at `url` whose process `launch` starts; `cleanup` deletes its state. */
export async function localServer(
  name: string,
  url: string,
  launch: () => Promise<ServerProcess>,
  { inspectorUrl, cleanup }: { inspectorUrl?: string; cleanup: () => void },
): Promise<LocalServer> {
  let current = await launch().catch((error: unknown) => {
    cleanup();
    throw error;
  });
  let earlier = "";
  return {
    name,
    url,
    inspectorUrl,
    get pgid() {
      return current.pgid;
    },
    get exited() {
      return current.exited;
    },
    output: () => earlier + current.output(),
    kill: () => current.kill(),
    async restart() {
      await current.kill();
      earlier += `${current.output()}\n--- restart ---\n`;
      current = await launch();
    },
    async stop() {
      await current.kill();
      cleanup();
    },
  };
}

/** Whether `url` answers at all within 2 s: a wedged proxy can hold a request open for ever. */
async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}
