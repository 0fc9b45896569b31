// @ts-check
/**
 * Keyboard access to the conversation as one stop in the Tab order: Tab (or Shift+Tab from the
 * composer) reaches one message, the newest unless the reader has moved; the arrow keys, Home
 * and End move between messages; Tab from a message goes through what can be done with it.
 * Without this, every button of every message would be a stop of its own.
 */
export class MessageFocus {
  /** The message that takes the conversation's place in the Tab order. @type {HTMLElement | undefined} */
  #current;

  /** @param {HTMLElement} list */
  constructor(list) {
    this.list = list;
    list.addEventListener("focusin", (event) => {
      const item = event.target instanceof Element ? event.target.closest("li.message:not(.pending)") : null;
      if (item instanceof HTMLElement) this.#make(item);
    });
    list.addEventListener("keydown", (event) => this.#move(event));
  }

  /**
   * A message was shown, rebuilt or taken away: its buttons are stops only while the reader is
   * in it, and the newest message is where the conversation is entered, unless the reader is in it.
   * @param {HTMLElement} item
   */
  shown(item) {
    setStops(item, item.contains(document.activeElement));
    if (
      this.#current?.isConnected &&
      this.#current.matches("li.message:not(.pending)") &&
      this.#current.contains(document.activeElement)
    ) {
      return;
    }
    const messages = this.list.querySelectorAll("li.message:not(.pending)");
    const newest = messages[messages.length - 1];
    if (newest instanceof HTMLElement) this.#make(newest);
  }

  /**
   * Makes `item` the conversation's stop, and its buttons stops while the reader is in it.
   * @param {HTMLElement} item
   */
  #make(item) {
    const previous = this.#current;
    this.#current = item;
    item.tabIndex = 0;
    if (previous !== item && previous?.isConnected) {
      previous.tabIndex = -1;
      setStops(previous, false);
    }
    setStops(item, item.contains(document.activeElement));
  }

  /** @param {KeyboardEvent} event */
  #move(event) {
    const item = event.target;
    if (!(item instanceof HTMLElement) || !item.matches("li.message:not(.pending)")) return;
    const messages = [...this.list.querySelectorAll("li.message:not(.pending)")];
    const at = messages.indexOf(item);
    const to = {
      ArrowUp: at - 1,
      ArrowDown: at + 1,
      Home: 0,
      End: messages.length - 1,
    }[event.key];
    const next = to === undefined ? undefined : messages[to];
    if (!(next instanceof HTMLElement)) return;
    event.preventDefault();
    this.#make(next);
    next.focus();
  }
}

/**
 * Puts a message's buttons in the Tab order, or takes them out.
 * @param {HTMLElement} item
 * @param {boolean} on
 */
function setStops(item, on) {
  for (const button of item.querySelectorAll("button")) {
    if (button instanceof HTMLElement) button.tabIndex = on ? 0 : -1;
  }
}
