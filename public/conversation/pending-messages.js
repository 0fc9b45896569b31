// @ts-check
import { quoteOf } from "./message-item.js";

/**
 * The reader's own messages not yet acknowledged, shown after the conversation as "Sending…",
 * "Sends in 12 s" while the room has asked for a wait (counting down), or "Not sent" with Retry
 * and Discard; a reply shows the message it answers, as a sent one does. One leaves when its
 * event is shown in the conversation, or at once if the stream is already past it, or when it is
 * deleted before it was shown.
 *
 * @typedef {import("../composer/outbox.js").Pending} Pending
 * @typedef {{ retry: (key: string) => void, discard: (key: string) => void }} PendingActions
 */

const SECOND_MS = 1000;

export class PendingMessages {
  /** Keys of the reader's messages waiting to be acknowledged. */
  #waiting = new Set(/** @type {string[]} */ ([]));
  /** Of those, the ones whose event has already been shown. */
  #arrived = new Set(/** @type {string[]} */ ([]));
  /** The items shown that wait for their acknowledgement, by key. @type {Map<string, HTMLElement>} */
  #byKey = new Map();
  /** The items shown that were acknowledged and wait for their event, by its id. @type {Map<number, HTMLElement>} */
  #byId = new Map();
  /** Counts down the wait of the messages held, while there are any. @type {ReturnType<typeof setInterval> | undefined} */
  #countdown;

  /**
   * @param {HTMLOListElement} list the conversation, which they are shown at the end of
   * @param {() => void} onAdded called when one more is shown, to bring it into view
   */
  constructor(list, onAdded) {
    this.list = list;
    this.onAdded = onAdded;
  }

  /**
   * The first of the items shown, which the conversation's own items go before; found from the
   * end, so that the conversation's length does not count.
   * @returns {Element | null}
   */
  get first() {
    let first = null;
    for (
      let item = this.list.lastElementChild;
      item?.classList.contains("pending");
      item = item.previousElementSibling
    ) {
      first = item;
    }
    return first;
  }

  /**
   * Shows the reader's messages still waiting to be acknowledged, after everything else.
   * @param {readonly Pending[]} pending
   * @param {PendingActions} actions
   */
  show(pending, actions) {
    const wanted = new Map(pending.map((item) => [item.key, item]));
    this.#waiting = new Set(wanted.keys());
    for (const key of this.#arrived) if (!this.#waiting.has(key)) this.#arrived.delete(key);
    let added = false;
    // Items already shown stay as they are, so that nothing is announced twice; one that failed,
    // or is tried again, is shown anew in its place; a wait only changes what its status says.
    for (const [key, item] of this.#byKey) {
      const still = wanted.get(key);
      if (!still) {
        item.remove();
        this.#byKey.delete(key);
      } else if ((still.failed ?? "") !== (item.dataset.failed ?? "")) {
        const again = this.#item(still, actions);
        item.replaceWith(again);
        this.#byKey.set(key, again);
        added = true;
      } else if (still.failed === undefined) hold(item, still.heldUntil);
    }
    for (const waiting of pending) {
      const { key } = waiting;
      if (this.#arrived.has(key) || this.#byKey.has(key) || this.#awaits(key)) continue;
      const item = this.#item(waiting, actions);
      this.list.append(item);
      this.#byKey.set(key, item);
      added = true;
    }
    if (added) this.onAdded();
    this.#count();
  }

  /**
   * A waiting message was acknowledged as event `id`: it leaves once that event is shown, or at
   * once if the stream is already past it (it was shown, or lies before the history shown).
   * @param {string} key
   * @param {number} id
   * @param {number} streamLastId the newest event id the stream has delivered
   */
  settle(key, id, streamLastId) {
    const item = this.#byKey.get(key);
    if (!item) return;
    this.#byKey.delete(key);
    if (id <= streamLastId) {
      item.remove();
      return;
    }
    item.dataset.awaiting = String(id);
    this.#byId.set(id, item);
  }

  /**
   * The event of message `id` (sent under `key`, if it was) is shown: its waiting copy leaves.
   * @param {number} id
   * @param {string | undefined} key
   */
  arrived(id, key) {
    this.gone(id);
    if (key !== undefined && this.#waiting.has(key)) {
      this.#arrived.add(key);
      this.#byKey.get(key)?.remove();
      this.#byKey.delete(key);
    }
  }

  /**
   * Message `id` was deleted: a copy waiting for its event, which now never comes, leaves.
   * @param {number} id
   */
  gone(id) {
    this.#byId.get(id)?.remove();
    this.#byId.delete(id);
  }

  /** Whether the message sent under `key` is shown waiting for its event. @param {string} key */
  #awaits(key) {
    for (const item of this.#byId.values()) if (item.dataset.key === key) return true;
    return false;
  }

  /** Keeps the countdown of held messages going while there are any. */
  #count() {
    const held = () => [...this.#byKey.values()].filter((item) => item.dataset.heldUntil !== undefined);
    if (this.#countdown !== undefined || held().length === 0) return;
    this.#countdown = setInterval(() => {
      const items = held();
      for (const item of items) hold(item, Number(item.dataset.heldUntil));
      if (items.length > 0) return;
      clearInterval(this.#countdown);
      this.#countdown = undefined;
    }, SECOND_MS);
  }

  /**
   * @param {Pending} pending
   * @param {PendingActions} actions
   */
  #item({ key, text, failed, heldUntil, quote }, actions) {
    const item = document.createElement("li");
    item.className = "message own pending";
    item.dataset.key = key;
    item.dataset.failed = failed ?? "";
    const status = document.createElement("span");
    status.className = failed === undefined ? "status" : "status failed";
    if (failed !== undefined) status.textContent = `Not sent: ${failed}`;
    item.append(status);
    if (quote) item.append(quoteOf(quote));
    const body = document.createElement("p");
    body.className = "text";
    body.textContent = text;
    item.append(body);
    if (failed === undefined) {
      hold(item, heldUntil);
      return item;
    }
    const retry = document.createElement("button");
    retry.type = "button";
    retry.textContent = "Retry";
    retry.addEventListener("click", () => actions.retry(key));
    const discard = document.createElement("button");
    discard.type = "button";
    discard.textContent = "Discard";
    discard.addEventListener("click", () => actions.discard(key));
    item.append(retry, discard);
    return item;
  }
}

/**
 * Says when a waiting message goes: "Sending…", or "Sends in 12 s" while the room asked for a wait.
 * @param {HTMLElement} item
 * @param {number | undefined} heldUntil
 */
function hold(item, heldUntil) {
  const seconds = Math.ceil(((heldUntil ?? 0) - Date.now()) / SECOND_MS);
  if (seconds > 0) item.dataset.heldUntil = String(heldUntil);
  else delete item.dataset.heldUntil;
  const status = item.querySelector(".status");
  const said = seconds > 0 ? `Sends in ${seconds} s` : "Sending…";
  if (status && status.textContent !== said) status.textContent = said;
}
