import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { stripTypeScriptTypes } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "./free-port.ts";
import { wranglerDevArgs } from "./wrangler-dev-command.ts";

/** A server under test, started in a process group of its own. */
export interface Target {
  name: string;
  url: string;
  /** Process group id, for memory readings. */
  pgid: number;
  /** workerd's inspector, for reading the isolate's heap; absent for targets without one. */
  inspectorUrl?: string;
  /** The last lines the server printed, to explain a failed point. */
  output(): string;
  stop(): Promise<void>;
}

const ROOT = resolve(import.meta.dirname, "..");

/**
 * Limits raised so the benchmark measures fan-out, not the rate limit or the caps: every
 * benchmark subscriber comes from the one local address.
 */
export const BENCH_VARS: Record<string, string> = {
  RATE_BURST: "1000000",
  RATE_PER_SECOND: "1000000",
  MAX_SUBSCRIBERS: "20000",
  MAX_STREAMS_PER_CLIENT: "20000",
};

/**
 * Runs a command on the given CPU (when `taskset` and a second core exist) in a process group of
 * its own, and resolves once `ready` matches its output, or, without `ready`, once `url` answers.
 */
async function launch(
  name: string,
  command: string[],
  options: { cpu: string | undefined; ready?: RegExp; url?: string; cwd?: string },
) {
  const argv = options.cpu === undefined ? command : ["taskset", "-c", options.cpu, ...command];
  const [file = "", ...args] = argv;
  const child: ChildProcess = spawn(file, args, {
    cwd: options.cwd ?? ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" },
  });
  let log = "";
  let exited = false;
  child.stdout?.on("data", (chunk: Buffer) => {
    log += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    log += chunk.toString();
  });
  child.once("exit", () => {
    exited = true;
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`${name} exited:\n${log}`);
    if (Date.now() > deadline) throw new Error(`${name} did not start:\n${log}`);
    if (options.ready?.test(log)) break;
    if (options.url !== undefined && (await answers(options.url))) break;
    await new Promise((done) => setTimeout(done, 100));
  }
  const pid = child.pid ?? 0;
  const stop = async () => {
    if (exited) return;
    const gone = new Promise((done) => child.once("exit", done));
    process.kill(-pid, "SIGKILL");
    await gone;
  };
  const output = () => `${log.split("\n").slice(-15).join("\n")}${exited ? "\n(the server had exited)" : ""}`;
  return { pgid: pid, stop, output };
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url);
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

/** The product as a developer runs it: `wrangler dev`, with its proxy in front of workerd. */
export async function startWranglerDev(cpu: string | undefined): Promise<Target> {
  const port = await freePort();
  const state = mkdtempSync(join(tmpdir(), "bench-dev-"));
  const command = [
    process.execPath,
    ...wranglerDevArgs({ port, inspectorPort: await freePort(), state, vars: BENCH_VARS }),
  ];
  const { pgid, stop, output } = await launch("wrangler dev", command, { cpu, ready: /Ready on/ });
  return {
    name: "wrangler dev",
    url: `http://127.0.0.1:${port}`,
    pgid,
    output,
    stop: async () => {
      await stop();
      rmSync(state, { recursive: true, force: true });
    },
  };
}

/** The bundled Worker served by `workerd serve` alone, with no proxy: what production runs. */
export function startWorkerd(cpu: string | undefined, vars: Record<string, string>): Promise<Target> {
  return serveWithWorkerd("workerd", readFileSync(join(ROOT, "dist/index.js"), "utf8"), "ChatRoom", vars, cpu);
}

/** bench/floor/worker.ts, served the same way: the least the runtime can do to fan frames out. */
export function startWorkerdFloor(cpu: string | undefined): Promise<Target> {
  const source = stripTypeScriptTypes(readFileSync(join(ROOT, "bench/floor/worker.ts"), "utf8"));
  return serveWithWorkerd("workerd floor", source, "FloorRoom", {}, cpu);
}

/** Serves one ES module with `workerd serve`, its Durable Object class bound as CHAT_ROOM, on a fresh port. */
async function serveWithWorkerd(
  name: string,
  script: string,
  className: string,
  vars: Record<string, string>,
  cpu: string | undefined,
): Promise<Target> {
  const port = await freePort();
  const inspectorPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "bench-workerd-"));
  mkdirSync(join(dir, "storage"));
  writeFileSync(join(dir, "index.js"), script);
  const bindings = Object.entries(vars)
    .map(([key, value]) => `    (name = ${JSON.stringify(key)}, text = ${JSON.stringify(value)}),`)
    .join("\n");
  writeFileSync(
    join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  v8Flags = ["--expose-gc"],
  services = [
    (name = "main", worker = .chat),
    (name = "storage", disk = (path = ${JSON.stringify(join(dir, "storage"))}, writable = true)),
    (name = "assets", disk = (path = ${JSON.stringify(join(ROOT, "public"))})),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);

const chat :Workerd.Worker = (
  modules = [ (name = "index.js", esModule = embed "index.js") ],
  compatibilityDate = "2026-11-01",
  durableObjectNamespaces = [ (className = ${JSON.stringify(className)}, uniqueKey = "bench-${className}", enableSql = true) ],
  durableObjectStorage = (localDisk = "storage"),
  bindings = [
    (name = "CHAT_ROOM", durableObjectNamespace = ${JSON.stringify(className)}),
    (name = "ASSETS", service = "assets"),
${bindings}
  ],
);
`,
  );
  const workerd = join(ROOT, "node_modules/.bin/workerd");
  // workerd prints nothing once it listens, so readiness is its answering.
  const { pgid, stop, output } = await launch(
    name,
    [workerd, "serve", "config.capnp", "--experimental", `--inspector-addr=127.0.0.1:${inspectorPort}`],
    { cpu, url: `http://127.0.0.1:${port}/users`, cwd: dir },
  );
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    inspectorUrl: `ws://127.0.0.1:${inspectorPort}/main`,
    pgid,
    output,
    stop: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A minimal Node `http` SSE fan-out, in bench/, standing for what the machine can do. */
export async function startBaseline(cpu: string | undefined): Promise<Target> {
  const port = await freePort();
  const { pgid, stop, output } = await launch(
    "baseline",
    [process.execPath, "--experimental-strip-types", "--no-warnings", "bench/baseline-server.ts", String(port)],
    { cpu, ready: /Ready on/ },
  );
  return { name: "node baseline", url: `http://127.0.0.1:${port}`, pgid, output, stop };
}
