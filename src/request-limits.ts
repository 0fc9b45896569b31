import { MAX_HEADER_BYTES, MAX_URL_LENGTH } from "./config";
import { FailureError, fail } from "./result";

/** Refuses a request whose URL or headers are larger than anything the API needs. */
export function assertReasonableSize(request: Request): void {
  if (request.url.length > MAX_URL_LENGTH) {
    throw new FailureError(fail(414, "url_too_long", `A URL is at most ${MAX_URL_LENGTH} characters.`));
  }
  let bytes = 0;
  for (const [name, value] of request.headers) bytes += name.length + value.length + 4;
  if (bytes > MAX_HEADER_BYTES) {
    throw new FailureError(
      fail(431, "headers_too_large", `Request headers are at most ${MAX_HEADER_BYTES / 1024} KiB in all.`),
    );
  }
}

/** The address a request came from, as Cloudflare reports it; one name for all when it does not. */
export function clientAddress(request: Request): string {
  return request.headers.get("CF-Connecting-IP") ?? "unknown";
}
