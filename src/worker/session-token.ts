import { FailureError, fail } from "../common/result";
import { TOKEN_PATTERN } from "../common/token";

/** Where a request's session token came from; a token the client names explicitly is checked strictly. */
export type TokenSource = "header" | "query" | "cookie";

export interface PresentedToken {
  token: string;
  source: TokenSource;
}

/**
 * One cookie per room, so a browser can be in several rooms under different names. Room names
 * never hold a dot, so the two cookies of one room cannot collide with another room's.
 */
export function cookieName(room: string): string {
  return `chat.${room}`;
}

/** The cookie that holds an anonymous reader's pending token until it joins. */
export function pendingCookieName(room: string): string {
  return `chat.${room}.pending`;
}

/**
 * Finds the session token a request carries: `Authorization: Bearer`, then a `token` query
 * parameter (EventSource cannot send headers), then the room's cookie. Our own client sends the
 * header, with the token it keeps itself (one a room, shared by the browser's tabs); the original
 * client relies on the cookie.
 */
export function presentedToken(request: Request, room: string): PresentedToken | undefined {
  const authorization = request.headers.get("Authorization");
  // Another scheme (Basic, from a proxy's login, say) is not ours to judge.
  if (authorization !== null && /^Bearer\b/i.test(authorization)) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return { token: checked(match?.[1] ?? ""), source: "header" };
  }
  const query = new URL(request.url).searchParams.get("token");
  if (query !== null) return { token: checked(query), source: "query" };
  const cookie = readCookie(request.headers.get("Cookie"), cookieName(room));
  // A stale or mangled cookie is not an error: the browser simply has no session here.
  if (cookie !== undefined && TOKEN_PATTERN.test(cookie)) return { token: cookie, source: "cookie" };
  return undefined;
}

/** The pending token from the room's pending cookie, if it holds a well-formed one. */
export function presentedPendingToken(request: Request, room: string): string | undefined {
  const cookie = readCookie(request.headers.get("Cookie"), pendingCookieName(room));
  return cookie !== undefined && TOKEN_PATTERN.test(cookie) ? cookie : undefined;
}

/** `Set-Cookie` for a room's session: unreadable by scripts, not sent on cross-site posts. */
export function sessionCookie(room: string, token: string, secure: boolean, maxAgeSeconds: number): string {
  return cookie(cookieName(room), token, secure, maxAgeSeconds);
}

export function clearedSessionCookie(room: string, secure: boolean): string {
  return cookie(cookieName(room), "", secure, 0);
}

export function pendingCookie(room: string, token: string, secure: boolean, maxAgeSeconds: number): string {
  return cookie(pendingCookieName(room), token, secure, maxAgeSeconds);
}

export function clearedPendingCookie(room: string, secure: boolean): string {
  return cookie(pendingCookieName(room), "", secure, 0);
}

function cookie(name: string, value: string, secure: boolean, maxAgeSeconds: number): string {
  return `${name}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}

function checked(token: string): string {
  if (!TOKEN_PATTERN.test(token)) {
    throw new FailureError(fail(401, "invalid_token", "The session token is malformed; join the room again."));
  }
  return token;
}

function readCookie(header: string | null, name: string): string | undefined {
  if (header === null) return undefined;
  for (const part of header.split(";")) {
    const separator = part.indexOf("=");
    if (separator === -1) continue;
    if (part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}
