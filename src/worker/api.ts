import { readConfig } from "../common/config";
import { json } from "../common/responses";
import { FailureError, fail, type Result, unwrap } from "../common/result";
import {
  DEFAULT_ROOM,
  parseDisplayName,
  parseEventId,
  parseMessageId,
  parseMessageKey,
  parseMessageText,
  parseReactionEmoji,
  parseRemovalMinutes,
  parseSlowMode,
  parseSwitch,
  parseTopic,
} from "../common/validate";
import type { Authority } from "../moderation/moderation";
import { newRoomKey, presentedCredential } from "../moderation/room-keys";
import type { ChatRoom } from "../room/chat-room";
import type { ChangeMade } from "../room/room-answers";
import { NEW_PENDING_TOKEN_HEADER, STREAM_HEADERS, toRoomRequest } from "../room/room-stream";
import type { HandOff } from "../room/stream-admission";
import { RELAY_HEADER, relayName, toRelayRequest } from "../streams/relay-protocol";
import { spendDeploymentBudget } from "./deployment-limits";
import { parseHistoryQuery } from "./history-query";
import { locationHint, readerRegion } from "./reader-region";
import { type Fields, readFields, requiredField, stringField } from "./request-body";
import { clientAddress } from "./request-limits";
import { parseSearchRequest } from "./search-request";
import {
  clearedPendingCookie,
  clearedSessionCookie,
  pendingCookie,
  presentedPendingToken,
  presentedToken,
  sessionCookie,
} from "./session-token";

/** Longest topic, in characters. */
const TOPIC_MAX_LENGTH = 200;

function room(env: Env, name: string): DurableObjectStub<ChatRoom> {
  return env.CHAT_ROOM.getByName(name);
}

function isHttps(request: Request): boolean {
  return new URL(request.url).protocol === "https:";
}

function cookieMaxAge(env: Env): number {
  return Math.floor(readConfig(env).sessionTtlMs / 1000);
}

/** The caller's session token; without one, nothing else about the request matters. */
function requireToken(request: Request, roomName: string): string {
  const presented = presentedToken(request, roomName);
  if (!presented) throw new FailureError(fail(401, "not_joined", "Join the room first."));
  return presented.token;
}

/**
 * The names a request claims to act as, each of which must be the caller's: `name`, and
 * `username` (what the original client calls itself when it leaves), in the body or the query
 * string. An empty one is no claim, as in the original client's forms.
 */
function claimedNames(request: Request, fields: Fields): string[] {
  const query = new URL(request.url).searchParams;
  return ["name", "username"]
    .flatMap((field) => [stringField(fields, field), query.get(field)])
    .map((value) => value?.trim() ?? "")
    .filter((name) => name !== "");
}

/** `GET /stream`: the room's events, resuming after `Last-Event-ID` when the client sends one. */
export async function openStream(request: Request, env: Env, roomName: string): Promise<Response> {
  const presented = presentedToken(request, roomName);
  const pending = presentedPendingToken(request, roomName);
  const rawId = request.headers.get("Last-Event-ID") ?? new URL(request.url).searchParams.get("lastEventId");
  const lastEventId = rawId === null || rawId === "" ? undefined : parseEventId(rawId);
  const client = clientAddress(request);
  await spendDeploymentBudget(env, "streams", client);
  const region = readerRegion(request);
  const answer = await room(env, roomName).fetch(
    toRoomRequest({
      token: presented?.token,
      strict: presented !== undefined && presented.source !== "cookie",
      pendingToken: pending,
      lastEventId,
      client,
      region,
    }),
  );
  // A refusal is the room's own JSON error, made and logged there.
  if (!answer.ok) return answer;
  const response = answer.headers.has(RELAY_HEADER) ? await fromRelay(env, roomName, region, answer) : answer;
  if (!response.ok) return response;
  const headers = new Headers(STREAM_HEADERS);
  const newPending = response.headers.get(NEW_PENDING_TOKEN_HEADER);
  if (newPending !== null) {
    // Its own cookie, so that it can never overwrite a session cookie set by a join in flight.
    headers.append("Set-Cookie", pendingCookie(roomName, newPending, isHttps(request), cookieMaxAge(env)));
  } else if (presented?.source === "cookie" && pending === undefined) {
    // An active reader's session cookie is renewed, so it outlives the session's idle expiry.
    headers.append("Set-Cookie", sessionCookie(roomName, presented.token, isHttps(request), cookieMaxAge(env)));
  }
  return new Response(response.body, { headers });
}

