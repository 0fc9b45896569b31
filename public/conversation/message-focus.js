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

  /**
   * @param {HTMLElement} list
   * @param {{ top: () => void, bottom: () => void }} edges what moving past the first or the
   *   last message shown does: bring earlier or later ones
   */
  constructor(list, edges) {
    this.list = list;
    this.edges = edges;
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
    if (!this.list.contains(document.activeElement) || !this.#current?.isConnected) this.#make(item);
    else setStops(item, false);
  }

  /**
   * Makes `item` the conversation's stop if the one before has left it (or, with `now`, at once).
   * @param {HTMLElement | undefined} item
   * @param {boolean} [now]
   */
  ensure(item, now = false) {
    if (now || !this.#current?.isConnected) this.#make(item);
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
    const up = event.key === "ArrowUp" || event.key === "Home" || event.key === "PageUp";
    const down = event.key === "ArrowDown" || event.key === "End" || event.key === "PageDown";
    if (!up && !down) return;
    const step = up ? "previousElementSibling" : "nextElementSibling";
    const nextOne = messageFrom(target, step);
    // Page Up and Page Down scroll as they do anywhere, until the first or last message.
    if ((event.key === "PageUp" || event.key === "PageDown") && nextOne) return;
    event.preventDefault();
    const far = event.key === "Home" || event.key === "End";
    const next = far
      ? messageFrom(
          up ? this.list.firstElementChild : this.list.lastElementChild,
          up ? "nextElementSibling" : "previousElementSibling",
          true,
        )
      : nextOne;
    // At the first or last message shown, the key brings the ones beyond, and focus stays.
    if (!next || next === target) {
      if (up) this.edges.top();
      else this.edges.bottom();
      return;
    }
    this.#make(next);
    next.focus();
  }
}

/**
 * The nearest message from `start` going `step`, not counting `start` unless `inclusive`.
 * @param {Element | null} start
 * @param {"previousElementSibling" | "nextElementSibling"} step
 * @param {boolean} [inclusive]
 * @returns {HTMLElement | undefined}
 */
function messageFrom(start, step, inclusive = false) {
  let item = inclusive ? start : (start?.[step] ?? null);
  while (item && !item.matches(MESSAGE)) item = item[step];
  return item instanceof HTMLElement ? item : undefined;
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
