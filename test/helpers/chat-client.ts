import { SELF } from "cloudflare:test";
import { EventStreamReader } from "./event-stream";

export const ORIGIN = "http://chat.test";

let roomCounter = 0;

/** A room name no other test uses, so tests never see each other's events. */
export function freshRoom(label = "t"): string {
  roomCounter += 1;
  return `${label}-${roomCounter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Base path of a room's API; the lobby lives at the root. */
export function roomPath(room: string | undefined): string {
  return room === undefined ? "" : `/r/${room}`;
}

export function form(fields: Record<string, string>): RequestInit {
  return {
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  };
}

export function jsonBody(value: unknown): RequestInit {
  return { headers: { "Content-Type": "application/json" }, body: JSON.stringify(value) };
}

export async function call(path: string, init: RequestInit = {}): Promise<Response> {
  return SELF.fetch(ORIGIN + path, init);
}

/** Opens a room's event stream, failing unless it is one. */
export async function openStream(
  room: string | undefined,
  options: { token?: string; lastEventId?: number; cookie?: string } = {},
): Promise<{ response: Response; reader: EventStreamReader }> {
  const url = new URL(`${ORIGIN}${roomPath(room)}/stream`);
  if (options.token !== undefined) url.searchParams.set("token", options.token);
  const headers = new Headers();
  if (options.lastEventId !== undefined) headers.set("Last-Event-ID", String(options.lastEventId));
  if (options.cookie !== undefined) headers.set("Cookie", options.cookie);
  const response = await SELF.fetch(url, { headers });
  if (response.status !== 200) throw new Error(`stream refused: ${response.status} ${await response.text()}`);
  return { response, reader: new EventStreamReader(response) };
}

/** A participant who joined by token, as our own client does. */
export interface Participant {
  name: string;
  token: string;
  room: string | undefined;
}

export async function joinAs(room: string | undefined, name: string): Promise<Participant> {
  const response = await call(`${roomPath(room)}/users`, { method: "POST", ...jsonBody({ name }) });
  if (response.status !== 201) throw new Error(`join refused: ${response.status} ${await response.text()}`);
  const body = await response.json<{ token: string; name: string }>();
  return { name: body.name, token: body.token, room };
}

export async function say(participant: Participant, msg: string): Promise<Response> {
  return call(`${roomPath(participant.room)}/messages`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${participant.token}` },
    body: JSON.stringify({ msg }),
  });
}

/** Posts and returns the id the server acknowledged, failing on anything but 201. */
export async function sayOk(participant: Participant, msg: string): Promise<number> {
  const response = await say(participant, msg);
  if (response.status !== 201) throw new Error(`post refused: ${response.status} ${await response.text()}`);
  return (await response.json<{ id: number }>()).id;
}

/** The session cookie pair from a response's Set-Cookie, ready for a Cookie header. */
export function cookieFrom(response: Response): string {
  const header = response.headers.get("Set-Cookie");
  if (!header) throw new Error("no Set-Cookie");
  return header.split(";")[0] ?? "";
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The `i`-th item of a list taken round and round, for spreading posts over participants. */
export function nth<T>(items: readonly T[], i: number): T {
  const item = items[i % items.length];
  if (item === undefined) throw new Error("empty list");
  return item;
}
