// @ts-check
/**
 * Who is online, as the room's events tell it, shown in order with the reader marked, and the
 * room's owners and moderators marked as such.
 *
 * @typedef {{ name: string, role?: "owner" | "moderator" }} OnlineUser
 */
export class PeopleList {
  /** Everyone online, with their mark if they have one. @type {Map<string, OnlineUser["role"]>} */
  #people = new Map();

  /**
   * @param {HTMLElement} list
   * @param {HTMLElement} count
   * @param {() => string | undefined} me the reader's name, read at each render
   */
  constructor(list, count, me) {
    this.list = list;
    this.countElement = count;
    this.me = me;
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
    this.list.replaceChildren(
      ...names.map((name) => {
        const item = document.createElement("li");
        item.textContent = name;
        if (name === me) item.classList.add("me");
        const role = this.#people.get(name);
        if (role) {
          const mark = document.createElement("span");
          mark.className = "role";
          mark.textContent = role;
          item.append(" ", mark);
        }
        return item;
      }),
    );
    this.countElement.textContent = String(names.length);
  }
}
