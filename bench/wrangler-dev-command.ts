/**
 * The command line of `wrangler dev` as `npm start` runs it, on a given port and local state,
 * with `[vars]` overrides; shared by the benchmark and the end-to-end tests.
 */
export function wranglerDevArgs(options: {
  port: number;
  inspectorPort: number;
  state: string;
  vars: Record<string, string>;
}): string[] {
  return [
    "node_modules/wrangler/bin/wrangler.js",
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(options.port),
    "--inspector-port",
    String(options.inspectorPort),
    "--persist-to",
    options.state,
    "--show-interactive-dev-session=false",
    ...Object.entries(options.vars).flatMap(([key, value]) => ["--var", `${key}:${value}`]),
  ];
}
