import { UNKNOWN_ADDRESS } from "../common/client-address";
import { MAX_HEADER_BYTES, MAX_URL_LENGTH } from "../common/config";
import { FailureError, fail } from "../common/result";

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

/**
 * The address a request came from, as Cloudflare reports it; one name for all when it does not.
 * An IPv6 address counts by its /64 network, since one machine commonly holds a whole /64.
 */
export function clientAddress(request: Request): string {
  const address = request.headers.get("CF-Connecting-IP");
  if (address === null) return UNKNOWN_ADDRESS;
  return address.includes(":") ? ipv6Network(address) : address;
}

/** The first four groups of an IPv6 address, with `::` expanded. */
function ipv6Network(address: string): string {
  const [head = "", tail] = address.toLowerCase().split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}
