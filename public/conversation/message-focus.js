// @ts-check
/**
 * Keyboard access to the conversation as one stop in the Tab order: Tab (or Shift+Tab from the
 * composer) reaches one message, the newest unless the reader has moved; the arrow keys, Home
 * and End move between messages; Tab from a message goes through its links and what can be
 * done with it, and Escape closes its reaction picker. Without this, every link and button of
 * every message would be a stop of its own.
 */

const MESSAGE = "li.message:not(.pending)";
const STOPS = "button, a[href]";

export class MessageFocus {
  /** The message that takes the conversation's place in the Tab order. @type {HTMLElement | undefined} */
  #current;

  /** @param {HTMLElement} list */
  constructor(list) {
    this.list = list;
    list.addEventListener("focusin", (event) => {
      const item = event.target instanceof Element ? event.target.closest(MESSAGE) : null;
      if (item instanceof HTMLElement) this.#make(item);
    });
    list.addEventListener("focusout", (event) => {
      // Leaving the conversation: its one stop is the message, not what is in it.
      const next = event.relatedTarget;
      if (this.#current && !(next instanceof Node && this.#current.contains(next))) setStops(this.#current, false);
    });
    list.addEventListener("keydown", (event) => this.#key(event));
  }

  /**
   * A message was added: its links and buttons are not stops, and the newest message is where
   * the conversation is entered, unless the reader is in it.
   * @param {HTMLElement} item
   */
  added(item) {
    setStops(item, false);
    if (!this.list.contains(document.activeElement) || !this.#current?.isConnected) this.#make(this.#newest(item));
  }

  /**
   * A message was rebuilt in place (edited, reacted to, requoted, deleted): its stops follow
   * whether the reader is in it, and a message that is no longer one stops being the stop.
   * @param {HTMLElement} item
   */
  rebuilt(item) {
    if (item.matches(MESSAGE)) {
      setStops(item, item.contains(document.activeElement));
      return;
    }
    item.tabIndex = -1;
    if (this.#current === item) this.#make(this.#nearest(item));
  }

  /**
   * Puts the reader back in the conversation after what they were on was rebuilt: on the same
   * message, or, if it is no longer a message, on the nearest one.
   * @param {HTMLElement} item where focus was
   */
  restore(item) {
    if (this.list.contains(document.activeElement) && document.activeElement !== item) return;
    const target = item.isConnected && item.matches(MESSAGE) ? item : this.#nearest(item);
    if (!target) return;
    this.#make(target);
    target.focus({ preventScroll: true });
  }

  /** @param {HTMLElement | undefined} item */
  #make(item) {
    if (!item) return;
    const previous = this.#current;
    this.#current = item;
    item.tabIndex = 0;
    if (previous !== item && previous?.isConnected) {
      previous.tabIndex = -1;
      setStops(previous, false);
    }
    setStops(item, item.contains(document.activeElement));
  }

  /** @param {HTMLElement} fallback */
  #newest(fallback) {
    const messages = this.list.querySelectorAll(MESSAGE);
    const newest = messages[messages.length - 1];
    return newest instanceof HTMLElement ? newest : fallback;
  }

  /**
   * The message after `item`, or else the one before it.
   * @param {HTMLElement} item
   * @returns {HTMLElement | undefined}
   */
  #nearest(item) {
    for (const direction of ["nextElementSibling", "previousElementSibling"]) {
      let other = /** @type {Element | null} */ (/** @type {any} */ (item)[direction]);
      while (other && !other.matches(MESSAGE)) other = /** @type {any} */ (other)[direction];
      if (other instanceof HTMLElement) return other;
    }
    return undefined;
  }

  /** @param {KeyboardEvent} event */
  #key(event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const target = event.target;
    if (!(target instanceof HTMLElement)) return;
    if (event.key === "Escape") {
      const picker = target.closest(".reaction-picker");
      if (!(picker instanceof HTMLElement)) return;
      const opener = picker.closest(MESSAGE)?.querySelector('[data-action="open-reactions"]');
      picker.hidden = true;
      opener?.setAttribute("aria-expanded", "false");
      if (opener instanceof HTMLElement) opener.focus();
      event.preventDefault();
      return;
    }
    if (!target.matches(MESSAGE)) return;
    const messages = [...this.list.querySelectorAll(MESSAGE)];
    const at = messages.indexOf(target);
    const to = { ArrowUp: at - 1, ArrowDown: at + 1, Home: 0, End: messages.length - 1 }[event.key];
    const next = to === undefined ? undefined : messages[to];
    if (!(next instanceof HTMLElement)) return;
    event.preventDefault();
    this.#make(next);
    next.focus();
  }
}

/**
 * Puts a message's links and buttons in the Tab order, or takes them out.
 * @param {HTMLElement} item
 * @param {boolean} on
 */
function setStops(item, on) {
  for (const stop of item.querySelectorAll(STOPS)) {
    if (stop instanceof HTMLElement) stop.tabIndex = on ? 0 : -1;
  }
}
