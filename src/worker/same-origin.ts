import { FailureError, fail } from "../common/result";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses a state-changing request sent by a page on another site. Browsers always send
 * `Origin` on cross-origin POST and DELETE; requests without it (curl, the original client's
 * same-origin posts in old browsers) are let through, and SameSite=Lax keeps the session
 * cookie off cross-site posts in any case.
 */
export function assertSameOrigin(request: Request): void {
  if (SAFE_METHODS.has(request.method)) return;
  const origin = request.headers.get("Origin");
  if (origin === null) return;
  const host = request.headers.get("Host") ?? new URL(request.url).host;
  let originHost: string | undefined;
  try {
    originHost = new URL(origin).host;
  } catch {
    originHost = undefined;
  }
  if (originHost !== host && originHost !== new URL(request.url).host) {
    throw new FailureError(fail(403, "cross_site", "Requests from other sites cannot change this chat."));
  }
}
