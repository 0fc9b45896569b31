// @ts-check
/**
 * The conversation: messages appended in order, notices shown quietly, the reader's own
 * messages not yet acknowledged kept last (see pending-messages.js), and the view kept at the
 * bottom unless the reader has scrolled up. Changes to messages (edits, deletions, reactions) are applied in place, to
 * the message and to the quotes of replies to it. Everything a user typed is set as text, with
 * its web addresses as links.
 */

import { pressMessageButton } from "./message-buttons.js";
import { MessageFocus } from "./message-focus.js";
import { fillDeleted, fillMessage, requote, showReactions, timeOf } from "./message-item.js";
import { PendingMessages } from "./pending-messages.js";

/**
 * @typedef {import("../connection/event-feed.js").ChatEvent} ChatEvent
 * @typedef {import("../connection/event-feed.js").ChangeEvent} ChangeEvent
 * @typedef {{
 *   names: readonly string[],
 *   me: string | undefined,
 *   editWindowMs: number,
 *   moderator: boolean,
 *   emoji: readonly string[],
 * }} ListContext
 * @typedef {{
 *   reply: (id: number, message: ChatEvent) => void,
 *   edit: (id: number, message: ChatEvent) => void,
 *   remove: (id: number) => void,
 *   moderate: (id: number) => void,
 *   removePerson: (name: string) => void,
 *   react: (id: number, emoji: string, on: boolean) => void,
 *   originGone: () => void,
 * }} MessageActions
 * @typedef {{ kind: string, user: string, at: number }} Shown what the conversation shows of an event,
 *   as far as the next one is concerned: a message, a join or a leave, or a deleted message's line
 */

const NEAR_BOTTOM_PX = 48;
/** Messages of one person closer together than this are shown as one group. */
const GROUP_WITHIN_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
/** How long a message jumped to stays highlighted. */
const FLASH_MS = 2000;
const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "full" });

export class MessageList {
  /** The last event shown, which the next is grouped with or separated from. @type {Shown | undefined} */
  #previous;
  /** Whether a line was shown since the last event, which the next message does not group across. */
  #lineSince = false;
  /** Whether the reader is away from the tab: the first message that arrives meanwhile is marked. */
  #away = false;
  /** The messages shown, as they are now, by id. @type {Map<number, ChatEvent>} */
  #messages = new Map();

