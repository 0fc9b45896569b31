// @ts-check
/**
 * What the conversation holds, by id, so that finding an item never walks the conversation: every
 * item with an id (messages, joins, leaves, deleted messages, notices) with the message as it is
 * now, and, for each message answered, the replies held that quote it. Whatever leaves the
 * conversation leaves these too, so they stay as small as what is shown.
 *
 * @typedef {import("../connection/event-feed.js").ChatEvent} ChatEvent
 */

export class MessageIndex {
  /** @type {Map<number, HTMLElement>} */
  #items = new Map();
  /** @type {Map<number, ChatEvent>} */
  #messages = new Map();
  /** The replies held, by the id of the message they quote. @type {Map<number, Set<number>>} */
  #replies = new Map();

  /** How many items with an id the conversation holds. */
  get size() {
    return this.#items.size;
  }

  /** @param {number} id */
  item(id) {
    return this.#items.get(id);
  }

  /** @param {number} id */
  message(id) {
    return this.#messages.get(id);
  }

  /**
   * @param {number} id
   * @param {HTMLElement} item
   */
  hold(id, item) {
    this.#items.set(id, item);
  }

  /**
   * Keeps a message as it is now, and which message it answers.
   * @param {number} id
   * @param {ChatEvent} message
   */
  set(id, message) {
    this.#messages.set(id, message);
    const target = message.replyTo?.id;
    if (target === undefined) return;
    const replies = this.#replies.get(target) ?? new Set();
    replies.add(id);
    this.#replies.set(target, replies);
  }

  /**
   * The message is no longer one (it was deleted); its item stays.
   * @param {number} id
   */
  unset(id) {
    const target = this.#messages.get(id)?.replyTo?.id;
    this.#messages.delete(id);
    if (target === undefined) return;
    const replies = this.#replies.get(target);
    replies?.delete(id);
    if (replies?.size === 0) this.#replies.delete(target);
  }

  /**
   * The ids of the replies held that quote message `target`.
   * @param {number} target
   * @returns {number[]}
   */
  repliesTo(target) {
    return [...(this.#replies.get(target) ?? [])];
  }

  /**
   * The item left the conversation.
   * @param {number} id
   */
  forget(id) {
    this.unset(id);
    this.#items.delete(id);
  }

  clear() {
    this.#items.clear();
    this.#messages.clear();
    this.#replies.clear();
  }
}
