// @ts-check
/**
 * The conversation: messages appended in order, notices shown quietly, and the view kept at
 * the bottom unless the reader has scrolled up. Everything a user typed is set as text, with
 * its web addresses as links.
 */

import { appendLinkified } from "./linkify.js";

/** @typedef {import("./event-feed.js").ChatEvent} ChatEvent */

const NEAR_BOTTOM_PX = 48;
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

export class MessageList {
  /**
   * @param {HTMLOListElement} list
   * @param {HTMLButtonElement} newMessagesButton shown while unread messages sit below the view
   */
  constructor(list, newMessagesButton) {
    this.list = list;
    this.button = newMessagesButton;
    this.button.addEventListener("click", () => this.scrollToEnd());
    this.list.addEventListener("scroll", () => {
      if (this.#nearBottom()) this.button.hidden = true;
    });
  }

  /**
   * @param {number} id
   * @param {ChatEvent} event
   * @param {boolean} own whether the reader sent it
   */
  add(id, event, own) {
    const follow = this.#nearBottom();
    const item = document.createElement("li");
    item.dataset.id = String(id);
    item.className = event.kind === "message" ? "message" : "notice-line";
    if (own) item.classList.add("own");

    const time = document.createElement("time");
    const at = new Date(event.at);
    time.dateTime = at.toISOString();
    time.title = dateTimeFormat.format(at);
    time.textContent = timeFormat.format(at);

    if (event.kind === "message") {
      const sender = document.createElement("span");
      sender.className = "sender";
      sender.textContent = event.name;
      const text = document.createElement("p");
      text.className = "text";
      appendLinkified(text, event.msg);
      item.append(sender, time, text);
    } else {
      const text = document.createElement("span");
      text.textContent = event.kind === "join" ? `${event.user} joined` : `${event.user} left`;
      item.append(text, time);
    }
    this.list.append(item);
    if (follow || own) this.scrollToEnd();
    else if (event.kind === "message") this.button.hidden = false;
  }

  /** @param {string} text */
  addNotice(text) {
    const item = document.createElement("li");
    item.className = "notice-line";
    item.textContent = text;
    this.list.append(item);
  }

  scrollToEnd() {
    this.list.scrollTop = this.list.scrollHeight;
    this.button.hidden = true;
  }

  #nearBottom() {
    return this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < NEAR_BOTTOM_PX;
  }
}
