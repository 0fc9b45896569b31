// @ts-check
/**
 * A menu that a button opens, as the WAI-ARIA menu button pattern has it: the button says it has
 * a menu and whether it is open; opening it focuses an item; the arrow keys, Home, End and a
 * letter move between the items; Escape closes it and gives the button its focus back, and so
 * does choosing an item, before the item does its work (so that a dialog it opens hands the
 * focus back to the button when it closes). Pressing anywhere else, or tabbing away, closes it.
 *
 * The menu is a manual popover placed beside its button by script: in the top layer, no
 * scrolling row (the online list on a phone) cuts it off, and no other popover's light dismiss
 * closes it behind the script's back.
 */

/** Space kept between the menu and its button, and between the menu and the window's edges, in px. */
const GAP_PX = 4;
const EDGE_PX = 8;

export class PopupMenu {
  /** The button the menu is open from, while it is open. @type {HTMLElement | undefined} */
  #button;

  /** @param {HTMLElement} menu an element with role="menu" and popover="manual", holding buttons with role="menuitem" */
  constructor(menu) {
    this.menu = menu;
    // Closing first: an item's own click listener runs after this one.
    menu.addEventListener(
      "click",
      (event) => {
        if (event.target instanceof Element && event.target.closest('[role="menuitem"]')) this.close(true);
      },
      { capture: true },
    );
    menu.addEventListener("keydown", (event) => this.#key(event));
    menu.addEventListener("focusout", (event) => {
      // The focus went elsewhere already: it stays there.
      const next = event.relatedTarget;
      const within = next instanceof Node && (menu.contains(next) || this.#button?.contains(next));
      if (!within) this.close(false);
    });
    document.addEventListener(
      "pointerdown",
      (event) => {
        const target = event.target;
        if (!this.isOpen || !(target instanceof Node)) return;
        if (!menu.contains(target) && !this.#button?.contains(target)) this.close(false);
      },
      { capture: true },
    );
    window.addEventListener("resize", () => this.#place());
  }

  get isOpen() {
    return this.#button !== undefined;
  }

  /** The button the menu is open from, while it is open. */
  get button() {
    return this.#button;
  }

  /**
   * Opens the menu beside `button` (closing it first if it was open from another) and focuses
   * its first or last item.
   * @param {HTMLElement} button
   * @param {"first" | "last"} [focus]
   */
  open(button, focus = "first") {
    if (this.#button && this.#button !== button) this.close(false);
    this.#button = button;
    button.setAttribute("aria-expanded", "true");
    if (!this.menu.matches(":popover-open")) this.menu.showPopover();
    this.#place();
    const items = this.#items();
    (focus === "first" ? items[0] : items.at(-1))?.focus();
  }

  /**
   * @param {boolean} returnFocus whether the button takes the focus back (when it can still be
   *   seen: on a phone, the room's menu around it may have closed)
   */
  close(returnFocus) {
    const button = this.#button;
    if (!button) return;
    this.#button = undefined;
    button.setAttribute("aria-expanded", "false");
    if (this.menu.matches(":popover-open")) this.menu.hidePopover();
    if (returnFocus && button.isConnected && button.checkVisibility()) button.focus();
  }

  /**
   * The button the menu is open from was drawn again: the menu stays open beside the new one.
   * @param {HTMLElement} button
   */
  moveTo(button) {
    if (!this.#button) return;
    this.#button = button;
    button.setAttribute("aria-expanded", "true");
    this.#place();
  }

  /**
   * What a press or a key does on a button that opens this menu.
   * @param {HTMLElement} button
   * @param {Event} event a click or a keydown on it
   */
  handle(button, event) {
    if (event.type === "click") {
      if (this.#button === button) this.close(true);
      else this.open(button);
      return;
    }
    if (!(event instanceof KeyboardEvent)) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      this.open(button, event.key === "ArrowDown" ? "first" : "last");
    }
  }

  /** The items that can be chosen now. */
  #items() {
    return /** @type {HTMLElement[]} */ ([...this.menu.querySelectorAll('[role="menuitem"]')]).filter(
      (item) => !item.hidden && !(item instanceof HTMLButtonElement && item.disabled),
    );
  }

  /** @param {KeyboardEvent} event */
  #key(event) {
    const items = this.#items();
    const at = items.indexOf(/** @type {HTMLElement} */ (document.activeElement));
    /** @param {number} index */
    const focusAt = (index) => items[(index + items.length) % items.length]?.focus();
    switch (event.key) {
      case "ArrowDown":
        focusAt(at + 1);
        break;
      case "ArrowUp":
        focusAt(at < 0 ? -1 : at - 1);
        break;
      case "Home":
        focusAt(0);
        break;
      case "End":
        focusAt(-1);
        break;
      case "Escape":
        // Only this menu closes; a menu around it (the room's, on a phone) stays open.
        this.close(true);
        break;
      case "Tab":
        // Focus moves on from the button, as if the menu had never opened.
        this.close(true);
        return;
      default: {
        // A letter moves to the next item that starts with it.
        if (event.key.length !== 1 || event.ctrlKey || event.metaKey || event.altKey) return;
        const letter = event.key.toLocaleLowerCase();
        const next = [...items.slice(at + 1), ...items.slice(0, at + 1)].find((item) =>
          (item.textContent ?? "").trim().toLocaleLowerCase().startsWith(letter),
        );
        next?.focus();
        if (event.key !== " ") break;
        return;
      }
    }
    event.preventDefault();
  }

  /** Under the button (over it when there is no room below), inside the window; closed if the button is gone from view. */
  #place() {
    const button = this.#button;
    if (!button) return;
    if (!button.checkVisibility()) {
      this.close(false);
      return;
    }
    const anchor = button.getBoundingClientRect();
    const { width, height } = this.menu.getBoundingClientRect();
    const left = anchor.left + width <= window.innerWidth - EDGE_PX ? anchor.left : anchor.right - width;
    const below = anchor.bottom + GAP_PX;
    const top = below + height <= window.innerHeight - EDGE_PX ? below : anchor.top - GAP_PX - height;
    this.menu.style.left = `${Math.max(EDGE_PX, left)}px`;
    this.menu.style.top = `${Math.max(EDGE_PX, top)}px`;
  }
}

/**
 * Makes `button` open `menu`.
 * @param {HTMLElement} button
 * @param {HTMLElement} menu
 * @returns {PopupMenu}
 */
export function menuButton(button, menu) {
  const popup = new PopupMenu(menu);
  button.addEventListener("click", (event) => popup.handle(button, event));
  button.addEventListener("keydown", (event) => popup.handle(button, event));
  return popup;
}
