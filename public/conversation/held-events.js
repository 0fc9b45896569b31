// @ts-check
/**
 * Live events that came while the conversation's window did not reach the newest, kept aside to
 * be shown once it does. They are bounded: past `MOST_KEPT` the oldest go, and the window must
 * then ask the server for what it let go rather than replay what it kept.
 */

/** Events kept aside at most. */
const MOST_KEPT = 200;

export class HeldEvents {
  /** @type {{ id: number, replay: () => void }[]} */
  #events = [];
  /** The newest id let go when the events grew too many. */
  #dropped = 0;

  /** The newest id let go: the window must ask again for the events up to it. */
  get dropped() {
    return this.#dropped;
  }

  /**
   * Keeps a live event aside.
   * @param {number} id
   * @param {() => void} replay shows it, once the window reaches the newest
   */
  hold(id, replay) {
    this.#events.push({ id, replay });
    if (this.#events.length <= MOST_KEPT) return;
    const dropped = this.#events.shift();
    if (dropped) this.#dropped = Math.max(this.#dropped, dropped.id);
  }

  /**
   * Hands the events kept so far to whoever shows them, and starts afresh.
   * @returns {{ id: number, replay: () => void }[]} oldest first
   */
  take() {
    const events = this.#events;
    this.#events = [];
    return events;
  }

  /** Forgets every event kept, and what was let go. */
  clear() {
    this.#events = [];
    this.#dropped = 0;
  }
}
