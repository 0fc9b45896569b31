import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.ts";
import { type LocalServer, localServer, startServerProcess } from "./local-server.ts";
import { PROJECT_ROOT } from "./project-root.ts";
import { readWranglerConfig, type WranglerConfig } from "./wrangler-config.ts";

/** What {@link serveWithWorkerd} serves. */
export interface WorkerdService {
  /** A name for messages. */
  name: string;
  /** One ES module: the Worker, exporting its Durable Object class. */
  script: string;
  /** The Durable Object class, bound as CHAT_ROOM with SQLite storage. */
  className: string;
  /** The relay Durable Object class, bound as CHAT_RELAY, for a script that has one. */
  relayClassName?: string;
  /** More Durable Object classes the script exports, by the binding each is bound as (SQLite storage too). */
  moreObjects?: Record<string, string>;
  /** Plain-text bindings, as `[vars]` would give them. */
  vars: Record<string, string>;
  /** The CPU to run on, through `taskset`. */
  cpu?: string;
}

/**
 * The Worker as `npm run build` bundles it into dist/, served by `workerd serve` alone, with no
 * wrangler proxy in front: what production runs. Build first. It gets wrangler.toml's `[vars]`,
 * with `vars` in place of any of them.
 */
export function startWorkerd(options: { vars?: Record<string, string>; cpu?: string }): Promise<LocalServer> {
  const script = readFileSync(join(PROJECT_ROOT, "dist/index.js"), "utf8");
  const wrangler = readWranglerConfig();
  const vars = { ...wrangler.vars, ...options.vars };
  return serveWithWorkerd(
    { name: "workerd", script, className: "ChatRoom", relayClassName: "ChatRelay", cpu: options.cpu, vars },
    wrangler,
  );
}

/**
 * Serves one ES module with `workerd serve` on a free port, its Durable Object class bound as
 * CHAT_ROOM with storage on disk, `public/` as ASSETS, and the inspector open for heap readings.
 * It runs under wrangler.toml's compatibility date and flags; `wrangler` is that file, when the
 * caller has already read it.
 */
export async function serveWithWorkerd(
  service: WorkerdService,
  wrangler: WranglerConfig = readWranglerConfig(),
): Promise<LocalServer> {
  const port = await freePort();
  const inspectorPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "chat-workerd-"));
  mkdirSync(join(dir, "storage"));
  writeFileSync(join(dir, "index.js"), service.script);
  writeFileSync(join(dir, "config.capnp"), workerdConfig(service, wrangler, port, join(dir, "storage")));
  const url = `http://127.0.0.1:${port}`;
  const command = [
    join(PROJECT_ROOT, "node_modules/.bin/workerd"),
    "serve",
    "config.capnp",
    "--experimental",
    `--inspector-addr=127.0.0.1:${inspectorPort}`,
  ];
  return localServer(
    service.name,
    url,
    // workerd prints nothing once it listens, so readiness is its answering.
    () => startServerProcess(service.name, command, { cpu: service.cpu, cwd: dir, url: `${url}/users` }),
    {
      inspectorUrl: `ws://127.0.0.1:${inspectorPort}/main`,
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    },
  );
}

function workerdConfig(service: WorkerdService, wrangler: WranglerConfig, port: number, storage: string): string {
  const className = JSON.stringify(service.className);
  const relay = service.relayClassName === undefined ? undefined : JSON.stringify(service.relayClassName);
  const relayNamespace = relay
    ? `, (className = ${relay}, uniqueKey = "local-${service.relayClassName}", enableSql = true)`
    : "";
  const more = Object.entries(service.moreObjects ?? {});
  const moreNamespaces = more
    .map(([, name]) => `, (className = ${JSON.stringify(name)}, uniqueKey = "local-${name}", enableSql = true)`)
    .join("");
  const bindings = [
    ...(relay ? [`    (name = "CHAT_RELAY", durableObjectNamespace = ${relay}),`] : []),
    ...more.map(
      ([binding, name]) => `    (name = ${JSON.stringify(binding)}, durableObjectNamespace = ${JSON.stringify(name)}),`,
    ),
    ...Object.entries(service.vars).map(
      ([key, value]) => `    (name = ${JSON.stringify(key)}, text = ${JSON.stringify(value)}),`,
    ),
  ].join("\n");
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  v8Flags = ["--expose-gc"],
  services = [
    (name = "main", worker = .chat),
    (name = "storage", disk = (path = ${JSON.stringify(storage)}, writable = true)),
    (name = "assets", disk = (path = ${JSON.stringify(join(PROJECT_ROOT, "public"))})),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);

const chat :Workerd.Worker = (
  modules = [ (name = "index.js", esModule = embed "index.js") ],
  compatibilityDate = ${JSON.stringify(wrangler.compatibilityDate)},
  compatibilityFlags = ${JSON.stringify(wrangler.compatibilityFlags)},
  durableObjectNamespaces = [ (className = ${className}, uniqueKey = "local-${service.className}", enableSql = true)${relayNamespace}${moreNamespaces} ],
  durableObjectStorage = (localDisk = "storage"),
  bindings = [
    (name = "CHAT_ROOM", durableObjectNamespace = ${className}),
    (name = "ASSETS", service = "assets"),
${bindings}
  ],
);
`;
}
