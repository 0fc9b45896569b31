// @ts-check
import { ApiError } from "../connection/chat-api.js";
import { oneTabAtATime } from "../connection/tab-lock.js";

/**
 * Messages this browser has written in a room but not yet had acknowledged, in the order they
 * were written. Its tabs are one participant and share one outbox.
 *
 * Each gets a key when it is written, and keeps it through every retry: the room answers a
 * message sent again under its key with the id it already got, so nothing is ever posted twice.
 * They are sent one at a time, in order, by one tab at a time (the others wait their turn, and
 * find sent what the tab before them sent). A failure that waiting can mend (no network, the
 * server busy, too fast) is retried by itself, backing off, or when the server said (Retry-After,
 * kept with the message, so every tab shows when it goes); a refusal that waiting cannot mend
 * sets the message aside, marked failed, until its writer retries or discards it, and the ones
 * after it go on.
 *
 * The outbox is kept in local storage, a message under a key of its own, so that tabs writing at
 * once never overwrite each other's, a message copied twice is still one, and a reload, another
 * tab or a tab opened later sends what was left. (Not session storage: a duplicated tab gets a
 * copy of it, and would send the same messages as the tab it came from.)
 *
 * @typedef {import("../connection/event-feed.js").QuotedMessage} QuotedMessage
 * @typedef {{
 *   key: string, text: string, order: number, replyTo?: number, quote?: QuotedMessage,
 *   failed?: string, heldUntil?: number,
 * }} Pending `quote` is the message it answers, as it was shown when the reply was written;
 *   `heldUntil` (milliseconds since the epoch) when the room asked for no more before then
 * @typedef {{
 *   send: (item: Pending) => Promise<{ id: number }>,
 *   onChange: (pending: readonly Pending[]) => void,
 *   onSent: (key: string, id: number) => void,
 *   onDelayed: (error: ApiError) => void,
 *   onSessionRefused: (error: ApiError) => void,
 * }} OutboxHandlers
 */

const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30000;

export class Outbox {
  /** @type {Pending[]} */
  #pending;
  #storageKey;
  #handlers;
  /** Set while this tab sends, or waits for its turn to. */
  #sending = false;
  /** Set while the session was refused: sending waits for the page to join again. */
  #paused = false;
  #retryMs = RETRY_MIN_MS;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #retryTimer;
  /** The last order this tab gave, so that two messages written in one millisecond keep theirs. */
  #lastOrder = 0;

  /**
   * @param {string} storageKey what the outbox's keys in local storage start with
   * @param {OutboxHandlers} handlers
   */
  constructor(storageKey, handlers) {
    this.#storageKey = storageKey;
    this.#handlers = handlers;
    adoptPerTab(storageKey);
    this.#pending = load(storageKey);
    addEventListener("storage", (event) => {
      if (event.storageArea !== localStorage || (event.key !== null && !event.key.startsWith(`${storageKey}.`))) return;
      this.#pending = load(storageKey);
      this.#handlers.onChange(this.#pending);
      // Whatever another tab left waiting (it may close before sending it), this one tries too.
      this.#tryLater();
    });
  }

  /** @returns {readonly Pending[]} */
  get pending() {
    return this.#pending;
  }