/** A stream the room admitted and handed to a relay near the reader: the relay serves it. */
async function fromRelay(env: Env, roomName: string, region: string, answer: Response): Promise<Response> {
  const handOff = await answer.json<HandOff>();
  const name = relayName(roomName, handOff.relay);
  const hint = locationHint(region);
  const relay = env.CHAT_RELAY.get(env.CHAT_RELAY.idFromName(name), hint ? { locationHint: hint } : {});
  const served = await relay.fetch(toRelayRequest({ room: roomName, ...handOff }));
  if (!served.ok) return served;
  // The room's answer carries the reader's new pending token, if it was given one.
  return new Response(served.body, { headers: answer.headers });
}

/**
 * `GET /messages`: a page of the conversation before, after or around an event id, each event
 * as it is now, for whoever may open the room's stream.
 */
export async function listMessages(request: Request, env: Env, roomName: string): Promise<Response> {
  const { anchor, limit } = parseHistoryQuery(new URL(request.url));
  const { ok: _ok, ...page } = unwrap(
    await room(env, roomName).history({
      token: presentedToken(request, roomName)?.token,
      client: clientAddress(request),
      anchor,
      limit,
    }),
  );
  return json(page);
}

/**
 * `POST /search`: the room's messages holding every word of `q`, newest first, as they are now,
 * with the words to mark; for whoever may open the room's stream, paced per participant.
 */
export async function searchRoom(request: Request, env: Env, roomName: string): Promise<Response> {
  const search = parseSearchRequest(await readFields(request));
  const client = clientAddress(request);
  await spendDeploymentBudget(env, "searches", client);
  const { ok: _ok, ...answer } = unwrap(
    await room(env, roomName).search({ token: presentedToken(request, roomName)?.token, client, ...search }),
  );
  return json(answer);
}

/** `POST /users`: join under `name`; the session comes back as a cookie and as a token. */
export async function join(request: Request, env: Env, roomName: string): Promise<Response> {
  const config = readConfig(env);
  const fields = await readFields(request);
  const name = parseDisplayName(requiredField(fields, "name"), config.nameMaxLength);
  const client = clientAddress(request);
  await spendDeploymentBudget(env, "joins", client);
  const joined = unwrap(
    await room(env, roomName).join({
      name,
      token: presentedToken(request, roomName)?.token,
      pendingToken: presentedPendingToken(request, roomName),
      client,
      credential: await presentedCredential(request, env.ADMIN_TOKEN),
    }),
  );
  const headers = new Headers();
  headers.append("Set-Cookie", sessionCookie(roomName, joined.token, isHttps(request), cookieMaxAge(env)));
  headers.append("Set-Cookie", clearedPendingCookie(roomName, isHttps(request)));
  const answer = { room: roomName, name: joined.name, token: joined.token };
  return json(
    joined.role === undefined ? answer : { ...answer, role: joined.role },
    joined.created ? 201 : 200,
    headers,
  );
}

/** `DELETE /users`: leave. The original client names itself as `username`, in the query string or the body. */
export async function leave(request: Request, env: Env, roomName: string): Promise<Response> {
  const token = requireToken(request, roomName);
  const names = claimedNames(request, await optionalFields(request));
  const left = unwrap(await room(env, roomName).leave({ token, names }));
  return json({ room: roomName, name: left.name }, 200, {
    "Set-Cookie": clearedSessionCookie(roomName, isHttps(request)),
  });
}

/**
 * `POST /messages`: post `msg` as the joined participant; `name` or `username`, if sent, must be
 * theirs; `key` makes a send safe to repeat; `replyTo` is the id of the message it answers.
 */
