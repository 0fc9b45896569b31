import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { PROJECT_ROOT } from "../test/support/node/project-root.ts";

/**
 * A bench-only Worker (`entry`, from the project's root) bundled by wrangler as `npm run build`
 * bundles the product, so that the room it serves is the product's own code.
 */
export function bundleBenchWorker(entry: string): string {
  const outdir = mkdtempSync(join(tmpdir(), "chat-bench-bundle-"));
  try {
    execFileSync(
      process.execPath,
      ["node_modules/wrangler/bin/wrangler.js", "deploy", "--dry-run", "--outdir", outdir, entry],
      {
        cwd: PROJECT_ROOT,
        stdio: "ignore",
        env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
      },
    );
    return readFileSync(join(outdir, `${basename(entry, ".ts")}.js`), "utf8");
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
