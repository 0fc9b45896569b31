/**
 * Client addresses for tests and the benchmark to name as `CF-Connecting-IP`, from the range set
 * aside for benchmarking networks (198.18.0.0/15), so that one local process can stand for many
 * people where a deployment counts what each address does. wrangler dev keeps an address a client
 * names; Cloudflare never does.
 */
export function clientAddress(index: number): string {
  return `198.${18 + ((index >> 16) & 1)}.${(index >> 8) & 255}.${index & 255}`;
}

let issued = 0;

/** An address no other caller of this module has been given. */
export function freshClientAddress(): string {
  issued += 1;
  return clientAddress(issued);
}