export async function postMessage(request: Request, env: Env, roomName: string): Promise<Response> {
  const token = requireToken(request, roomName);
  const fields = await readFields(request);
  const msg = parseMessageText(requiredField(fields, "msg"), readConfig(env).messageMaxLength);
  const names = claimedNames(request, fields);
  const rawKey = stringField(fields, "key");
  const key = rawKey === undefined ? undefined : parseMessageKey(rawKey);
  const rawReplyTo = fields.get("replyTo");
  const replyTo = rawReplyTo === undefined || rawReplyTo === "" ? undefined : parseMessageId(rawReplyTo);
  const credential = await presentedCredential(request, env.ADMIN_TOKEN);
  const posted = unwrap(await room(env, roomName).post({ token, msg, names, key, replyTo, credential }));
  // A message sent again under its key was not posted again: 200 with the id it already had.
  return json({ id: posted.id }, posted.repeated ? 200 : 201);
}

/** `PATCH /messages`: give one of the participant's own messages (`id`) the text `msg`. */
export async function editMessage(request: Request, env: Env, roomName: string): Promise<Response> {
  const token = requireToken(request, roomName);
  const fields = await readFields(request);
  const id = parseMessageId(requiredValue(fields, "id"));
  const msg = parseMessageText(requiredField(fields, "msg"), readConfig(env).messageMaxLength);
  const names = claimedNames(request, fields);
  return changeMade(await room(env, roomName).editMessage({ token, names, id, msg }));
}

/**
 * `DELETE /messages`: delete one of the participant's own messages, or, with the room's key or
 * as a session that joined with it, anyone's; `id` in the query string or the body.
 */
export async function deleteMessage(request: Request, env: Env, roomName: string): Promise<Response> {
  const credential = await presentedCredential(request, env.ADMIN_TOKEN);
  if (credential) {
    const id = parseMessageId(requiredValue(await fieldsOrQuery(request), "id"));
    return json({ id: unwrap(await room(env, roomName).moderate({ credential, action: "delete", id })).id });
  }
  const token = requireToken(request, roomName);
  const fields = await fieldsOrQuery(request);
  const id = parseMessageId(requiredValue(fields, "id"));
  const names = claimedNames(request, fields);
  return changeMade(await room(env, roomName).deleteMessage({ token, names, id }));
}

/** `POST /reactions`: react to message `id` with `emoji`. */
export function addReaction(request: Request, env: Env, roomName: string): Promise<Response> {
  return react(request, env, roomName, true);
}

/** `DELETE /reactions`: take back a reaction, `id` and `emoji` in the query string or the body. */
export function removeReaction(request: Request, env: Env, roomName: string): Promise<Response> {
  return react(request, env, roomName, false);
}

async function react(request: Request, env: Env, roomName: string, on: boolean): Promise<Response> {
  const token = requireToken(request, roomName);
  const fields = await fieldsOrQuery(request);
  const id = parseMessageId(requiredValue(fields, "id"));
  const emoji = parseReactionEmoji(requiredField(fields, "emoji"));
  const names = claimedNames(request, fields);
  return changeMade(await room(env, roomName).react({ token, names, id, emoji, on }));
}

/** `POST /owner`: claim a room nothing has happened in yet; its owner key is answered once, and only its hash kept. */
export async function claimRoom(request: Request, env: Env, roomName: string): Promise<Response> {
  if (roomName === DEFAULT_ROOM)
    throw new FailureError(fail(403, "lobby_has_no_owner", "The lobby belongs to nobody."));
  // Every claim makes a room object with storage, billed to the operator, however it ends.
  await spendDeploymentBudget(env, "roomClaims", clientAddress(request));
  const { key, hash } = await newRoomKey();
  unwrap(await room(env, roomName).claim({ keyHash: hash }));
  return json({ room: roomName, ownerKey: key }, 201, { "Cache-Control": "no-store" });
}

