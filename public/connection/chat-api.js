// @ts-check
/** Calls to the room's HTTP API. Cookies are left out: the page holds the token, which all its tabs share. */

/** How long a message's post may go unanswered before it is tried again. */
const POST_WITHIN_MS = 15000;

/** A refusal from the server, with the reason it gave. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   * @param {number | undefined} retryAfter seconds
   */
  constructor(status, code, message, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/**
 * @typedef {{ room: string, name: string, token: string, role?: "owner" | "moderator" }} Joined
 * @typedef {{
 *   events: { id: number, event?: string, data: string }[],
 *   earlier: boolean, later: boolean, trimmed: boolean, latestId: number,
 * }} HistoryPage frames as the stream carries them, each as it is now, oldest first
 * @typedef {{
 *   results: { id: number, data: string, marks: [number, number][] }[],
 *   more: boolean,
 * }} SearchPage messages as they are now, newest first, with the UTF-16 [from, to) ranges of
 *   their text that match
 */

export class ChatApi {
  /**
   * @param {string} base the room's API prefix, "" for the lobby or "/r/<room>"
   * @param {() => string | undefined} [roomKey] the room's owner or moderator key, if the page holds one
   */
  constructor(base, roomKey = () => undefined) {
    this.base = base;
    this.roomKey = roomKey;
  }

  /**
   * Claims the room, which must be new, and returns its owner key (answered this once).
   * @returns {Promise<{ ownerKey: string }>}
   */
  claim() {
    return this.#send("POST", "/owner");
  }

  /**
   * Makes a moderator key, as the room's owner; it takes the rights of the one before.
   * @returns {Promise<{ moderatorKey: string }>}
   */
  makeModeratorKey() {
    return this.#send("POST", "/moderator-key", undefined, undefined, undefined, true);
  }

  /**
   * Replaces the owner key, as the room's owner (or the operator): the old one no longer works.
   * @param {string | undefined} token the page's session, which goes on as the owner's
   * @returns {Promise<{ ownerKey: string }>}
   */
  replaceOwnerKey(token) {
    return this.#send("POST", "/owner-key", undefined, token, undefined, true);
  }

  /**
   * The authority the page's key holds in the room now: `null` once it no longer works.
   * @returns {Promise<{ role: "owner" | "moderator" | "operator" | null }>}
   */
  role() {
    return this.#send("GET", "/role", undefined, undefined, undefined, true);
  }

  /**
   * Deletes the room and everything in it, as its owner (or the operator).
   * @param {string} confirm the room's name, which the room asks for so that no slip deletes it
   * @param {string | undefined} token the page's session, which holds the owner's mark if it joined with the key
   * @returns {Promise<{ room: string, deleted: true }>}
   */
  deleteRoom(confirm, token) {
    return this.#send("DELETE", "/room", { confirm }, token, undefined, true);
  }

  /** Takes moderator rights back, as the room's owner. */
  revokeModerators() {
    return this.#send("DELETE", "/moderator-key", undefined, undefined, undefined, true);
  }

  /**
   * Sets the room's topic, slow mode or read-only, as its owner or a moderator.
   * @param {{ topic?: string, slowModeSeconds?: number, readOnly?: boolean }} settings
   * @returns {Promise<{ id: number | null }>}
   */
  updateRoom(settings) {
    return this.#send("PATCH", "/room", settings, undefined, undefined, true);
  }

  /**
   * @param {string} name
   * @param {string | undefined} token the browser's session, to rename it or go on with it in a tab opened again
   * @returns {Promise<Joined>}
   */
  join(name, token) {
    // With the room's key, its holder is marked as its owner or a moderator in the online list.
    return this.#send("POST", "/users", { name }, token, undefined, true);
  }

  /**
   * @param {string} msg
   * @param {string} token
   * @param {string} key the same for every try of one message, so that it is posted once
   * @param {number} [replyTo] the id of the message it answers
   * @returns {Promise<{ id: number }>}
   */
  post(msg, token, key, replyTo) {
    /** @type {Record<string, string | number | boolean>} */
    const body = { msg, key };
    if (replyTo !== undefined) body.replyTo = replyTo;
    // A request left hanging (a connection half-open after a network change) would hold up
    // every message behind it; given up, it is sent again under the same key.
    // With the room's key, its owner posts through read-only and slow mode.
    return this.#send("POST", "/messages", body, token, AbortSignal.timeout(POST_WITHIN_MS), true);
  }

  /**
   * Gives one of the participant's messages a new text.
   * @param {number} id
   * @param {string} msg
   * @param {string} token
   * @returns {Promise<{ id: number | null }>}
   */
  edit(id, msg, token) {
    return this.#send("PATCH", "/messages", { id, msg }, token);
  }

  /**
   * Deletes one of the participant's messages.
   * @param {number} id
   * @param {string} token
   * @returns {Promise<{ id: number | null }>}
   */
  remove(id, token) {
    return this.#send("DELETE", "/messages", { id }, token);
  }

  /**
   * Removes a participant from the room for `minutes`, as the room's owner or a moderator.
   * @param {string} name
   * @param {number} minutes
   * @returns {Promise<{ id: number | null }>}
   */
  removeParticipant(name, minutes) {
    return this.#send("POST", "/removals", { name, minutes }, undefined, undefined, true);
  }

  /**
   * Lets a removed participant back before their time is up, as the room's owner or a moderator.
   * @param {string} name
   * @returns {Promise<{ id: number | null }>}
   */
  liftRemoval(name) {
    return this.#send("DELETE", "/removals", { name }, undefined, undefined, true);
  }

  /**
   * Deletes anyone's message, as the room's owner or a moderator.
   * @param {number} id
   * @returns {Promise<{ id: number | null }>}
   */
  moderate(id) {
    return this.#send("DELETE", "/messages", { id }, undefined, undefined, true);
  }

  /**
   * Reacts to a message with `emoji` (`on`), or takes the reaction back.
   * @param {number} id
   * @param {string} emoji
   * @param {boolean} on
   * @param {string} token
   * @returns {Promise<{ id: number | null }>}
   */
  react(id, emoji, on, token) {
    return this.#send(on ? "POST" : "DELETE", "/reactions", { id, emoji }, token);
  }

  /**
   * Tells the room the participant is typing.
   * @param {string} token
   */
  typing(token) {
    return this.#send("POST", "/typing", undefined, token);
  }

  /** @param {string} token */
  leave(token) {
    return this.#send("DELETE", "/users", undefined, token);
  }

  /**
   * A page of the room's history: `limit` messages before, after or around an event id, with
   * what lies between them, oldest first.
   * @param {{ before: number } | { after: number } | { around: number }} anchor
   * @param {string | undefined} token
   * @param {number} [limit]
   * @returns {Promise<HistoryPage>}
   */
  history(anchor, token, limit = 50) {
    const query = new URLSearchParams({
      ...Object.fromEntries(Object.entries(anchor).map(([k, v]) => [k, String(v)])),
      limit: String(limit),
    });
    return this.#send("GET", `/messages?${query}`, undefined, token);
  }

  /**
   * The room's messages holding every word of `q`, newest first; the words go in the body, so
   * that no request log holds them.
   * @param {string} q
   * @param {string | undefined} token
   * @param {number} [before] the oldest result's id so far, for the page after it
   * @returns {Promise<SearchPage>}
   */
  search(q, token, before) {
    return this.#send("POST", "/search", before === undefined ? { q } : { q, before }, token);
  }

  /** @returns {Promise<{ name: string }[]>} */
  users() {
    return this.#send("GET", "/users");
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {Record<string, string | number | boolean>} [body]
   * @param {string} [token]
   * @param {AbortSignal} [signal]
   * @param {boolean} [withRoomKey] send the room's key, if the page holds one
   */
  async #send(method, path, body, token, signal, withRoomKey = false) {
    /** @type {Record<string, string>} */
    const headers = {};
    if (body) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    const key = withRoomKey ? this.roomKey() : undefined;
    if (key) headers["Chat-Room-Key"] = key;
    let response;
    try {
      response = await fetch(this.base + path, {
        method,
        headers,
        body: body ? JSON.stringify(body) : undefined,
        credentials: "omit",
        signal,
      });
    } catch {
      throw new ApiError(0, "network", "Could not reach the server; check your connection.", undefined);
    }
    // Some answers carry no body (204).
    const payload = await response.json().catch(() => ({}));
    if (!response.ok) {
      const retryAfter = Number(response.headers.get("Retry-After")) || undefined;
      throw new ApiError(
        response.status,
        payload.error ?? "unknown",
        payload.message ?? `The server answered ${response.status}.`,
        retryAfter,
      );
    }
    return payload;
  }
}
