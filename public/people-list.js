// @ts-check
/** Who is online, as the room's events tell it, shown in order with the reader marked. */
export class PeopleList {
  /** @type {Set<string>} */
  #names = new Set();

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
    return [...this.#names];
  }

  /** @param {Iterable<string>} names everyone online, as the stream's greeting gives it */
  reset(names) {
    this.#names = new Set(names);
    this.render();
  }

  /** @param {string} name */
  joined(name) {
    this.#names.add(name);
    this.render();
  }

  /** @param {string} name */
  left(name) {
    this.#names.delete(name);
    this.render();
  }

  render() {
    const names = [...this.#names].sort((a, b) => a.localeCompare(b));
    const me = this.me();
    this.list.replaceChildren(
      ...names.map((name) => {
        const item = document.createElement("li");
        item.textContent = name;
        if (name === me) item.classList.add("me");
        return item;
      }),
    );
    this.countElement.textContent = String(names.length);
  }
}
