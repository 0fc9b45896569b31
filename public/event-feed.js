// @ts-check
/**
 * The room's event stream, kept open. EventSource reconnects by itself after a dropped
 * connection and sends Last-Event-ID; when the server refuses a reconnect outright the browser
 * gives up, so the feed opens a new EventSource that names the last id in the query string.
 * Events are passed on once each, in id order.
 */

/**
 * @typedef {{ name: string, msg: string, kind: "message" | "join" | "leave", user: string, at: number, key?: string }} ChatEvent
 * @typedef {"connecting" | "live" | "reconnecting"} FeedState
 * @typedef {{ nameMaxLength: number, messageMaxLength: number, typingIntervalMs: number }} RoomLimits
 * @typedef {{
 *   onEvent: (id: number, event: ChatEvent) => void,
 *   onPresence: (names: string[]) => void,
 *   onLimits: (limits: RoomLimits) => void,
 *   onTyping: (name: string) => void,
 *   onGap: () => void,
 *   onState: (state: FeedState) => void,
 *   onRefused: () => Promise<void>,
 * }} FeedHandlers
 */

const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30000;

export class EventFeed {
  /** @type {EventSource | undefined} */
  #source;
  #lastId = 0;
  /**
   * Where the stream has got to: the last event's id, or the position its first (presence)
   * event gave, so that a stream cut before any message still resumes where it started.
   * @type {number | undefined}
   */
  #position;
  #retryMs = RETRY_MIN_MS;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #retryTimer;
  #closed = false;

  /**
   * @param {string} base the room's API prefix
   * @param {() => string | undefined} token the tab's session token, read at each connect
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
    this.#connect(this.#lastId === 0 ? "connecting" : "reconnecting");
  }

  /** Reconnects now, e.g. after joining, so the stream counts for the new participant. */
  restart() {
    this.close();
    this.open();
  }

  close() {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    this.#source?.close();
    this.#source = undefined;
  }

  /** @param {number} id */
  #advance(id) {
    if (this.#position === undefined || id > this.#position) this.#position = id;
  }

  /** @param {FeedState} state */
  #connect(state) {
    this.handlers.onState(state);
    const url = new URL(`${this.base}/stream`, location.href);
    const token = this.token();
    if (token) url.searchParams.set("token", token);
    if (this.#position !== undefined) url.searchParams.set("lastEventId", String(this.#position));
    const source = new EventSource(url);
    this.#source = source;

    source.onopen = () => {
      this.#retryMs = RETRY_MIN_MS;
      this.handlers.onState("live");
    };
    source.onmessage = (message) => {
      const id = Number(message.lastEventId);
      if (!Number.isSafeInteger(id) || id <= this.#lastId) return;
      this.#lastId = id;
      this.#advance(id);
      this.handlers.onEvent(id, JSON.parse(message.data));
    };
    source.addEventListener("presence", (event) => {
      const message = /** @type {MessageEvent} */ (event);
      const position = Number(message.lastEventId);
      if (message.lastEventId !== "" && Number.isSafeInteger(position)) this.#advance(position);
      const { users } = JSON.parse(message.data);
      this.handlers.onPresence(users.map((/** @type {{ name: string }} */ user) => user.name));
    });
    source.addEventListener("gap", () => this.handlers.onGap());
    source.addEventListener("typing", (event) => {
      this.handlers.onTyping(JSON.parse(/** @type {MessageEvent} */ (event).data).user);
    });
    source.addEventListener("limits", (event) => {
      this.handlers.onLimits(JSON.parse(/** @type {MessageEvent} */ (event).data));
    });
    source.onerror = () => {
      if (this.#closed || source !== this.#source) return;
      if (source.readyState === EventSource.CONNECTING) {
        this.handlers.onState("reconnecting");
        return;
      }
      // The browser gave up: the server answered with an error status (an expired session,
      // a full room). Let the page renew its session, then try again ourselves, backing off.
      source.close();
      this.handlers.onState("reconnecting");
      this.#retryTimer = setTimeout(async () => {
        await this.handlers.onRefused().catch(() => undefined);
        if (!this.#closed) this.#connect("reconnecting");
      }, this.#retryMs);
      this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
    };
  }
}