  /**
   * @param {HTMLOListElement} list
   * @param {HTMLButtonElement} newMessagesButton shown while unread messages sit below the view
   * @param {() => ListContext} context who can be mentioned (the people in the room), who is
   *   reading, and the room's limits
   * @param {MessageActions} actions what the buttons on a message do
   */
  constructor(list, newMessagesButton, context, actions) {
    this.list = list;
    this.context = context;
    this.actions = actions;
    this.button = newMessagesButton;
    this.button.addEventListener("click", () => this.scrollToEnd());
    this.list.addEventListener("scroll", () => {
      if (this.#nearBottom()) this.button.hidden = true;
    });
    this.list.addEventListener("click", (event) =>
      pressMessageButton(event, {
        message: (id) => this.#messages.get(id),
        jump: (id) => this.jump(id),
        actions: this.actions,
      }),
    );
    this.focus = new MessageFocus(list);
    this.pending = new PendingMessages(list, () => this.scrollToEnd());
  }

  /**
   * The message with this id, as it is now, if it is shown.
   * @param {number} id
   */
  message(id) {
    return this.#messages.get(id);
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
    const { previous, newDay } = this.#follow(event);
    const firstUnread = this.#away && event.kind === "message" && !own && !this.list.querySelector("li.unread-line");
    if (firstUnread) this.#insert(lineItem("unread-line", "New since you were away"));
    // A line between two messages starts a new group.
    const lineBetween = newDay || firstUnread || this.#lineSince;
    this.#lineSince = false;
    const grouped = !lineBetween && previous !== undefined && groups(previous, event);
    if (grouped) item.classList.add("grouped");

    if (event.kind === "message") {
      this.#messages.set(id, event);
      // Focusable, so that a tap or a jump to it shows what can be done with it.
      item.tabIndex = -1;
      mentionsMe = this.#fill(item, event) && !own;
      if (mentionsMe) item.classList.add("mentions-me");
    } else {
      const text = document.createElement("span");
      text.textContent = event.kind === "join" ? `${event.user} joined` : `${event.user} left`;
      item.append(text, timeOf(event.at));
    }
    this.pending.arrived(id, event.key);
    this.#insert(item);
    if (event.kind === "message") this.focus.added(item);
    if (follow || own) this.scrollToEnd();
    else if (event.kind === "message") this.button.hidden = false;
    return mentionsMe;
  }

  /**
   * Applies a change to a message shown: its new text, its deletion, or who reacted. A deleted
   * message's own event (sent in its place to a reader that was not there) is shown as a line.
   * @param {number} id the change's own id
   * @param {ChangeEvent} change
   */
  change(id, change) {
    // A reader at the end stays there, however the change alters the height of what is shown.
    const follow = this.#nearBottom();
    // The message the reader is on (this one, or a reply quoting it) keeps the reader's focus
    // when it is rebuilt, which would otherwise fall to the page.
    const holder = document.activeElement?.closest("#messages > li");
    this.#apply(id, change);
    if (follow) this.scrollToEnd();
    if (holder instanceof HTMLElement) this.focus.restore(holder);
  }

  /**
   * @param {number} id
   * @param {ChangeEvent} change
   */
  #apply(id, change) {
    const { target } = change;
    if (change.kind === "delete") this.pending.gone(target);
    if (change.kind === "delete" && target === id) {
      // Its place in the conversation, at the time the message was sent, as a page that saw the
      // message shows it; the next message does not group across it.
      if (change.sentAt !== undefined) this.#follow({ kind: change.kind, user: change.user, at: change.sentAt });
      const item = document.createElement("li");
      item.dataset.id = String(id);
      fillDeleted(item, change.moderated, change.sentAt);
      this.#lineSince = true;
      this.#insert(item);
      return;
    }
    const message = this.#messages.get(target);
    const item = this.list.querySelector(`li.message[data-id="${target}"]`);
    if (change.kind === "delete") {
      this.#messages.delete(target);
      if (item instanceof HTMLElement) this.#delete(item, change.moderated, message?.at ?? change.sentAt);
      this.#requote(target, (quote) => ({ id: quote.id, user: quote.user, deleted: true }));
      return;
    }
    if (change.kind === "edit") {
      this.#requote(target, (quote) => (quote.deleted ? quote : { ...quote, msg: change.msg }));
      if (!message || !(item instanceof HTMLElement)) return;
      const edited = { ...message, msg: change.msg, edited: change.at };
      this.#messages.set(target, edited);
      // What it mentions may have changed with its text.
      item.classList.toggle("mentions-me", this.#fill(item, edited) && !item.classList.contains("own"));
      return;
    }
    if (!message || !(item instanceof HTMLElement)) return;
    const reactions = { ...message.reactions };
    if (change.users.length > 0) reactions[change.emoji] = change.users;
    else delete reactions[change.emoji];
    this.#messages.set(target, { ...message, reactions });
    const { me, emoji } = this.context();
    showReactions(item, reactions, me, emoji);
    this.focus.rebuilt(item);
  }

  /**
   * Shows a message as deleted where it was. It is shown as a line, as it would be to a reader
   * who came later, so the message after it starts a group of its own.
   * @param {HTMLElement} item
   * @param {boolean | undefined} moderated
   * @param {number | undefined} at when the message was sent
   */
  #delete(item, moderated, at) {
    fillDeleted(item, moderated, at);
    this.focus.rebuilt(item);
    const next = item.nextElementSibling;
    const nextId = next instanceof HTMLElement ? Number(next.dataset.id) : undefined;
    const following = nextId === undefined ? undefined : this.#messages.get(nextId);
    if (next instanceof HTMLElement && following && next.classList.contains("grouped")) {
      next.classList.remove("grouped");
      this.#fill(next, following);
    }
    // The last event shown: the next message does not group with it either.
    let later = item.nextElementSibling;
    while (later instanceof HTMLElement && later.dataset.id === undefined) later = later.nextElementSibling;
    if (!later) this.#lineSince = true;
  }

