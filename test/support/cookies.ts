/** The first cookie a response sets, as a `name=value` pair ready for a Cookie header. */
export function cookieFrom(response: Response): string {
  const header = response.headers.get("Set-Cookie");
  if (!header) throw new Error("no Set-Cookie");
  return header.split(";")[0] ?? "";
}

/** A cookie jar for one client, kept as `curl -c jar -b jar` keeps it: by name, deleted by `Max-Age=0`. */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  /** The Cookie header to send, or "" when the jar is empty. */
  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  /** Takes every cookie a response sets or deletes. */
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const separator = pair?.indexOf("=") ?? -1;
      if (!pair || separator < 0) continue;
      const name = pair.slice(0, separator);
      if (/Max-Age=0/i.test(line)) this.#cookies.delete(name);
      else this.#cookies.set(name, pair.slice(separator + 1));
    }
  }
}
