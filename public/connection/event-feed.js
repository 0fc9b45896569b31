// @ts-check
import { SseParser } from "./sse-parser.js";

/**
 * The room's event stream, kept open. It is read with `fetch` rather than EventSource, so that
 * the session travels in an Authorization header (never in a URL a log might keep) and a refusal
 * is seen with its status and reason: an expired session is renewed, a full room is said to be
 * full. Like EventSource it resumes with Last-Event-ID, waits the `retry:` the server asks for,
 * and backs off while the server cannot be reached; unlike it, it also reconnects when the
 * stream falls silent for longer than the server's heartbeats allow. Events are passed on once
 * each, in id order.
 */

/**
 * @typedef {{ id: number, user: string, msg?: string, deleted?: true, expired?: true }} QuotedMessage
 * @typedef {{
 *   name: string, msg: string, kind: "message" | "join" | "leave", user: string, at: number, key?: string,
 *   replyTo?: QuotedMessage, edited?: number, reactions?: Partial<Record<string, string[]>>,
 *   role?: "owner" | "moderator",
 * }} ChatEvent
 * @typedef {(
 *   | { kind: "edit", target: number, user: string, msg: string, at: number }
 *   | { kind: "delete", target: number, user: string, at: number, sentAt?: number, moderated?: true }
 *   | { kind: "reaction", target: number, user: string, emoji: string, users: string[], at: number }
 * )} ChangeEvent
 * @typedef {(
 *   | { kind: "removed", user: string, until: number, at: number }
 *   | { kind: "lifted", user: string, at: number }
 *   | { kind: "moderators", at: number }
 *   | { kind: "owner_key", at: number }
 * )} ModerationEvent
 * @typedef {{ kind: "room_deleted", by: "owner" | "operator", at: number }} RoomDeletedEvent
 * @typedef {{ topic: string, slowModeSeconds: number, readOnly: boolean }} RoomSettings
 * @typedef {{ name: string, role?: "owner" | "moderator" }} OnlineUser
 * @typedef {"connecting" | "live" | "reconnecting"} FeedState
 * @typedef {{
 *   nameMaxLength: number, messageMaxLength: number, typingIntervalMs: number, heartbeatMs: number,
 *   editWindowMs: number, reactionEmoji: string[], reactionsPerMessage: number,
 * }} RoomLimits
 * @typedef {{
 *   onEvent: (id: number, event: ChatEvent, news: boolean) => void,
 *   onChange: (id: number, change: ChangeEvent) => void,
 *   onSettings: (settings: RoomSettings) => void,
 *   onModeration: (event: ModerationEvent, news: boolean, id: number) => void,
 *   onPresence: (users: OnlineUser[]) => void,
 *   onLimits: (limits: RoomLimits) => void,
 *   onTyping: (name: string) => void,
 *   onGap: () => void,
 *   onDeleted: (event: RoomDeletedEvent) => void,
 *   onState: (state: FeedState) => void,
 *   onRefused: () => Promise<void>,
 *   onTrouble: (message: string) => void,
 * }} FeedHandlers
 */

/** What a moderator did to a participant, or the owner to moderator rights or the owner key, each stored with an id. */
const MODERATION = new Set(["removed", "lifted", "moderators", "owner_key"]);
/**
 * The events the room stores, each with an id: messages, joins and leaves, changes to messages,
 * and moderation (the room's settings, sent in every greeting too, are handled apart).
 */
const STORED = new Set(["message", "edit", "delete", "reaction", ...MODERATION]);
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 30000;
/** How long a request may wait for the server's answer before it is given up and tried again. */
const ANSWER_WITHIN_MS = 20000;
/** Silence, in heartbeats, after which the stream is taken for dead. */
const SILENT_HEARTBEATS = 2.5;

