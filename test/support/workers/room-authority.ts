import { env } from "cloudflare:test";
import { expect } from "vitest";
import { jsonBody, type Participant } from "../chat-client";
import { roomPath } from "../rooms";
import { call } from "./self-client";

/**
 * A request to one of a room's endpoints presenting `key` (a room key or the operator's token),
 * with `fields` as JSON, and under the session `token` when one is given, as an owner's page sends.
 */
export function withKey(
  room: string | undefined,
  key: string,
  method: string,
  endpoint: string,
  fields?: object,
  token?: string,
): Promise<Response> {
  const headers: Record<string, string> = { "Chat-Room-Key": key };
  if (fields !== undefined) headers["Content-Type"] = "application/json";
  if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  const body = fields === undefined ? undefined : JSON.stringify(fields);
  return call(`${roomPath(room)}${endpoint}`, { method, headers, body });
}

/** Claims a fresh room, as New room does, and returns its owner key. */
export async function claim(room: string): Promise<string> {
  const response = await call(`${roomPath(room)}/owner`, { method: "POST" });
  expect(response.status).toBe(201);
  return ((await response.json()) as { ownerKey: string }).ownerKey;
}

/** Joins presenting the room's key (or the operator's token), as a manage link's page does; by token. */
export async function joinWithKey(room: string, name: string, key: string): Promise<Participant> {
  const response = await call(`${roomPath(room)}/users`, {
    method: "POST",
    ...jsonBody({ name }),
    headers: { ...jsonBody({}).headers, "Chat-Room-Key": key },
  });
  expect(response.status).toBe(201);
  return { name, token: ((await response.json()) as { token: string }).token, room };
}

/** The newest event id of a room: unchanged by anything refused. */
export async function lastEventId(room: string): Promise<number> {
  return (await env.CHAT_ROOM.getByName(room).stats()).lastEventId;
}

/** Makes a moderator key with `key` (the owner's, or the operator's token); it takes the rights of the one before. */
export async function moderatorKeyOf(room: string, key: string): Promise<string> {
  const response = await withKey(room, key, "POST", "/moderator-key");
  expect(response.status).toBe(201);
  return ((await response.json()) as { moderatorKey: string }).moderatorKey;
}
