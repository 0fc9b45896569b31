// @ts-check
/**
 * The conversation: messages appended in order, notices shown quietly, the reader's own
 * messages not yet acknowledged kept last, and the view kept at the bottom unless the reader
 * has scrolled up. Everything a user typed is set as text, with
 * its web addresses as links.
 */

import { appendMessageText } from "./message-text.js";

/**
 * @typedef {import("./event-feed.js").ChatEvent} ChatEvent
 * @typedef {import("./outbox.js").Pending} Pending
 * @typedef {{ retry: (key: string) => void, discard: (key: string) => void }} PendingActions
 */

const NEAR_BOTTOM_PX = 48;
/** Messages of one person closer together than this are shown as one group. */
const GROUP_WITHIN_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "full" });
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

export class MessageList {
  /** Keys of the reader's messages waiting to be acknowledged. */
  #waiting = new Set(/** @type {string[]} */ ([]));
  /** Of those, the ones whose event has already been shown. */
  #arrived = new Set(/** @type {string[]} */ ([]));
  /** The last event shown, which the next is grouped with or separated from. @type {ChatEvent | undefined} */
  #previous;
  /** Whether a line was shown since the last event, which the next message does not group across. */
  #lineSince = false;
  /** Whether the reader is away from the tab: the first message that arrives meanwhile is marked. */
  #away = false;

  /**
   * @param {HTMLOListElement} list
   * @param {HTMLButtonElement} newMessagesButton shown while unread messages sit below the view
   * @param {() => { names: readonly string[], me: string | undefined }} mentionable who can be
   *   mentioned (the people in the room) and who is reading
   */
  constructor(list, newMessagesButton, mentionable) {
    this.list = list;
    this.mentionable = mentionable;
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
   * @returns {boolean} whether it mentions the reader
   */
  add(id, event, own) {
    let mentionsMe = false;
    const follow = this.#nearBottom();
    const item = document.createElement("li");
    item.dataset.id = String(id);
    item.className = event.kind === "message" ? "message" : "notice-line";
    if (own) item.classList.add("own");
    const previous = this.#previous;
    this.#previous = event;
    const newDay = previous === undefined || !sameDay(previous.at, event.at);
    if (newDay) this.#insert(dayItem(event.at));
    const firstUnread = this.#away && event.kind === "message" && !own && !this.list.querySelector("li.unread-line");
    if (firstUnread) this.#insert(lineItem("unread-line", "New since you were away"));
    // A line between two messages starts a new group.
    const lineBetween = newDay || firstUnread || this.#lineSince;
    this.#lineSince = false;
    const grouped = !lineBetween && previous !== undefined && groups(previous, event);
    if (grouped) item.classList.add("grouped");

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
      const { names, me } = this.mentionable();
      mentionsMe = appendMessageText(text, event.msg, names, me) && !own;
      if (mentionsMe) item.classList.add("mentions-me");
      item.append(sender, time, text);
      // Within a group, whose message it is and when are left to assistive technology.
      if (grouped) for (const part of [sender, time]) part.classList.add("visually-hidden");
    } else {
      const text = document.createElement("span");
      text.textContent = event.kind === "join" ? `${event.user} joined` : `${event.user} left`;
      item.append(text, time);
    }
    // The reader's own message, waiting below: it is shown now, in its place.
    this.list.querySelector(`li.pending[data-awaiting="${id}"]`)?.remove();
    if (event.key !== undefined && this.#waiting.has(event.key)) {
      this.#arrived.add(event.key);
      this.list.querySelector(`li.pending[data-key="${CSS.escape(event.key)}"]`)?.remove();
    }
    this.#insert(item);
    if (follow || own) this.scrollToEnd();
    else if (event.kind === "message") this.button.hidden = false;
    return mentionsMe;
  }