export class EventFeed {
  /** @type {AbortController | undefined} */
  #connection;
  #lastId = 0;
  /**
   * Where the stream has got to: the last event's id, or the position its first (presence)
   * event gave, so that a stream cut before any message still resumes where it started.
   * @type {number | undefined}
   */
  #position;
  /** The reconnection time the server asked for with `retry:`. */
  #baseRetryMs = 1000;
  #retryMs = 1000;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #retryTimer;
  /** @type {number | undefined} */
  #heartbeatMs;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #silenceTimer;
  #closed = false;
  /** Whether a stream is open and being read. */
  #live = false;
  /**
   * The newest id when the page first connected: events up to it are the history the page
   * opened onto, not news (a resumed stream's catch-up is news: it came while the page was away).
   * @type {number | undefined}
   */
  #openedAt;

  /**
   * @param {string} base the room's API prefix
   * @param {() => string | undefined} token the session token, read at each connect
   * @param {FeedHandlers} handlers
   */
  constructor(base, token, handlers) {
    this.base = base;
    this.token = token;
    this.handlers = handlers;
  }

  get lastId() {
    return this.#lastId;
  }

  open() {
    this.#closed = false;
    void this.#connect(this.#lastId === 0 ? "connecting" : "reconnecting");
  }

  /** Reconnects now, e.g. after joining, so the stream counts for the new participant. */
  restart() {
    this.close();
    this.open();
  }

  /** Reconnects now if the stream is down, e.g. when the browser is back online. */
  wake() {
    if (this.#closed || this.#live) return;
    this.#retryMs = this.#baseRetryMs;
    void this.#connect("reconnecting");
  }

  close() {
    this.#closed = true;
    this.#live = false;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#silenceTimer);
    this.#connection?.abort();
    this.#connection = undefined;
  }

  /** @param {FeedState} state */
  async #connect(state) {
    this.handlers.onState(state);
    this.#connection?.abort();
    const connection = new AbortController();
    this.#connection = connection;
    /** @type {Record<string, string>} */
    const headers = { Accept: "text/event-stream" };
    const token = this.token();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (this.#position !== undefined) headers["Last-Event-ID"] = String(this.#position);
    clearTimeout(this.#retryTimer);
    const unanswered = setTimeout(() => connection.abort(), ANSWER_WITHIN_MS);
    try {
      const response = await fetch(`${this.base}/stream`, {
        headers,
        signal: connection.signal,
        credentials: "omit",
        cache: "no-store",
      });
      clearTimeout(unanswered);
      if (!response.ok || !response.body) {
        await this.#refused(response, connection);
        return;
      }
      this.#retryMs = this.#baseRetryMs;
      this.#live = true;
      this.handlers.onState("live");
      await this.#read(response.body, connection);
    } catch {
      // The network failed, the stream broke or fell silent, or it was closed on purpose.
    } finally {
      clearTimeout(unanswered);
      if (connection === this.#connection) clearTimeout(this.#silenceTimer);
      // Whatever ended the read, this connection is done with.
      connection.abort();
    }
    if (connection !== this.#connection || this.#closed) return;
    this.#live = false;
    this.#reconnectIn(this.#retryMs);
    this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
  }

  /**
   * @param {ReadableStream<Uint8Array>} body
   * @param {AbortController} connection
   */
  async #read(body, connection) {
    const parser = new SseParser(
      (event) => this.#dispatch(event),
      (ms) => {
        // Within bounds: 0 would retry in a tight loop, and setTimeout overflows past 2^31 ms.
        this.#baseRetryMs = Math.min(Math.max(ms, RETRY_MIN_MS), RETRY_MAX_MS);
        this.#retryMs = this.#baseRetryMs;
      },
    );
    const decoder = new TextDecoder();
    const reader = body.getReader();
    connection.signal.addEventListener("abort", () => void reader.cancel().catch(() => undefined));
    for (;;) {
      this.#expectWithinHeartbeats(connection);
      const { done, value } = await reader.read();
      if (done) return;
      parser.feed(decoder.decode(value, { stream: true }));
    }
  }

  /** @param {AbortController} connection */
  #expectWithinHeartbeats(connection) {
    clearTimeout(this.#silenceTimer);
    if (this.#heartbeatMs === undefined) return;
    this.#silenceTimer = setTimeout(() => connection.abort(), this.#heartbeatMs * SILENT_HEARTBEATS);
  }

  /**
   * The server refused the stream: say why, renew the session if that was the reason, and try
   * again after the time it gave, or backing off.
   * @param {Response} response
   * @param {AbortController} connection
   */
  async #refused(response, connection) {
    const body = await response.json().catch(() => ({}));
    const retryAfterMs = (Number(response.headers.get("Retry-After")) || 0) * 1000;
    this.handlers.onState("reconnecting");
    if (response.status === 401) {
      // The session expired or ended: let the page join again, then reconnect with it.
      await this.handlers.onRefused().catch(() => undefined);
    } else {
      this.handlers.onTrouble(body.message ?? `The server answered ${response.status}.`);
    }
    // Joining again may have reconnected already.
    if (this.#closed || connection !== this.#connection) return;
    this.#reconnectIn(Math.max(retryAfterMs, this.#retryMs));
    this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
  }

  /** @param {number} delayMs */
  #reconnectIn(delayMs) {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      if (!this.#closed) void this.#connect("reconnecting");
    }, delayMs);
  }

  /** @param {number} id */
  #advance(id) {
    if (this.#position === undefined || id > this.#position) this.#position = id;
  }

  /**
   * Passes one event on. A malformed one, or a handler that throws, is logged and skipped: it
   * must not end the stream, which would only replay it again.
   * @param {import("./sse-parser.js").SseEvent} event
   */
  #dispatch(event) {
    try {
      this.#handle(event);
    } catch (error) {
      console.warn(`Skipped a ${event.type} event:`, error);
    }
  }

