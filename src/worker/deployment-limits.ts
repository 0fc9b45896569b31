import { UNKNOWN_ADDRESS } from "../common/client-address";
import { FailureError, fail } from "../common/result";

/**
 * What one client address may do across the whole deployment, whatever room it does it in:
 * each budget is a Rate Limiting binding of wrangler.toml, counted per Cloudflare location.
 */
export type DeploymentBudget = "roomClaims" | "joins" | "streams" | "searches";

const BUDGETS: Record<DeploymentBudget, { limiter: (env: Env) => RateLimit; code: string; message: string }> = {
  roomClaims: {
    limiter: (env) => env.ROOM_CLAIMS_LIMITER,
    code: "too_many_new_rooms",
    message: "Too many new rooms from your network in the last minute; try again in a minute.",
  },
  joins: {
    limiter: (env) => env.JOINS_LIMITER,
    code: "too_many_joins",
    message: "Too many joins from your network in the last minute; try again in a minute.",
  },
  streams: {
    limiter: (env) => env.STREAMS_LIMITER,
    code: "too_many_new_streams",
    message: "Too many connections opened from your network in the last minute; try again in a minute.",
  },
  searches: {
    limiter: (env) => env.SEARCHES_LIMITER,
    code: "too_many_searches",
    message: "Too many searches from your network in the last minute; try again in a minute.",
  },
};

/**
 * The binding counts in windows of at most a minute and does not say when one ends, so a minute
 * is always enough to wait.
 */
const RETRY_AFTER_SECONDS = 60;

/**
 * Counts one request of `address` against a budget, and refuses it (429) past the budget. The
 * unknown address stands for everyone Cloudflare did not name, so nothing is held against it.
 */
export async function spendDeploymentBudget(env: Env, budget: DeploymentBudget, address: string): Promise<void> {
  if (address === UNKNOWN_ADDRESS) return;
  const { limiter, code, message } = BUDGETS[budget];
  const { success } = await limiter(env).limit({ key: address });
  if (!success) throw new FailureError(fail(429, code, message, RETRY_AFTER_SECONDS));
}
