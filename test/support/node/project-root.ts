import { fileURLToPath } from "node:url";

/** This project's root directory, where wrangler.toml, dist/ and node_modules/ are. */
export const PROJECT_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
