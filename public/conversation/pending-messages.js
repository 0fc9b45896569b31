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
    for (const item of this.list.querySelectorAll("li.pending:not([data-awaiting])")) {
      if (!(item instanceof HTMLElement)) continue;
      const still = wanted.get(item.dataset.key ?? "");
      if (!still) item.remove();
      else if ((still.failed ?? "") !== (item.dataset.failed ?? "")) {
        item.replaceWith(this.#item(still, actions));
        added = true;
      } else if (still.failed === undefined) hold(item, still.heldUntil);
    }
    for (const waiting of pending) {
      const { key } = waiting;
      if (this.#arrived.has(key) || this.list.querySelector(`li.pending[data-key="${CSS.escape(key)}"]`)) continue;
      this.list.append(this.#item(waiting, actions));
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
    const item = this.list.querySelector(`li.pending[data-key="${CSS.escape(key)}"]`);
    if (!(item instanceof HTMLElement)) return;
    if (id <= streamLastId) item.remove();
    else item.dataset.awaiting = String(id);
  }

  /**
   * The event of message `id` (sent under `key`, if it was) is shown: its waiting copy leaves.
   * @param {number} id
   * @param {string | undefined} key
   */
  arrived(id, key) {
    this.list.querySelector(`li.pending[data-awaiting="${id}"]`)?.remove();
    if (key !== undefined && this.#waiting.has(key)) {
      this.#arrived.add(key);
      this.list.querySelector(`li.pending[data-key="${CSS.escape(key)}"]`)?.remove();
    }
  }

  /**
   * Message `id` was deleted: a copy waiting for its event, which now never comes, leaves.
   * @param {number} id
   */
  gone(id) {
    this.list.querySelector(`li.pending[data-awaiting="${id}"]`)?.remove();
  }

  /** Keeps the countdown of held messages going while there are any. */
  #count() {
    const held = () => this.list.querySelectorAll("li.pending[data-held-until]");
    if (this.#countdown !== undefined || held().length === 0) return;
    this.#countdown = setInterval(() => {
      const items = held();
      for (const item of items) if (item instanceof HTMLElement) hold(item, Number(item.dataset.heldUntil));
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
