// @ts-check
/**
 * Writes the conversation's items: a message, a join or a leave, a deleted message's line, a
 * notice, each after a line for its day where one starts and grouped with the message before
 * when one person goes on. Items are written at a cursor, so the same events read the same
 * whether they arrive live at the end or come in a page of earlier history; and changes to
 * messages are applied in place, to the message and to the quotes of replies to it.
 */

import { fillDeleted, fillMessage, requote, showReactions, timeOf } from "./message-item.js";
import { dayItem, dayOf, groups, lineItem } from "./timeline-lines.js";

/**
 * @typedef {import("../connection/event-feed.js").ChatEvent} ChatEvent
 * @typedef {import("../connection/event-feed.js").ChangeEvent} ChangeEvent
 * @typedef {import("../connection/event-feed.js").QuotedMessage} QuotedMessage
 * @typedef {Extract<ChangeEvent, { kind: "delete" }>} DeleteEvent
 * @typedef {import("./timeline-lines.js").Shown} Shown
 * @typedef {import("./message-index.js").MessageIndex} MessageIndex
 * @typedef {import("./message-focus.js").MessageFocus} MessageFocus
 * @typedef {import("./message-list.js").ListContext} ListContext
 * @typedef {(
 *   | { id: number, kind: "event", event: ChatEvent }
 *   | { id: number, kind: "deleted", change: DeleteEvent }
 *   | { id: number, kind: "notice", text: string }
 * )} Entry one item of the timeline, from the stream or a page of history
 * @typedef {{ previous: Shown | undefined, lineSince: boolean, put: (item: HTMLElement) => void }} Cursor
 *   where items are being written: after what, and whether a line came since it
 */

export class TimelineWriter {
  /**
   * @param {MessageIndex} index
   * @param {MessageFocus} focus
   * @param {() => ListContext} context
   */
  constructor(index, focus, context) {
    this.index = index;
    this.focus = focus;
    this.context = context;
  }

  /**
   * Writes an item of a page of history, the reader's own messages told by name.
   * @param {Cursor} cursor
   * @param {Entry} entry
   */
  put(cursor, entry) {
    if (entry.kind === "event") {
      const { me } = this.context();
      const own = entry.event.kind === "message" && me !== undefined && entry.event.name === me;
      this.event(cursor, entry.id, entry.event, own);
    } else if (entry.kind === "deleted") this.deleted(cursor, entry.id, entry.change);
    else this.notice(cursor, entry.text, entry.id);
  }

  /**
   * @param {Cursor} cursor
   * @param {number} id
   * @param {ChatEvent} event
   * @param {boolean} own
   * @param {HTMLElement} [unreadLine] a line to put before it: the first the reader has not seen
   */
  event(cursor, id, event, own, unreadLine) {
    const item = document.createElement("li");
    item.dataset.id = String(id);
    item.dataset.at = String(event.at);
    item.className = event.kind === "message" ? "message" : "notice-line";
    if (own) item.classList.add("own");
    const { previous, newDay } = this.#follow(cursor, event);
    if (unreadLine) cursor.put(unreadLine);
    // A line between two messages starts a new group.
    const lineBetween = newDay || unreadLine !== undefined || cursor.lineSince;
    cursor.lineSince = false;
    if (!lineBetween && previous !== undefined && groups(previous, event)) item.classList.add("grouped");
    if (event.kind === "message") {
      this.index.set(id, event);
      // Focusable, so that a tap or a jump to it shows what can be done with it.
      item.tabIndex = -1;
      if (this.fill(item, event) && !own) item.classList.add("mentions-me");
    } else {
      const text = document.createElement("span");
      text.textContent = event.kind === "join" ? `${event.user} joined` : `${event.user} left`;
      item.append(text, timeOf(event.at));
    }
    this.index.hold(id, item);
    cursor.put(item);
    return item;
  }

  /**
   * A deleted message's place in the conversation, at the time it was sent, as a page that saw
   * the message shows it; the next message does not group across it.
   * @param {Cursor} cursor
   * @param {number} id
   * @param {DeleteEvent} change
   */
  deleted(cursor, id, change) {
    if (change.sentAt !== undefined) this.#follow(cursor, { kind: change.kind, user: change.user, at: change.sentAt });
    const item = document.createElement("li");
    item.dataset.id = String(id);
    if (change.sentAt !== undefined) item.dataset.at = String(change.sentAt);
    fillDeleted(item, change.moderated, change.sentAt);
    cursor.lineSince = true;
    this.index.hold(id, item);
    cursor.put(item);
  }

  /**
   * @param {Cursor} cursor
   * @param {string} text
   * @param {number | undefined} id
   */
  notice(cursor, text, id) {
    cursor.lineSince = true;
    const item = lineItem("notice-line", text);
    if (id !== undefined) {
      item.dataset.id = String(id);
      this.index.hold(id, item);
    }
    cursor.put(item);
    return item;
  }

