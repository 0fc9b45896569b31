import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "smol-toml";
import { PROJECT_ROOT } from "./project-root.ts";

/** What a server started without wrangler takes from wrangler.toml. */
export interface WranglerConfig {
  compatibilityDate: string;
  /** `compatibility_flags`, or none. */
  compatibilityFlags: string[];
  /** The `[vars]`, as `wrangler dev` would bind them. */
  vars: Record<string, string>;
  /** Each Rate Limiting binding's budget: `limit` requests a `period` of seconds. */
  rateLimits: Record<string, { limit: number; period: number }>;
}

/** Reads wrangler.toml with a TOML parser, so that no setting of it is copied anywhere else. */
export function readWranglerConfig(): WranglerConfig {
  const toml = parse(readFileSync(join(PROJECT_ROOT, "wrangler.toml"), "utf8"));
  const { compatibility_date: compatibilityDate, compatibility_flags: flags = [], vars = {}, ratelimits = [] } = toml;
  if (typeof compatibilityDate !== "string") throw new Error("wrangler.toml has no compatibility_date");
  if (!Array.isArray(flags) || !flags.every((flag) => typeof flag === "string"))
    throw new Error("wrangler.toml's compatibility_flags is not a list of strings");
  if (typeof vars !== "object" || vars === null || Array.isArray(vars))
    throw new Error("wrangler.toml's [vars] is not a table");
  const strings: Record<string, string> = {};
  for (const [key, value] of Object.entries(vars)) {
    if (typeof value !== "string") throw new Error(`wrangler.toml's ${key} is not a string`);
    strings[key] = value;
  }
  return { compatibilityDate, compatibilityFlags: flags, vars: strings, rateLimits: rateLimitsOf(ratelimits) };
}

function rateLimitsOf(bindings: unknown): WranglerConfig["rateLimits"] {
  if (!Array.isArray(bindings)) throw new Error("wrangler.toml's ratelimits is not a list");
  const budgets: WranglerConfig["rateLimits"] = {};
  for (const binding of bindings) {
    const { name, simple } = binding ?? {};
    const { limit, period } = simple ?? {};
    if (typeof name !== "string" || typeof limit !== "number" || typeof period !== "number")
      throw new Error("a rate limit in wrangler.toml has no name, simple.limit or simple.period");
    budgets[name] = { limit, period };
  }
  return budgets;
}