  /**
   * Shows the reader's messages still waiting to be acknowledged, after everything else.
   * @param {readonly Pending[]} pending
   * @param {PendingActions} actions
   */
  showPending(pending, actions) {
    const wanted = new Map(pending.map((item) => [item.key, item]));
    this.#waiting = new Set(wanted.keys());
    for (const key of this.#arrived) if (!this.#waiting.has(key)) this.#arrived.delete(key);
    // Items already shown stay as they are, so that nothing is announced twice; one whose state
    // changed is shown anew.
    for (const item of this.list.querySelectorAll("li.pending:not([data-awaiting])")) {
      if (!(item instanceof HTMLElement)) continue;
      const still = wanted.get(item.dataset.key ?? "");
      if (!still || (still.failed ?? "") !== (item.dataset.failed ?? "")) item.remove();
    }
    let added = false;
    for (const { key, text, failed } of pending) {
      if (this.#arrived.has(key) || this.list.querySelector(`li.pending[data-key="${CSS.escape(key)}"]`)) continue;
      this.list.append(pendingItem(key, text, failed, actions));
      added = true;
    }
    if (added) this.scrollToEnd();
  }

  /**
   * A waiting message was acknowledged as event `id`: it leaves once that event is shown, or at
   * once if the stream is already past it (it was shown, or lies before the history shown).
   * @param {string} key
   * @param {number} id
   * @param {number} streamLastId the newest event id the stream has delivered
   */
  settle(key, id, streamLastId) {
    const item = this.list.querySelector(`li.pending[data-key="${CSS.escape(key)}"]`);
    if (!(item instanceof HTMLElement)) return;
    if (id <= streamLastId) item.remove();
    else item.dataset.awaiting = String(id);
  }

  /** @param {string} text */
  addNotice(text) {
    this.#lineSince = true;
    this.#insert(lineItem("notice-line", text));
  }

  /**
   * The reader left the tab (true) or came back (false). Messages that arrive while away are
   * marked by a line before the first of them, which stays until the reader leaves again.
   * @param {boolean} away
   */
  setAway(away) {
    if (away && !this.#away) this.list.querySelector("li.unread-line")?.remove();
    this.#away = away;
  }

  /** Adds an item after everything shown, and before the reader's messages still waiting. @param {HTMLElement} item */
  #insert(item) {
    this.list.insertBefore(item, this.list.querySelector("li.pending"));
  }

  scrollToEnd() {
    this.list.scrollTop = this.list.scrollHeight;
    this.button.hidden = true;
  }

  #nearBottom() {
    return this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < NEAR_BOTTOM_PX;
  }
}

/**
 * @param {string} key
 * @param {string} text
 * @param {string | undefined} failed why it was refused, if it was
 * @param {PendingActions} actions
 */
function pendingItem(key, text, failed, actions) {
  const item = document.createElement("li");
  item.className = "message own pending";
  item.dataset.key = key;
  item.dataset.failed = failed ?? "";
  const status = document.createElement("span");
  status.className = failed === undefined ? "status" : "status failed";
  status.textContent = failed === undefined ? "Sending…" : `Not sent: ${failed}`;
  const body = document.createElement("p");
  body.className = "text";
  body.textContent = text;
  item.append(status, body);
  if (failed !== undefined) {
    const retry = document.createElement("button");
    retry.type = "button";
    retry.textContent = "Retry";
    retry.addEventListener("click", () => actions.retry(key));
    const discard = document.createElement("button");
    discard.type = "button";
    discard.textContent = "Discard";
    discard.addEventListener("click", () => actions.discard(key));
    item.append(retry, discard);
  }
  return item;
}

/**
 * @param {number} a
 * @param {number} b
 */
function sameDay(a, b) {
  return new Date(a).toDateString() === new Date(b).toDateString();
}

/**
 * Whether `event` continues `previous`'s group: the same person, moments later.
 * @param {ChatEvent} previous
 * @param {ChatEvent} event
 */
function groups(previous, event) {
  return (
    event.kind === "message" &&
    previous.kind === "message" &&
    previous.user === event.user &&
    event.at - previous.at < GROUP_WITHIN_MS
  );
}

/** The line that starts a day: "Today", "Yesterday", or its date. @param {number} at */
function dayItem(at) {
  const now = Date.now();
  const label = sameDay(at, now) ? "Today" : sameDay(at, now - DAY_MS) ? "Yesterday" : dayFormat.format(at);
  return lineItem("day", label);
}

/**
 * @param {string} className
 * @param {string} text
 */
function lineItem(className, text) {
  const item = document.createElement("li");
  item.className = className;
  item.textContent = text;
  return item;
}