  /**
   * Applies a change to the message it changes, if shown, and to the replies quoting it.
   * @param {ChangeEvent} change
   * @param {Cursor} end where live events are written, which a deletion of the last one concerns
   */
  apply(change, end) {
    const { target } = change;
    const message = this.index.message(target);
    const shown = this.index.item(target);
    const item = shown?.classList.contains("message") ? shown : undefined;
    if (change.kind === "delete") {
      this.index.unset(target);
      if (item) this.#delete(item, change.moderated, message?.at ?? change.sentAt, end);
      this.#requote(target, (quote) => ({ id: quote.id, user: quote.user, deleted: true }));
      return;
    }
    if (change.kind === "edit") {
      this.#requote(target, (quote) => (quote.deleted ? quote : { ...quote, msg: change.msg }));
      if (!message || !item) return;
      const edited = { ...message, msg: change.msg, edited: change.at };
      this.index.set(target, edited);
      // What it mentions may have changed with its text.
      item.classList.toggle("mentions-me", this.fill(item, edited) && !item.classList.contains("own"));
      return;
    }
    if (!message || !item) return;
    const reactions = { ...message.reactions };
    if (change.users.length > 0) reactions[change.emoji] = change.users;
    else delete reactions[change.emoji];
    this.index.set(target, { ...message, reactions });
    const { me, emoji } = this.context();
    showReactions(item, reactions, me, emoji);
    this.focus.rebuilt(item);
  }

  /**
   * Fills a message's item anew, as the reader and the room's people now are.
   * @param {HTMLElement} item
   * @param {ChatEvent} event
   * @returns {boolean} whether it mentions the reader
   */
  fill(item, event) {
    const { names, me, editWindowMs, moderator, emoji } = this.context();
    const own = item.classList.contains("own");
    const canEdit = own && Date.now() - event.at < editWindowMs;
    const mentionsMe = fillMessage(item, event, { names, me, own, canEdit, moderator, emoji });
    this.focus.rebuilt(item);
    return mentionsMe;
  }

  /**
   * Joins a page of earlier history to what was shown: one day line where both sides share the
   * day, and one group where one person's messages run across.
   * @param {Cursor} cursor where the earlier page ended
   * @param {Element | null} top the first item shown until now
   * @returns {Element | null} the item the earlier page goes before
   */
  seam(cursor, top) {
    const last = cursor.previous;
    if (!last || !(top instanceof HTMLElement) || top.dataset.day !== dayOf(last.at)) return top;
    const first = top.nextElementSibling;
    top.remove();
    if (cursor.lineSince || !(first instanceof HTMLElement) || !first.classList.contains("message")) return first;
    const message = this.index.message(Number(first.dataset.id));
    if (!message || !groups(last, message)) return first;
    first.classList.add("grouped");
    this.fill(first, message);
    return first;
  }

  /**
   * Shows a message as deleted where it was. It is shown as a line, as it would be to a reader
   * who came later, so the message after it starts a group of its own.
   * @param {HTMLElement} item
   * @param {boolean | undefined} moderated
   * @param {number | undefined} at when the message was sent
   * @param {Cursor} end
   */
  #delete(item, moderated, at, end) {
    fillDeleted(item, moderated, at);
    this.focus.rebuilt(item);
    const next = item.nextElementSibling;
    const following = next instanceof HTMLElement ? this.index.message(Number(next.dataset.id)) : undefined;
    if (next instanceof HTMLElement && following && next.classList.contains("grouped")) {
      next.classList.remove("grouped");
      this.fill(next, following);
    }
    // The last event shown: the next message does not group with it either.
    let later = item.nextElementSibling;
    while (later instanceof HTMLElement && later.dataset.id === undefined) later = later.nextElementSibling;
    if (!later || later.classList.contains("pending")) end.lineSince = true;
  }

  /**
   * @param {number} target
   * @param {(quote: QuotedMessage) => QuotedMessage} quote
   */
  #requote(target, quote) {
    for (const id of this.index.repliesTo(target)) {
      const reply = this.index.item(id);
      const message = this.index.message(id);
      if (!reply || !message?.replyTo) continue;
      const replyTo = quote(message.replyTo);
      this.index.set(id, { ...message, replyTo });
      requote(reply, replyTo);
      this.focus.rebuilt(reply);
    }
  }

  /**
   * Makes `shown` the last event the cursor has passed, after a line for its day if it starts one.
   * @param {Cursor} cursor
   * @param {Shown} shown
   * @returns {{ previous: Shown | undefined, newDay: boolean }} the event shown before it, and whether a day line now separates them
   */
  #follow(cursor, shown) {
    const previous = cursor.previous;
    cursor.previous = shown;
    const newDay = previous === undefined || dayOf(previous.at) !== dayOf(shown.at);
    if (newDay) cursor.put(dayItem(shown.at));
    return { previous, newDay };
  }
}
