// Secrets are set with `wrangler secret put` (or `.dev.vars` locally), not in wrangler.toml, so
// the generated types do not know them.
interface Secrets {
  /** The operator's token: it acts as the owner of every room. Without it nobody has that power. */
  ADMIN_TOKEN?: string;
}

interface Env extends Secrets {}

declare namespace Cloudflare {
  interface Env extends Secrets {}
}
