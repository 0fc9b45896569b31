import type { ChatRoom } from "./chat-room";
import { readConfig } from "./config";
import { readFields, requiredField, stringField } from "./request-body";
import { json } from "./responses";
import { FailureError, fail, unwrap } from "./result";
import { PENDING_TOKEN_HEADER, toRoomRequest } from "./room-stream";
import { clearedSessionCookie, type PresentedToken, presentedToken, sessionCookie } from "./session-token";
import { parseDisplayName, parseEventId, parseMessageText } from "./validate";

function room(env: Env, name: string): DurableObjectStub<ChatRoom> {
  return env.CHAT_ROOM.getByName(name);
}

function isHttps(request: Request): boolean {
  return new URL(request.url).protocol === "https:";
}

function requireToken(presented: PresentedToken | undefined): string {
  if (!presented) throw new FailureError(fail(401, "not_joined", "Join the room first."));
  return presented.token;
}

/** `GET /stream`: the room's events, resuming after `Last-Event-ID` when the client sends one. */
export async function openStream(request: Request, env: Env, roomName: string): Promise<Response> {
  const presented = presentedToken(request, roomName);
  const rawId = request.headers.get("Last-Event-ID") ?? new URL(request.url).searchParams.get("lastEventId");
  const response = await room(env, roomName).fetch(
    toRoomRequest({
      token: presented?.token,
      strict: presented !== undefined && presented.source !== "cookie",
      lastEventId: rawId === null || rawId === "" ? undefined : parseEventId(rawId),
    }),
  );
  if (!response.ok) return response;
  const headers = new Headers(response.headers);
  const pendingToken = headers.get(PENDING_TOKEN_HEADER);
  if (pendingToken !== null) {
    headers.delete(PENDING_TOKEN_HEADER);
    const maxAge = Math.floor(readConfig(env).sessionTtlMs / 1000);
    headers.set("Set-Cookie", sessionCookie(roomName, pendingToken, isHttps(request), maxAge));
  }
  return new Response(response.body, { status: response.status, headers });
}

/** `POST /users`: join under `name`; the session comes back as a cookie and as a token. */
export async function join(request: Request, env: Env, roomName: string): Promise<Response> {
  const config = readConfig(env);
  const fields = await readFields(request);
  const name = parseDisplayName(requiredField(fields, "name"), config.nameMaxLength);
  const presented = presentedToken(request, roomName);
  const joined = unwrap(await room(env, roomName).join({ name, token: presented?.token }));
  const cookie = sessionCookie(roomName, joined.token, isHttps(request), Math.floor(config.sessionTtlMs / 1000));
  return json({ room: roomName, name: joined.name, token: joined.token }, joined.created ? 201 : 200, {
    "Set-Cookie": cookie,
  });
}

/** `DELETE /users`: leave. The original client names itself as `username`, in the query string or the body. */
export async function leave(request: Request, env: Env, roomName: string): Promise<Response> {
  const presented = presentedToken(request, roomName);
  const fields = await readFields(request);
  const query = new URL(request.url).searchParams;
  const claimed = query.get("username") ?? stringField(fields, "username") ?? stringField(fields, "name");
  const left = unwrap(await room(env, roomName).leave({ token: requireToken(presented), name: claimed?.trim() }));
  return json({ room: roomName, name: left.name }, 200, {
    "Set-Cookie": clearedSessionCookie(roomName, isHttps(request)),
  });
}

/** `POST /messages`: post `msg` as the joined participant; `name`, if sent, must be theirs. */
export async function postMessage(request: Request, env: Env, roomName: string): Promise<Response> {
  const config = readConfig(env);
  const fields = await readFields(request);
  const msg = parseMessageText(requiredField(fields, "msg"), config.messageMaxLength);
  const claimed = stringField(fields, "name");
  const presented = presentedToken(request, roomName);
  const posted = unwrap(await room(env, roomName).post({ token: requireToken(presented), msg, name: claimed?.trim() }));
  return json({ id: posted.id }, 201);
}

/** `GET /users`: who is online now. */
export async function listUsers(_request: Request, env: Env, roomName: string): Promise<Response> {
  return json(await room(env, roomName).users());
}
