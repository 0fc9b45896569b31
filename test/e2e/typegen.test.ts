import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../support/node/project-root.ts";

const run = promisify(execFile);
const TYPES_FILE = "worker-configuration.d.ts";

/** The arguments `npm run <script>` gives `wrangler types`, read from package.json so no copy of them drifts. */
function wranglerTypesArgs(script: string): string[] {
  const scripts = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")).scripts as Record<
    string,
    string
  >;
  const [env, wrangler, types, ...args] = (scripts[script]?.split("&&")[0] ?? "").trim().split(/\s+/);
  expect([env, wrangler, types]).toEqual(["WRANGLER_SEND_METRICS=false", "wrangler", "types"]);
  return args;
}

/**
 * The project as `wrangler types` sees it, in a folder of its own: its own wrangler.toml and
 * types file (which a run may rewrite), the rest linked, and a `.dev.vars` with the operator's
 * token, as the README tells an operator to write.
 */
let project: string;

beforeEach(() => {
  project = mkdtempSync(join(tmpdir(), "chat-typegen-"));
  for (const file of ["wrangler.toml", TYPES_FILE]) copyFileSync(join(PROJECT_ROOT, file), join(project, file));
  for (const linked of ["src", "public", "tsconfig.json", "package.json", "node_modules"]) {
    symlinkSync(join(PROJECT_ROOT, linked), join(project, linked));
  }
  writeFileSync(join(project, ".dev.vars"), "ADMIN_TOKEN=a-local-operator-token\n");
});

afterEach(() => {
  // Removes the links, never what they point at.
  rmSync(project, { recursive: true, force: true });
});

/** Runs `wrangler types` in the copy, with the Node that runs the tests (the project's own, through npx). */
function wranglerTypes(args: string[]) {
  return run(process.execPath, [join(PROJECT_ROOT, "node_modules/wrangler/bin/wrangler.js"), "types", ...args], {
    cwd: project,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
}

describe("the generated types with the operator's token in .dev.vars", () => {
  it("stay as committed: cf-typegen writes the same file and typecheck finds it up to date", async () => {
    const typegen = wranglerTypesArgs("cf-typegen");
    // The set-up is real: without the scripts' --env-file, wrangler reads the token from .dev.vars.
    await wranglerTypes(typegen.filter((arg) => !arg.startsWith("--env-file")));
    expect(readFileSync(join(project, TYPES_FILE), "utf8")).toContain("ADMIN_TOKEN");

    await wranglerTypes(typegen);
    const committed = readFileSync(join(PROJECT_ROOT, TYPES_FILE), "utf8");
    expect(readFileSync(join(project, TYPES_FILE), "utf8")).toBe(committed);
    // The token's type is declared by hand (src/common/secrets.d.ts), never generated.
    expect(committed).not.toContain("ADMIN_TOKEN");

    // Rejects (and fails the test) if wrangler finds the types out of date.
    await wranglerTypes(wranglerTypesArgs("typecheck"));
  });
});
