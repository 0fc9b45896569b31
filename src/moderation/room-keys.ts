import { newToken } from "../common/token";

/** The header a room's owner key, moderator key or the operator's token travels in; never a URL. */
export const ROOM_KEY_HEADER = "Chat-Room-Key";

/**
 * What a request presents to act with a room's authority: the operator's token (checked by the
 * Worker, which alone knows it) or the SHA-256 of a key, which the room compares with the hashes
 * it stores. A key itself never reaches the room, and is never logged.
 */
export type Credential = { operator: true } | { keyHash: string };

/** A new owner or moderator key, and the hash the room keeps of it. */
export async function newRoomKey(): Promise<{ key: string; hash: string }> {
  const key = newToken();
  return { key, hash: await sha256Hex(key) };
}

/** The credential a request presents, if any, checked against the operator's token in constant time. */
export async function presentedCredential(
  request: Request,
  adminToken: string | undefined,
): Promise<Credential | undefined> {
  const key = request.headers.get(ROOM_KEY_HEADER)?.trim();
  if (!key) return undefined;
  const hash = await sha256(key);
  if (adminToken && crypto.subtle.timingSafeEqual(hash, await sha256(adminToken))) return { operator: true };
  return { keyHash: toHex(hash) };
}

/** Whether a presented key's hash is the stored one, compared in constant time. */
export function sameHash(presented: string, stored: string | undefined): boolean {
  if (stored === undefined || presented.length !== stored.length) return false;
  const encoder = new TextEncoder();
  return crypto.subtle.timingSafeEqual(encoder.encode(presented), encoder.encode(stored));
}

async function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
}

async function sha256Hex(text: string): Promise<string> {
  return toHex(await sha256(text));
}

function toHex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
