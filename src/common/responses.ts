import type { Failure } from "./result";

/** A JSON response; API responses are never cached. */
export function json(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  const response = new Response(JSON.stringify(body), { status, headers });
  response.headers.set("Content-Type", "application/json; charset=utf-8");
  response.headers.set("Cache-Control", "no-store");
  return response;
}

/** The JSON error body every refusal gets: `{ error, message }`. */
export function failureResponse(failure: Failure, headers: HeadersInit = {}): Response {
  const response = json({ error: failure.code, message: failure.message }, failure.status, headers);
  if (failure.retryAfter !== undefined) response.headers.set("Retry-After", String(failure.retryAfter));
  return response;
}
