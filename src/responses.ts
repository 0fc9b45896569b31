import { type Failure, fail } from "./result";

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

/** Reads back a refusal that {@link failureResponse} made, e.g. one a room answered a stream request with. */
export async function failureFrom(response: Response): Promise<Failure> {
  const body = await response
    .json<{ error?: string; message?: string }>()
    .catch(() => ({}) as { error?: string; message?: string });
  const retryAfter = response.headers.get("Retry-After");
  return fail(
    response.status,
    body.error ?? "unknown",
    body.message ?? `The room answered ${response.status}.`,
    retryAfter === null ? undefined : Number(retryAfter),
  );
}
