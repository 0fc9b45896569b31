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
}

/** Reads wrangler.toml with a TOML parser, so that no setting of it is copied anywhere else. */
export function readWranglerConfig(): WranglerConfig {
  const toml = parse(readFileSync(join(PROJECT_ROOT, "wrangler.toml"), "utf8"));
  const { compatibility_date: compatibilityDate, compatibility_flags: flags = [], vars = {} } = toml;
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
  return { compatibilityDate, compatibilityFlags: flags, vars: strings };
}