  /** @param {import("./sse-parser.js").SseEvent} event */
  #handle(event) {
    if (event.type === "settings") {
      // Sent as the room is now in every greeting (without an id of its own), and as an event
      // with an id when it changes: either way the whole of the settings.
      const id = Number(event.id);
      if (Number.isSafeInteger(id) && id > this.#lastId && JSON.parse(event.data).kind === "settings") {
        this.#lastId = id;
        this.#advance(id);
      }
      this.handlers.onSettings(JSON.parse(event.data));
      return;
    }
    if (STORED.has(event.type)) {
      const id = Number(event.id);
      if (event.id === undefined || !Number.isSafeInteger(id) || id <= this.#lastId) return;
      // Recorded first, so that an event that cannot be read is still passed by.
      this.#lastId = id;
      this.#advance(id);
      const data = JSON.parse(event.data);
      const news = this.#openedAt === undefined || id > this.#openedAt;
      if (event.type === "message") this.handlers.onEvent(id, data, news);
      else if (MODERATION.has(event.type)) this.handlers.onModeration(data, news, id);
      else this.handlers.onChange(id, data);
      return;
    }
    const data = JSON.parse(event.data);
    switch (event.type) {
      case "presence": {
        const position = Number(event.id);
        if (event.id !== undefined && event.id !== "" && Number.isSafeInteger(position)) this.#advance(position);
        if (this.#openedAt === undefined && Number.isSafeInteger(data.latestId)) this.#openedAt = data.latestId;
        this.handlers.onPresence(data.users);
        return;
      }
      case "limits":
        this.#heartbeatMs = data.heartbeatMs;
        this.handlers.onLimits(data);
        return;
      case "typing":
        this.handlers.onTyping(data.user);
        return;
      case "gap":
        this.handlers.onGap();
        return;
      case "deleted":
        // The room is gone, and every position in it: there is nothing to go back to.
        this.close();
        this.handlers.onDeleted(data);
    }
  }
}