  /**
   * @param {string} text
   * @param {QuotedMessage} [reply] the message it answers
   */
  add(text, reply) {
    this.#lastOrder = Math.max(Date.now(), this.#lastOrder + 1);
    const item = { key: newKey(), text, order: this.#lastOrder };
    this.#save(reply === undefined ? item : { ...item, replyTo: reply.id, quote: reply });
    this.retryNow();
  }

  /** Sends what is waiting now that the page has (re)joined: a refused session is renewed. */
  resume() {
    this.#paused = false;
    this.retryNow();
  }

  /**
   * Sends what is waiting now, e.g. when the stream reconnects, rather than at the end of its
   * back-off; a wait the server asked for (Retry-After) and a refused session still hold.
   */
  retryNow() {
    this.#retryMs = RETRY_MIN_MS;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    void this.#drain();
  }

  /** @param {string} key */
  retry(key) {
    const item = this.#pending.find((pending) => pending.key === key);
    if (!item) return;
    const { failed, heldUntil, ...again } = item;
    this.#save(again);
    this.retryNow();
  }

  /** @param {string} key */
  discard(key) {
    localStorage.removeItem(`${this.#storageKey}.${key}`);
    this.#changed();
  }

  /** Drops every message waiting, and sends nothing more: the room they were written for is gone. */
  clear() {
    this.#paused = true;
    clearTimeout(this.#retryTimer);
    for (const item of load(this.#storageKey)) localStorage.removeItem(`${this.#storageKey}.${item.key}`);
    this.#changed();
  }

  async #drain() {
    if (this.#sending) return;
    this.#sending = true;
    try {
      await oneTabAtATime(this.#storageKey, () => this.#sendAll());
    } finally {
      this.#sending = false;
    }
  }

  /** Sends, in order, what waits, until nothing does or the next must wait. */
  async #sendAll() {
    for (;;) {
      if (this.#paused || this.#retryTimer !== undefined) return;
      // Read afresh: another tab may have sent, added or discarded meanwhile.
      this.#pending = load(this.#storageKey);
      const next = this.#pending.find((pending) => pending.failed === undefined);
      if (!next) return;
      const heldMs = (next.heldUntil ?? 0) - Date.now();
      if (heldMs > 0) {
        this.#wait(heldMs);
        return;
      }
      let id;
      try {
        ({ id } = await this.#handlers.send(next));
      } catch (error) {
        this.#failed(next, error);
        continue;
      }
      localStorage.removeItem(`${this.#storageKey}.${next.key}`);
      this.#retryMs = RETRY_MIN_MS;
      // Told first, so the message can stay shown until its event arrives.
      this.#handlers.onSent(next.key, id);
      this.#changed();
    }
  }

  /**
   * @param {Pending} item
   * @param {unknown} error
   */
  #failed(item, error) {
    if (!(error instanceof ApiError)) {
      this.#save({ ...item, failed: String(error) });
      return;
    }
    if (error.status === 401 || error.status === 409) {
      // The session is gone or its name taken: sent again once the page has joined again.
      this.#paused = true;
      this.#handlers.onSessionRefused(error);
      return;
    }
    if (error.status === 0 || error.status === 429 || error.status >= 500) {
      const waitMs = error.retryAfter ? error.retryAfter * 1000 : this.#retryMs;
      if (error.retryAfter) this.#save({ ...item, heldUntil: Date.now() + waitMs });
      this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
      this.#wait(waitMs);
      this.#handlers.onDelayed(error);
      return;
    }
    this.#save({ ...item, failed: error.message });
  }

  /** @param {number} waitMs */
  #wait(waitMs) {
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#drain();
    }, waitMs);
  }

  /** Tries what waits, unless this tab is already on it: when the server allows, or after a moment. */
  #tryLater() {
    if (this.#sending || this.#paused || this.#retryTimer !== undefined) return;
    const next = this.#pending.find((pending) => pending.failed === undefined);
    if (next) this.#wait(Math.max((next.heldUntil ?? 0) - Date.now(), this.#retryMs));
  }

  /** @param {Pending} item */
  #save(item) {
    localStorage.setItem(`${this.#storageKey}.${item.key}`, JSON.stringify(item));
    this.#changed();
  }

  #changed() {
    this.#pending = load(this.#storageKey);
    this.#handlers.onChange(this.#pending);
  }
}

/**
 * The messages waiting under `storageKey`, in the order they were written.
 * @param {string} storageKey
 * @returns {Pending[]}
 */
function load(storageKey) {
  /** @type {Pending[]} */
  const pending = [];
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    if (!key?.startsWith(`${storageKey}.`)) continue;
    try {
      const item = JSON.parse(localStorage.getItem(key) ?? "null");
      if (typeof item?.key === "string" && typeof item.text === "string" && typeof item.order === "number") {
        pending.push(item);
      }
    } catch {
      // Not one of ours, or damaged: left alone.
    }
  }
  return pending.sort((a, b) => a.order - b.order || (a.key < b.key ? -1 : 1));
}

/**
 * Pages before this one kept the outbox in the tab's session storage, as one list: what such a
 * tab left is moved to local storage, once. A message a duplicated tab moved already is the same
 * message under the same key, and stays one.
 * @param {string} storageKey
 */
function adoptPerTab(storageKey) {
  try {
    const left = JSON.parse(sessionStorage.getItem(storageKey) ?? "[]");
    sessionStorage.removeItem(storageKey);
    if (!Array.isArray(left)) return;
    left.forEach((item, order) => {
      const at = `${storageKey}.${item?.key}`;
      if (typeof item?.key !== "string" || typeof item?.text !== "string" || localStorage.getItem(at) !== null) return;
      localStorage.setItem(at, JSON.stringify({ ...item, order }));
    });
  } catch {
    // Nothing readable was left.
  }
}

/** A key the room can tell this send by: 128 random bits, in the characters a key may hold. */
function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
