import { type IRequest, Router } from "itty-router";
import { failureResponse } from "./common/responses";
import { FailureError, fail } from "./common/result";
import { DEFAULT_ROOM, parseRoomName } from "./common/validate";
import {
  addReaction,
  claimRoom,
  deleteMessage,
  deleteRoom,
  editMessage,
  join,
  leave,
  liftRemoval,
  listMessages,
  listUsers,
  makeModeratorKey,
  openStream,
  postMessage,
  postTyping,
  removeParticipant,
  removeReaction,
  replaceOwnerKey,
  revokeModeratorKey,
  roleHeld,
  roomOverview,
  searchRoom,
  updateRoom,
} from "./worker/api";
import { assertReasonableSize } from "./worker/request-limits";
import { roomPage } from "./worker/room-page";
import { assertSameOrigin } from "./worker/same-origin";
import { withSecurityHeaders } from "./worker/security-headers";

export { ChatRelay } from "./relay/chat-relay";
export { ChatRoom } from "./room/chat-room";

type Handler = (request: Request, env: Env, room: string) => Promise<Response>;
type Args = [Env, ExecutionContext];

/** Each API path and what every method on it does. */
const ENDPOINTS: Record<string, Partial<Record<string, Handler>>> = {
  "/stream": { GET: openStream },
  "/users": { GET: listUsers, POST: join, DELETE: leave },
  "/messages": { GET: listMessages, POST: postMessage, PATCH: editMessage, DELETE: deleteMessage },
  "/reactions": { POST: addReaction, DELETE: removeReaction },
  "/typing": { POST: postTyping },
  "/owner": { POST: claimRoom },
  "/moderator-key": { POST: makeModeratorKey, DELETE: revokeModeratorKey },
  "/owner-key": { POST: replaceOwnerKey },
  "/role": { GET: roleHeld },
  "/search": { POST: searchRoom },
  "/room": { GET: roomOverview, PATCH: updateRoom, DELETE: deleteRoom },
  "/removals": { POST: removeParticipant, DELETE: liftRemoval },
};

/** The original chat's endpoints act on the lobby at the root, and on any room under `/r/<room>`. */
const PREFIXES = ["", "/r/:room"];
const ROOM_IN_PATH = /^\/r\/[^/]*/;

function roomOf(request: IRequest): string {
  const raw = request.params.room;
  return raw === undefined ? DEFAULT_ROOM : parseRoomName(raw);
}

/**
 * Every refusal is logged as one line of JSON: what was refused and why, never a message's
 * text, a name, a room or a token (tokens travel in headers and query strings, not the path).
 */
function logRefusal(request: IRequest, status: number, error: string): void {
  const log = status >= 500 ? console.error : console.warn;
  // A room's name is how its members find it, so it stays out of the logs too.
  const path = new URL(request.url).pathname.replace(ROOM_IN_PATH, "/r/:room");
  log(JSON.stringify({ event: "request_refused", status, error, method: request.method, path }));
}

const router = Router<IRequest, Args>({
  before: [assertReasonableSize, assertSameOrigin],
  catch: (error: unknown, request) => {
    if (error instanceof FailureError) {
      logRefusal(request, error.failure.status, error.failure.code);
      return failureResponse(error.failure, error.headers);
    }
    logRefusal(request, 500, "internal_error");
    console.error(JSON.stringify({ event: "unhandled_error", error: String(error) }));
    return failureResponse(fail(500, "internal_error", "Something went wrong on our side; try again."));
  },
  finally: [withSecurityHeaders],
});

/** A page is only read: GET and HEAD. */
function onlyRead(request: Request, what: string): void {
  if (request.method !== "GET" && request.method !== "HEAD") methodNotAllowed(what, "GET, HEAD");
}

function methodNotAllowed(what: string, allow: string): never {
  throw new FailureError(fail(405, "method_not_allowed", `${what} accepts ${allow}.`), { Allow: allow });
}

for (const prefix of PREFIXES) {
  for (const [path, methods] of Object.entries(ENDPOINTS)) {
    router.all(prefix + path, (request, env) => {
      const room = roomOf(request);
      const handler = methods[request.method];
      if (handler) return handler(request, env, room);
      return methodNotAllowed(path, Object.keys(methods).join(", "));
    });
  }
}

router
  // itty-router matches `/r/games` and `/r/games/` alike, so the slash is told apart here:
  // the page is served only at `/r/<room>/`, so that its relative URLs resolve inside the room.
  .all("/r/:room", async (request, env) => {
    const room = roomOf(request);
    onlyRead(request, "A room page");
    const url = new URL(request.url);
    if (url.pathname !== `/r/${room}/`) {
      url.pathname = `/r/${room}/`;
      return Response.redirect(url.toString(), 308);
    }
    return roomPage(request, env, room);
  })
  .all("/", (request, env) => {
    onlyRead(request, "The lobby's page");
    return roomPage(request, env, DEFAULT_ROOM);
  })
  // Static files are normally answered before the Worker runs; this covers the paths routed to
  // the Worker first and any set-up that sends everything through it.
  .all("*", async (request, env) => {
    if (request.method === "GET" || request.method === "HEAD") {
      const asset = await env.ASSETS.fetch(request);
      if (asset.status !== 404) return asset;
    }
    throw new FailureError(fail(404, "not_found", "There is nothing at this address."));
  });

export default {
  fetch: (request, env, ctx) => router.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