/** `POST /moderator-key`: the owner makes a moderator key, which takes the rights of the one before. */
export async function makeModeratorKey(request: Request, env: Env, roomName: string): Promise<Response> {
  const authority = await requireAuthority(request, env, roomName);
  const { key, hash } = await newRoomKey();
  unwrap(await room(env, roomName).moderate({ ...authority, action: "moderator-key", keyHash: hash }));
  return json({ room: roomName, moderatorKey: key }, 201, { "Cache-Control": "no-store" });
}

/** `DELETE /moderator-key`: the owner takes moderator rights back from whoever holds the key. */
export async function revokeModeratorKey(request: Request, env: Env, roomName: string): Promise<Response> {
  const authority = await requireAuthority(request, env, roomName);
  const done = unwrap(
    await room(env, roomName).moderate({ ...authority, action: "moderator-key", keyHash: undefined }),
  );
  return json({ room: roomName, id: done.id });
}

/**
 * `POST /owner-key`: the owner, or the operator, replaces the owner key. The new one is answered
 * once; the old one, and every session that joined with it but the one replacing it, owns the room
 * no more. The operator gives a room without an owner one this way; the lobby stays nobody's.
 */
export async function replaceOwnerKey(request: Request, env: Env, roomName: string): Promise<Response> {
  if (roomName === DEFAULT_ROOM)
    throw new FailureError(fail(403, "lobby_has_no_owner", "The lobby belongs to nobody."));
  const authority = await requireAuthority(request, env, roomName);
  // The session comes along with a key, so that the owner's page that replaces it stays the owner's.
  const token = presentedToken(request, roomName)?.token;
  const { key, hash } = await newRoomKey();
  unwrap(await room(env, roomName).moderate({ ...authority, token, action: "owner-key", keyHash: hash }));
  return json({ room: roomName, ownerKey: key }, 201);
}

/**
 * `GET /role`: the authority the presented key (or, without one, the session) holds in the room
 * now, so that a page can tell whether the key it keeps still works.
 */
export async function roleHeld(request: Request, env: Env, roomName: string): Promise<Response> {
  const credential = await presentedCredential(request, env.ADMIN_TOKEN);
  const token = credential ? undefined : presentedToken(request, roomName)?.token;
  return json({ room: roomName, role: await room(env, roomName).authority({ credential, token }) });
}

/**
 * `GET /room`: the room's settings and how many are online; for its owner or the operator
 * (by key, token or a session that joined with one), also how many read it, through relays
 * included, and where.
 */
export async function roomOverview(request: Request, env: Env, roomName: string): Promise<Response> {
  const credential = await presentedCredential(request, env.ADMIN_TOKEN);
  const token = credential ? undefined : presentedToken(request, roomName)?.token;
  const { ok: _ok, ...overview } = unwrap(await room(env, roomName).overview({ credential, token }));
  return json({ room: roomName, ...overview });
}

/** `PATCH /room`: set any of `topic`, `slowModeSeconds` and `readOnly`, for everyone. */
export async function updateRoom(request: Request, env: Env, roomName: string): Promise<Response> {
  const authority = await requireAuthority(request, env, roomName);
  const fields = await readFields(request);
  const topic = stringField(fields, "topic");
  const slowMode = fields.get("slowModeSeconds");
  const readOnly = fields.get("readOnly");
  if (topic === undefined && slowMode === undefined && readOnly === undefined) {
    throw new FailureError(fail(400, "missing_field", "Send a topic, slowModeSeconds or readOnly to change."));
  }
  const settings = {
    ...(topic === undefined ? {} : { topic: parseTopic(topic, TOPIC_MAX_LENGTH) }),
    ...(slowMode === undefined ? {} : { slowModeSeconds: parseSlowMode(slowMode) }),
    ...(readOnly === undefined ? {} : { readOnly: parseSwitch(readOnly, "readOnly") }),
  };
  const done = unwrap(await room(env, roomName).moderate({ ...authority, action: "settings", settings }));
  return json({ id: done.id });
}

/**
 * `DELETE /room`: the owner, or the operator, deletes the room and everything in it. The room's
 * name must come along as `confirm`, so that no slip of a script or a path deletes a room.
 */
