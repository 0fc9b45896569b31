/**
 * Why a request was refused. Crosses the RPC boundary between the Worker and the room as a plain
 * object, since RPC keeps only the message of a thrown error.
 */
export interface Failure {
  ok: false;
  status: number;
  /** A stable, machine-readable reason, e.g. `name_taken`. */
  code: string;
  /** A sentence a person can act on. */
  message: string;
  /** Seconds after which the same request may succeed, sent as `Retry-After`. */
  retryAfter?: number;
}

export type Result<T extends object> = ({ ok: true } & T) | Failure;

export function fail(status: number, code: string, message: string, retryAfter?: number): Failure {
  return retryAfter === undefined
    ? { ok: false, status, code, message }
    : { ok: false, status, code, message, retryAfter };
}

/** Carries a {@link Failure} up the Worker's call stack to the router's error handler. */
export class FailureError extends Error {
  constructor(
    readonly failure: Failure,
    /** Headers the refusal needs, such as `Allow` on a 405. */
    readonly headers: Record<string, string> = {},
  ) {
    super(failure.message);
  }
}

/** Throws the failure of a result, so request handlers read straight through. */
export function unwrap<R extends { ok: true } | Failure>(result: R): Extract<R, { ok: true }> {
  if (!result.ok) throw new FailureError(result);
  return result as Extract<R, { ok: true }>;
}
