// @ts-check
/**
 * The reader's own messages not yet acknowledged, shown after the conversation as "Sending…",
 * or "Not sent" with Retry and Discard. One leaves when its event is shown in the conversation,
 * or at once if the stream is already past it, or when it is deleted before it was shown.
 *
 * @typedef {import("../composer/outbox.js").Pending} Pending
 * @typedef {{ retry: (key: string) => void, discard: (key: string) => void }} PendingActions
 */
export class PendingMessages {
  /** Keys of the reader's messages waiting to be acknowledged. */
  #waiting = new Set(/** @type {string[]} */ ([]));
  /** Of those, the ones whose event has already been shown. */
  #arrived = new Set(/** @type {string[]} */ ([]));

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
    // Items already shown stay as they are, so that nothing is announced twice; one whose state
    // changed is shown anew.
    for (const item of this.list.querySelectorAll("li.pending:not([data-awaiting])")) {
      if (!(item instanceof HTMLElement)) continue;
      const still = wanted.get(item.dataset.key ?? "");
      if (!still || (still.failed ?? "") !== (item.dataset.failed ?? "")) item.remove();
    }
    let added = false;
    for (const { key, text, failed } of pending) {
      if (this.#arrived.has(key) || this.list.querySelector(`li.pending[data-key="${CSS.escape(key)}"]`)) continue;
      this.list.append(pendingItem(key, text, failed, actions));
      added = true;
    }
    if (added) this.onAdded();
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
}

/**
 * @param {string} key
 * @param {string} text
 * @param {string | undefined} failed why it was refused, if it was
 * @param {PendingActions} actions
 */
function pendingItem(key, text, failed, actions) {
  const item = document.createElement("li");
  item.className = "message own pending";
  item.dataset.key = key;
  item.dataset.failed = failed ?? "";
  const status = document.createElement("span");
  status.className = failed === undefined ? "status" : "status failed";
  status.textContent = failed === undefined ? "Sending…" : `Not sent: ${failed}`;
  const body = document.createElement("p");
  body.className = "text";
  body.textContent = text;
  item.append(status, body);
  if (failed !== undefined) {
    const retry = document.createElement("button");
    retry.type = "button";
    retry.textContent = "Retry";
    retry.addEventListener("click", () => actions.retry(key));
    const discard = document.createElement("button");
    discard.type = "button";
    discard.textContent = "Discard";
    discard.addEventListener("click", () => actions.discard(key));
    item.append(retry, discard);
  }
  return item;
}
