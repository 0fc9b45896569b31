// @ts-check
/**
 * Who is online, as the room's events tell it, shown in order with the reader marked, and the
 * room's owners and moderators marked as such. To a page that holds the room's key, everyone
 * else's name is a button that opens a menu of what can be done to them: removing them for a
 * while, as from one of their messages, which matters most for someone who never wrote one.
 * The names are one stop for Tab, however many there are; the arrow keys, Home and End move
 * between them, and Enter or Space opens the menu.
 *
 * @typedef {import("../connection/event-feed.js").OnlineUser} OnlineUser
 * @typedef {{
 *   may: () => boolean,
 *   menu: HTMLElement,
 *   remove: (name: string) => void,
 * }} PersonActions whether the reader may act on others, the menu to show it in, and what removing does
 */

import { PopupMenu } from "./popup-menu.js";

export class PeopleList {
  /** Everyone online, with their mark if they have one. @type {Map<string, OnlineUser["role"]>} */
  #people = new Map();
  /** @type {PersonActions | undefined} */
  #actions;
  /** @type {PopupMenu | undefined} */
  #menu;
  /** The name Tab stops at in the list: the one last focused, or else the first. @type {string | undefined} */
  #stop;

  /**
   * @param {HTMLElement} list
   * @param {HTMLElement} count
   * @param {() => string | undefined} me the reader's name, read at each render
   * @param {PersonActions} [actions] what an owner or moderator can do to someone in the list
   */
  constructor(list, count, me, actions) {
    this.list = list;
    this.countElement = count;
    this.me = me;
    this.#actions = actions;
    if (actions) {
      const menu = new PopupMenu(actions.menu);
      this.#menu = menu;
      list.addEventListener("click", (event) => {
        const button = personButton(event.target);
        if (!button) return;
        if (menu.button !== button) this.#fillMenu(button.dataset.name ?? "");
        menu.handle(button, event);
      });
      list.addEventListener("keydown", (event) => this.#move(event));
      list.addEventListener("focusin", (event) => {
        const button = personButton(event.target);
        if (button) this.#stopAt(button);
      });
    }
  }

  /** @returns {readonly string[]} */
  get names() {
    return [...this.#people.keys()];
  }

  /** @param {readonly OnlineUser[]} users everyone online, as the stream's greeting gives it */
  reset(users) {
    this.#people = new Map(users.map((user) => [user.name, user.role]));
    this.render();
  }

  /**
   * @param {string} name
   * @param {OnlineUser["role"]} [role]
   */
  joined(name, role) {
    this.#people.set(name, role);
    this.render();
  }

  /** Takes every moderator's mark away: the key they held no longer works. */
  clearModerators() {
    for (const [name, role] of this.#people) if (role === "moderator") this.#people.set(name, undefined);
    this.render();
  }

  /** @param {string} name */
  left(name) {
    this.#people.delete(name);
    this.render();
  }

  render() {
    const names = [...this.#people.keys()].sort((a, b) => a.localeCompare(b));
    const me = this.me();
    const acting = this.#actions?.may() ?? false;
    const menu = this.#menu;
    const menuFor = personOf(menu?.button);
    const focused = menu?.menu.contains(document.activeElement)
      ? menuFor
      : this.list.contains(document.activeElement)
        ? personOf(document.activeElement)
        : undefined;
    this.list.replaceChildren(
      ...names.map((name) => {
        const item = personItem(name, this.#people.get(name), acting && name !== me ? this.#actions?.menu : undefined);
        if (name === me) item.classList.add("me");
        return item;
      }),
    );
    this.countElement.textContent = String(names.length);
    this.#keep(menuFor, focused);
  }

  /**
   * After the list is drawn anew: the Tab stop, the open menu and the focus stay with the same
   * people, if they are still here.
   * @param {string | undefined} menuFor whom the menu was open for
   * @param {string | undefined} focused whose button, or whose menu, had the focus
   */
  #keep(menuFor, focused) {
    /** @param {string | undefined} name */
    const buttonOf = (name) =>
      name === undefined ? null : this.list.querySelector(`button.person[data-name="${CSS.escape(name)}"]`);
    const stop = buttonOf(this.#stop) ?? this.list.querySelector("button.person");
    if (stop instanceof HTMLButtonElement) this.#stopAt(stop);
    const menu = this.#menu;
    if (menu && menuFor !== undefined) {
      const button = buttonOf(menuFor);
      if (button instanceof HTMLElement) menu.moveTo(button);
      else menu.close(false);
    }
    if (focused === undefined || menu?.isOpen || this.list.contains(document.activeElement)) return;
    const button = buttonOf(focused);
    if (button instanceof HTMLElement) button.focus();
    else {
      // They are gone: the focus stays in the list rather than falling out of the page.
      this.list.tabIndex = -1;
      this.list.focus();
    }
  }

  /**
   * Makes `button` the list's one stop for Tab.
   * @param {HTMLButtonElement} button
   */
  #stopAt(button) {
    this.#stop = button.dataset.name;
    for (const other of this.list.querySelectorAll("button.person")) {
      if (other instanceof HTMLButtonElement) other.tabIndex = other === button ? 0 : -1;
    }
  }

  /**
   * Moves between the names: down or right to the next, up or left to the one before, Home and
   * End to the ends (the list is a column beside the conversation, a row on a phone).
   * @param {KeyboardEvent} event
   */
  #move(event) {
    const from = personButton(event.target);
    if (!from || event.altKey || event.ctrlKey || event.metaKey) return;
    const buttons = [...this.list.querySelectorAll("button.person")];
    const at = buttons.indexOf(from);
    const to = {
      ArrowDown: at + 1,
      ArrowRight: at + 1,
      ArrowUp: at - 1,
      ArrowLeft: at - 1,
      Home: 0,
      End: buttons.length - 1,
    }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    const next = buttons[Math.min(Math.max(to, 0), buttons.length - 1)];
    if (next instanceof HTMLElement) next.focus();
  }

  /**
   * The menu's items, for `name`.
   * @param {string} name
   */
  #fillMenu(name) {
    const actions = this.#actions;
    if (!actions) return;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.setAttribute("role", "menuitem");
    remove.tabIndex = -1;
    remove.textContent = `Remove ${name} from the room…`;
    remove.addEventListener("click", () => actions.remove(name));
    actions.menu.setAttribute("aria-label", name);
    actions.menu.replaceChildren(remove);
  }
}

/**
 * One person's line: their name and mark, in a button that opens `menu` if one is given.
 * @param {string} name
 * @param {OnlineUser["role"]} role
 * @param {HTMLElement | undefined} menu
 */
function personItem(name, role, menu) {
  const item = document.createElement("li");
  /** @type {HTMLElement} */
  let holder = item;
  if (menu) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "person";
    button.dataset.name = name;
    button.setAttribute("aria-haspopup", "menu");
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", menu.id);
    item.append(button);
    holder = button;
  }
  holder.append(name);
  if (role) {
    const mark = document.createElement("span");
    mark.className = "role";
    mark.textContent = role;
    holder.append(" ", mark);
  }
  return item;
}

/**
 * The person's button that `target` is, or is in.
 * @param {EventTarget | null} target
 */
function personButton(target) {
  const button = target instanceof Element ? target.closest("button.person") : null;
  return button instanceof HTMLButtonElement ? button : undefined;
}

/**
 * The person a button in the list stands for.
 * @param {Element | null | undefined} element
 */
function personOf(element) {
  return element?.closest("button.person")?.getAttribute("data-name") ?? undefined;
}
