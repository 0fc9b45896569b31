// @ts-check
/**
 * The top of the conversation's window: a way to load earlier messages, that this is where the
 * room starts, that earlier messages are no longer kept, or nothing yet.
 */

import { lineItem } from "./timeline-lines.js";

export class HistoryEdge {
  /** @type {HTMLElement | undefined} */
  #item;

  /**
   * @param {HTMLElement} list
   * @param {() => void} earlier what its button does: load earlier messages
   */
  constructor(list, earlier) {
    this.list = list;
    this.earlier = earlier;
  }

  /** The edge's line, while it is shown. */
  get item() {
    return this.#item?.isConnected ? this.#item : undefined;
  }

  /** @param {"earlier" | "start" | "trimmed" | undefined} state */
  show(state) {
    if (!state) {
      this.#item?.remove();
      return;
    }
    const text = {
      earlier: "",
      start: "This is the start of the room",
      trimmed: "Earlier messages are no longer kept",
    }[state];
    this.#item ??= lineItem("history-edge", "");
    this.#item.textContent = text;
    if (state === "earlier") {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "Load earlier messages";
      button.addEventListener("click", () => this.earlier());
      this.#item.append(button);
    }
    if (this.#item.isConnected) return;
    // What the reader sees stays in place, unless they are at the very top, where the edge is news.
    const fromBottom = this.list.scrollHeight - this.list.scrollTop;
    const atTop = this.list.scrollTop === 0;
    this.list.prepend(this.#item);
    if (!atTop) this.list.scrollTop = this.list.scrollHeight - fromBottom;
  }
}