export async function deleteRoom(request: Request, env: Env, roomName: string): Promise<Response> {
  const authority = await requireAuthority(request, env, roomName);
  const confirm = requiredField(await fieldsOrQuery(request), "confirm");
  if (confirm.trim().toLowerCase() !== roomName) {
    throw new FailureError(
      fail(400, "confirmation_mismatch", "To delete the room, send its name as 'confirm', exactly as it is."),
    );
  }
  unwrap(await room(env, roomName).deleteRoom(authority));
  // The caller's session went with the room.
  return json({ room: roomName, deleted: true }, 200, {
    "Set-Cookie": clearedSessionCookie(roomName, isHttps(request)),
  });
}

/** `POST /removals`: remove the participant called `name` and keep them out for `minutes`. */
export async function removeParticipant(request: Request, env: Env, roomName: string): Promise<Response> {
  const authority = await requireAuthority(request, env, roomName);
  const fields = await readFields(request);
  const name = parseDisplayName(requiredField(fields, "name"), readConfig(env).nameMaxLength);
  const minutes = parseRemovalMinutes(requiredValue(fields, "minutes"));
  const done = unwrap(await room(env, roomName).moderate({ ...authority, action: "remove", name, minutes }));
  return json({ id: done.id });
}

/** `DELETE /removals`: let the participant called `name` back before their time is up. */
export async function liftRemoval(request: Request, env: Env, roomName: string): Promise<Response> {
  const authority = await requireAuthority(request, env, roomName);
  const name = parseDisplayName(requiredField(await fieldsOrQuery(request), "name"), readConfig(env).nameMaxLength);
  const done = unwrap(await room(env, roomName).moderate({ ...authority, action: "lift", name }));
  return json({ id: done.id });
}

/**
 * What a moderation request acts with: the room key or operator token it presents, which wins
 * when given (its session is then not read), else its session, which the room finds holding
 * whatever authority it joined with, or none.
 */
async function requireAuthority(request: Request, env: Env, roomName: string): Promise<Authority> {
  const credential = await presentedCredential(request, env.ADMIN_TOKEN);
  if (credential) return { credential };
  const token = presentedToken(request, roomName)?.token;
  if (token === undefined) {
    throw new FailureError(fail(403, "not_a_moderator", "Only the room's owner or a moderator can do this."));
  }
  return { credential: undefined, token };
}

/** A change's answer: the id of the event it was published as, or null when it changed nothing. */
function changeMade(result: Result<ChangeMade>): Response {
  return json({ id: unwrap(result).id }, 200);
}

/** `POST /typing`: tell everyone the joined participant is typing; `name` or `username`, if sent, must be theirs. */
export async function postTyping(request: Request, env: Env, roomName: string): Promise<Response> {
  const token = requireToken(request, roomName);
  const names = claimedNames(request, await optionalFields(request));
  unwrap(await room(env, roomName).typing({ token, names }));
  return new Response(null, { status: 204, headers: { "Cache-Control": "no-store" } });
}

/** `GET /users`: who is online now. */
export async function listUsers(_request: Request, env: Env, roomName: string): Promise<Response> {
  return json(await room(env, roomName).users());
}

/** A field that must be present, of whatever type (an id is a number in JSON, a string in a form). */
function requiredValue(fields: Fields, name: string): unknown {
  const value = fields.get(name);
  if (value === undefined || value === "") {
    throw new FailureError(fail(400, "missing_field", `The field '${name}' is required.`));
  }
  return value;
}

/** The body's fields, with the query string's for those the body does not carry (a DELETE often has no body). */
async function fieldsOrQuery(request: Request): Promise<Fields> {
  const fields = new Map(await optionalFields(request));
  for (const [key, value] of new URL(request.url).searchParams) if (!fields.has(key)) fields.set(key, value);
  return fields;
}

/** A body that may carry a field or two but is not needed: one of another type is ignored. */
async function optionalFields(request: Request): Promise<Fields> {
  try {
    return await readFields(request);
  } catch (error) {
    if (error instanceof FailureError && error.failure.status === 415) return new Map();
    throw error;
  }
}