  /**
   * Marks anew which messages are the reader's, as the page knows them by name: the history
   * can arrive before the page has joined, and a reader who leaves or renames has others.
   * @param {(message: ChatEvent) => boolean} isOwn
   */
  markOwn(isOwn) {
    for (const item of this.list.querySelectorAll("li.message:not(.pending)")) {
      const message = item instanceof HTMLElement ? this.#messages.get(Number(item.dataset.id)) : undefined;
      if (!(item instanceof HTMLElement) || !message) continue;
      const own = isOwn(message);
      if (own === item.classList.contains("own")) continue;
      item.classList.toggle("own", own);
      this.#fill(item, message);
    }
  }

  /**
   * Brings a message into view and highlights it; false when it is not shown.
   * @param {number} id
   */
  jump(id) {
    const item = this.list.querySelector(`li.message[data-id="${id}"]`);
    if (!(item instanceof HTMLElement)) return false;
    item.scrollIntoView({ block: "center" });
    item.focus({ preventScroll: true });
    item.classList.add("flash");
    setTimeout(() => item.classList.remove("flash"), FLASH_MS);
    return true;
  }

  /**
   * @param {HTMLElement} item
   * @param {ChatEvent} event
   */
  #fill(item, event) {
    const { names, me, editWindowMs, moderator, emoji } = this.context();
    const own = item.classList.contains("own");
    const canEdit = own && Date.now() - event.at < editWindowMs;
    const mentionsMe = fillMessage(item, event, { names, me, own, canEdit, moderator, emoji });
    this.focus.rebuilt(item);
    return mentionsMe;
  }

  /**
   * @param {number} target
   * @param {(quote: import("../connection/event-feed.js").QuotedMessage) => import("../connection/event-feed.js").QuotedMessage} quote
   */
  #requote(target, quote) {
    for (const reply of this.list.querySelectorAll(`li.message[data-reply-to="${target}"]`)) {
      if (!(reply instanceof HTMLElement)) continue;
      const id = Number(reply.dataset.id);
      const message = this.#messages.get(id);
      if (!message?.replyTo) continue;
      const replyTo = quote(message.replyTo);
      this.#messages.set(id, { ...message, replyTo });
      requote(reply, replyTo);
      this.focus.rebuilt(reply);
    }
  }

  /**
   * @param {string} text
   * @param {{ label: string, press: () => void }} [action] a button on the line, for what can be done about it
   */
  addNotice(text, action) {
    this.#lineSince = true;
    const item = lineItem("notice-line", text);
    if (action) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "line-action";
      button.textContent = action.label;
      button.addEventListener("click", () => {
        button.disabled = true;
        action.press();
      });
      item.append(" ", button);
    }
    this.#insert(item);
  }

  /** Takes away everything shown: the room it was said in is gone. */
  clear() {
    this.list.replaceChildren();
    this.#messages.clear();
    this.#previous = undefined;
    this.#lineSince = false;
    this.button.hidden = true;
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

  /**
   * Makes `shown` the last event shown, after a line for its day if it starts one.
   * @param {Shown} shown
   * @returns {{ previous: Shown | undefined, newDay: boolean }} the event shown before it, and whether a day line now separates them
   */
  #follow(shown) {
    const previous = this.#previous;
    this.#previous = shown;
    const newDay = previous === undefined || !sameDay(previous.at, shown.at);
    if (newDay) this.#insert(dayItem(shown.at));
    return { previous, newDay };
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
 * @param {number} a
 * @param {number} b
 */
function sameDay(a, b) {
  return new Date(a).toDateString() === new Date(b).toDateString();
}

/**
 * Whether `event` continues `previous`'s group: the same person, moments later.
 * @param {Shown} previous
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
