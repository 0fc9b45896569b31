// @ts-check
/** The tab's title, counting what arrived while the tab was hidden, mentions of the reader apart. */
export class UnreadTitle {
  #unread = 0;
  #mentions = 0;

  /** @param {string} room */
  constructor(room) {
    // The Worker serves the page under its room's title ("games · Chat"); counts go in front of it.
    this.title = document.title || `${room} · Chat`;
    this.#render();
  }

  /** @param {boolean} mentionsReader */
  count(mentionsReader) {
    this.#unread += 1;
    if (mentionsReader) this.#mentions += 1;
    this.#render();
  }

  /** The reader is back: nothing is unread. */
  clear() {
    this.#unread = 0;
    this.#mentions = 0;
    this.#render();
  }

  #render() {
    // "(3 · @1) room · Chat": three unread messages, one of which mentions the reader.
    const mentions = this.#mentions > 0 ? ` · @${this.#mentions}` : "";
    document.title = `${this.#unread > 0 ? `(${this.#unread}${mentions}) ` : ""}${this.title}`;
  }
}
