// @ts-check
import { ApiError } from "../connection/chat-api.js";

/**
 * Messages this tab has sent but not yet had acknowledged, in the order they were written.
 *
 * Each gets a key when it is written, and keeps it through every retry: the room answers a
 * message sent again under its key with the id it already got, so nothing is ever posted twice.
 * They are sent one at a time, in order. A failure that waiting can mend (no network, the
 * server busy, too fast) is retried by itself, backing off; a refusal that waiting cannot mend
 * sets the message aside, marked failed, until its writer retries or discards it, and the ones
 * after it go on. The outbox is kept in the tab's session storage, so a reload sends what was
 * left.
 *
 * @typedef {{ key: string, text: string, replyTo?: number, failed?: string }} Pending
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
  #sending = false;
  /** Set while the session was refused: sending waits for the page to join again. */
  #paused = false;
  #retryMs = RETRY_MIN_MS;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #retryTimer;
  /** Until when the server asked for no more (Retry-After), in milliseconds since the epoch. */
  #retryAfterUntil = 0;

  /**
   * @param {string} storageKey where in session storage the outbox is kept
   * @param {OutboxHandlers} handlers
   */
  constructor(storageKey, handlers) {
    this.#storageKey = storageKey;
    this.#handlers = handlers;
    this.#pending = load(storageKey);
  }

  /** @returns {readonly Pending[]} */
  get pending() {
    return this.#pending;
  }

  /**
   * @param {string} text
   * @param {number} [replyTo] the id of the message it answers
   */
  add(text, replyTo) {
    this.#pending.push(replyTo === undefined ? { key: newKey(), text } : { key: newKey(), text, replyTo });
    this.#changed();
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
    if (this.#retryAfterUntil > Date.now()) return;
    this.#retryMs = RETRY_MIN_MS;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    void this.#drain();
  }

  /** @param {string} key */
  retry(key) {
    const item = this.#pending.find((pending) => pending.key === key);
    if (!item) return;
    delete item.failed;
    this.#changed();
    this.retryNow();
  }

  /** @param {string} key */
  discard(key) {
    this.#pending = this.#pending.filter((pending) => pending.key !== key);
    this.#changed();
  }

  async #drain() {
    if (this.#sending) return;
    this.#sending = true;
    try {
      for (;;) {
        if (this.#paused || this.#retryTimer !== undefined) return;
        const next = this.#pending.find((pending) => pending.failed === undefined);
        if (!next) return;
        let id;
        try {
          ({ id } = await this.#handlers.send(next));
        } catch (error) {
          this.#failed(next, error);
          continue;
        }
        this.#pending = this.#pending.filter((pending) => pending !== next);
        this.#retryMs = RETRY_MIN_MS;
        // Told first, so the message can stay shown until its event arrives.
        this.#handlers.onSent(next.key, id);
        this.#changed();
      }
    } finally {
      this.#sending = false;
    }
  }

  /**
   * @param {Pending} item
   * @param {unknown} error
   */
  #failed(item, error) {
    if (!(error instanceof ApiError)) {
      item.failed = String(error);
      this.#changed();
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
      if (error.retryAfter) this.#retryAfterUntil = Date.now() + waitMs;
      this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = undefined;
        void this.#drain();
      }, waitMs);
      this.#handlers.onDelayed(error);
      return;
    }
    item.failed = error.message;
    this.#changed();
  }

  #changed() {
    sessionStorage.setItem(this.#storageKey, JSON.stringify(this.#pending));
    this.#handlers.onChange(this.#pending);
  }
}

/**
 * @param {string} storageKey
 * @returns {Pending[]}
 */
function load(storageKey) {
  try {
    const stored = JSON.parse(sessionStorage.getItem(storageKey) ?? "[]");
    return Array.isArray(stored)
      ? stored.filter((item) => typeof item?.key === "string" && typeof item?.text === "string")
      : [];
  } catch {
    return [];
  }
}

/** A key the room can tell this send by: 128 random bits, in the characters a key may hold. */
function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
