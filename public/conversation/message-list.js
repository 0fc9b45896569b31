// @ts-check
/**
 * The conversation: a window onto the room's timeline, of at most `MOST_HELD` items, so that
 * what each arriving message costs does not grow with how long the reader stays. Live events
 * are appended while the window reaches the newest ("live"); the oldest items leave as new ones
 * come. A reader who scrolls back gets earlier pages (see history.js), and the newest items leave
 * then; live events are kept aside meanwhile and shown once the window reaches the newest again.
 * The reader's own messages not yet acknowledged are kept last (see pending-messages.js), and
 * the view stays at the bottom unless the reader has scrolled up. Changes to messages (edits,
 * deletions, reactions) are applied in place, to the message and to the quotes of replies to
 * it. Everything a user typed is set as text, with its web addresses as links.
 */

import { HeldEvents } from "./held-events.js";
import { HistoryEdge } from "./history-edge.js";
import { pressMessageButton } from "./message-buttons.js";
import { MessageFocus } from "./message-focus.js";
import { MessageIndex } from "./message-index.js";
import { mentionsReader } from "./message-text.js";
import { NewsButton } from "./news-button.js";
import { PendingMessages } from "./pending-messages.js";
import { lineItem } from "./timeline-lines.js";
import { TimelineWriter } from "./timeline-writer.js";
import { dropNewest, dropOldest, firstEvent, firstMessageAfter } from "./window-edges.js";

/**
 * @typedef {import("../connection/event-feed.js").ChatEvent} ChatEvent
 * @typedef {import("../connection/event-feed.js").ChangeEvent} ChangeEvent
 * @typedef {import("./timeline-writer.js").Entry} Entry
 * @typedef {import("./timeline-writer.js").Cursor} Cursor
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
 *   copyLink: (id: number) => void,
 * }} MessageActions
 * @typedef {{ earlier: () => void, later: () => void, newest: () => void, missing: (id: number) => void }} WindowMoves
 *   what brings other parts of the timeline into the window, set by the history
 */

const NEAR_BOTTOM_PX = 48;
/** How long a message jumped to stays highlighted. */
const FLASH_MS = 2000;
/** Items with an id the window holds at most; past it, the ones far from the view leave. */
export const MOST_HELD = 200;
/** What the window is cut down to when it passes `MOST_HELD`, so that cutting is rare. */
const HELD_AFTER_CUT = 150;

export class MessageList {
  #index = new MessageIndex();
  /** Where live events are added: before the reader's messages still waiting. @type {Cursor} */
  #end = this.#endCursor();
  /** Whether the reader is away from the tab: the first message that arrives meanwhile is marked. */
  #away = false;
  /** @type {HTMLElement | undefined} */
  #unreadLine;
  /** Whether the view follows the newest messages, as it does until the reader scrolls up. */
  #following = true;
  /** @type {number | undefined} */
  #endFrame;
  /** Where the view was scrolled to last, to tell the reader scrolling up. */
  #lastTop = 0;
  /** Whether the window reaches the newest event, so that live events are shown as they come. */
  #live = true;
  /** Live events that came while the window did not reach them, to be shown once it does. */
  #held = new HeldEvents();
  /** The newest id shown. */
  #newest = 0;
  /** Live events up to this id are not news: the page being shown already had them when asked. */
  #newsAfter = 0;
  /** @type {WindowMoves} */
  moves = { earlier() {}, later() {}, newest() {}, missing() {} };

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
    this.news = new NewsButton(newMessagesButton, () => (this.#live ? this.scrollToEnd() : this.moves.newest()));
    this.list.addEventListener("scroll", () => this.#scrolled(), { passive: true });
    this.list.addEventListener("click", (event) =>
      pressMessageButton(event, {
        message: (id) => this.#index.message(id),
        // A quote's original outside the window is loaded, with what is around it.
        jump: (id) => {
          if (!this.jump(id)) this.moves.missing(id);
          return true;
        },
        actions: this.actions,
      }),
    );
    this.focus = new MessageFocus(list, {
      top: () => this.moves.earlier(),
      bottom: () => (this.#live ? undefined : this.moves.later()),
    });
    this.pending = new PendingMessages(list, () => this.scrollToEnd());
    this.writer = new TimelineWriter(this.#index, this.focus, context);
    this.edge = new HistoryEdge(list, () => this.moves.earlier());
  }

  /** Whether the window reaches the newest event. */
  get live() {
    return this.#live;
  }

  /** Whether the reader is at the newest message, and so has read them all. */
  get atNewest() {
    return this.#live && this.#following;
  }

  /** Live events wait aside until a page of history brings the window to the newest. */
  detach() {
    this.#newsAfter = Number.POSITIVE_INFINITY;
    this.#live = false;
    this.#following = false;
  }

  /** The oldest and newest ids shown, if any. */
  get span() {
    const first = firstEvent(this.list);
    return first ? { oldest: Number(first.dataset.id), newest: this.#newest } : undefined;
  }

  /**
   * The message with this id, as it is now, if it is shown.
   * @param {number} id
   */
  message(id) {
    return this.#index.message(id);
  }

  /**
   * A live event.
   * @param {number} id
   * @param {ChatEvent} event
   * @param {boolean} own whether the reader sent it
   * @returns {boolean} whether it mentions the reader
   */
  add(id, event, own) {
    const message = event.kind === "message";
    if (!this.#live || (!this.#following && !own && this.#index.size >= MOST_HELD)) {
      this.#held.hold(id, () => this.add(id, event, own));
      this.pending.arrived(id, event.key);
      if (own) this.moves.newest();
      else if (message) this.news.show(id > this.#newsAfter);
      return message && !own && mentionsReader(event.msg, this.context().names, this.context().me);
    }
    if (id <= this.#newest) return false;
    this.#newest = id;
    const firstUnread = this.#away && message && !own && !this.#unreadLine?.isConnected;
    if (firstUnread) this.#unreadLine = lineItem("unread-line", "New since you were away");
    const item = this.writer.event(this.#end, id, event, own, firstUnread ? this.#unreadLine : undefined);
    this.pending.arrived(id, event.key);
    if (message) this.focus.added(item);
    if (this.#following || own) this.#scrollToEndSoon();
    else if (message) this.news.show();
    this.#cutOldest();
    return item.classList.contains("mentions-me");
  }

  /**
   * Applies a live change to a message shown: its new text, its deletion, or who reacted. A
   * deleted message's own event (sent in its place to a reader that was not there) is shown as
   * a line.
   * @param {number} id the change's own id
   * @param {ChangeEvent} change
   */
  change(id, change) {
    const inTimeline = change.kind === "delete" && change.target === id;
    if (!this.#live) {
      this.#held.hold(id, () => this.change(id, change));
      if (inTimeline) return;
    } else if (inTimeline) {
      if (id <= this.#newest) return;
      this.#newest = id;
    }
    // The message the reader is on (this one, or a reply quoting it) keeps the reader's focus
    // when it is rebuilt, which would otherwise fall to the page.
    const holder = document.activeElement?.closest("#messages > li");
    if (change.kind === "delete") this.pending.gone(change.target);
    if (inTimeline && change.kind === "delete") this.writer.deleted(this.#end, id, change);
    else this.writer.apply(change, this.#end);
    if (this.#following && this.#live) this.#scrollToEndSoon();
    if (holder instanceof HTMLElement) this.focus.restore(holder);
    if (inTimeline) this.#cutOldest();
  }

  /**
   * A live notice, with a button for what can be done about it.
   * @param {string} text
   * @param {{ label: string, press: () => void }} [action]
   * @param {number} [id] its event's id, for a notice the room stored
   */
  addNotice(text, action, id) {
    if (!this.#live) {
      if (id !== undefined) this.#held.hold(id, () => this.addNotice(text, action, id));
      return;
    }
    if (id !== undefined && id <= this.#newest) return;
    if (id !== undefined) this.#newest = id;
    const item = this.writer.notice(this.#end, text, id);
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
    if (this.#following) this.#scrollToEndSoon();
  }

  /**
   * Adds a page of earlier history above what is shown, keeping the reader's place; the newest
   * items leave if the window grows too long.
   * @param {Entry[]} entries oldest first
   * @returns {number} how many messages were added
   */
  prepend(entries) {
    const fragment = document.createDocumentFragment();
    /** @type {Cursor} */
    const cursor = { previous: undefined, lineSince: false, put: (item) => fragment.append(item) };
    let added = 0;
    for (const entry of entries) {
      if (this.#index.item(entry.id)) continue;
      this.writer.put(cursor, entry);
      if (entry.kind === "event" && entry.event.kind === "message") added += 1;
    }
    if (!fragment.firstChild) return 0;
    const top = this.edge.item ? this.edge.item.nextElementSibling : this.list.firstElementChild;
    const fromBottom = this.list.scrollHeight - this.list.scrollTop;
    const before = this.writer.seam(cursor, top);
    this.list.insertBefore(fragment, before ?? this.pending.first);
    this.list.scrollTop = this.list.scrollHeight - fromBottom;
    if (this.#index.size > MOST_HELD) this.#cutNewest();
    return added;
  }

  /**
   * Adds a page of later history below what is shown, while the window does not reach the newest.
   * @param {Entry[]} entries oldest first
   * @param {boolean} later whether more events follow them
   * @returns {boolean} whether the window now reaches the newest event
   */
  append(entries, later) {
    for (const entry of entries) {
      if (entry.id <= this.#newest) continue;
      this.#newest = entry.id;
      this.writer.put(this.#end, entry);
    }
    if (this.#index.size > MOST_HELD)
      this.#cut(() => dropOldest(this.list, this.#index, this.#index.size - HELD_AFTER_CUT, this.edge.item));
    if (later || this.#held.dropped > this.#newest) return false;
    this.#live = true;
    for (const { id, replay } of this.#held.take()) if (id > this.#newest) replay();
    if (this.#nearBottom()) this.news.hide();
    return true;
  }

  /**
   * Shows another part of the timeline in place of what is shown.
   * @param {Entry[]} entries oldest first
   * @param {boolean} later whether more events follow them
   * @param {number} latestId the newest id in the room when the page was answered
   */
  replace(entries, later, latestId) {
    this.#newsAfter = latestId;
    // Live events kept aside while the page was on its way follow it, if it reaches the newest.
    this.#reset(false);
    this.#live = false;
    this.news.forget();
    if (!this.append(entries, later)) this.news.show(false);
    this.focus.ensure(firstEvent(this.list, "li.message"), true);
  }

  /**
   * What the top of the window shows: a way to load earlier messages, that this is where the
   * room starts, that earlier messages are no longer kept, or nothing yet.
   * @param {"earlier" | "start" | "trimmed" | undefined} state
   */
  showEdge(state) {
    this.edge.show(state);
  }

  /**
   * Marks anew which messages are the reader's, as the page knows them by name: the history
   * can arrive before the page has joined, and a reader who leaves or renames has others.
   * @param {(message: ChatEvent) => boolean} isOwn
   */
  markOwn(isOwn) {
    for (const item of this.list.querySelectorAll("li.message:not(.pending)")) {
      const message = item instanceof HTMLElement ? this.#index.message(Number(item.dataset.id)) : undefined;
      if (!(item instanceof HTMLElement) || !message) continue;
      const own = isOwn(message);
      if (own === item.classList.contains("own")) continue;
      item.classList.toggle("own", own);
      this.writer.fill(item, message);
    }
  }

  /**
   * Brings a message into view and highlights it; false when it is not shown.
   * @param {number} id
   * @param {boolean} [keep] whether it stays marked, as a message a link points to does
   */
  jump(id, keep = false) {
    const item = this.#index.item(id);
    if (!item?.classList.contains("message")) return false;
    this.#following = false;
    item.scrollIntoView({ block: "center" });
    this.focus.ensure(item, true);
    item.focus({ preventScroll: true });
    item.classList.add(keep ? "linked" : "flash");
    if (!keep) setTimeout(() => item.classList.remove("flash"), FLASH_MS);
    return true;
  }

  /**
   * Marks where the messages after `id` begin, with a line the reader is taken to.
   * @param {number} id the last message the reader had read
   * @returns {boolean} whether a message after it is shown
   */
  markNewSince(id) {
    let first = firstEvent(this.list, "li.message");
    while (first && Number(first.dataset.id) <= id) first = firstMessageAfter(first);
    if (!first) return false;
    const line = lineItem("unread-line left-off", "New since your last visit");
    line.id = "left-off";
    first.before(line);
    if (first.classList.contains("grouped")) {
      first.classList.remove("grouped");
      const message = this.#index.message(Number(first.dataset.id));
      if (message) this.writer.fill(first, message);
    }
    line.scrollIntoView({ block: "start" });
    this.#following = false;
    this.focus.ensure(first, true);
    return true;
  }

  /** Takes away everything shown: the room it was said in is gone. */
  clear() {
    this.list.replaceChildren();
    this.#reset();
    this.#live = true;
    this.news.hide();
  }

  /**
   * The reader left the tab (true) or came back (false). Messages that arrive while away are
   * marked by a line before the first of them, which stays until the reader leaves again.
   * @param {boolean} away
   */
  setAway(away) {
    if (away && !this.#away) this.#unreadLine?.remove();
    this.#away = away;
  }

  scrollToEnd() {
    this.list.scrollTop = this.list.scrollHeight;
    this.#following = true;
    this.news.hide();
  }

  /**
   * Takes every item away but the reader's messages still waiting; the window starts afresh.
   * @param {boolean} [forgetHeld] whether the live events kept aside go too
   */
  #reset(forgetHeld = true) {
    for (let item = this.pending.first?.previousElementSibling ?? this.list.lastElementChild; item; ) {
      const before = item.previousElementSibling;
      item.remove();
      item = before;
    }
    this.#index.clear();
    this.#end = this.#endCursor();
    if (forgetHeld) this.#held.clear();
    this.#newest = 0;
    this.#unreadLine = undefined;
  }

  /** @returns {Cursor} */
  #endCursor() {
    return { previous: undefined, lineSince: false, put: (item) => this.list.insertBefore(item, this.pending.first) };
  }

  /** While the reader follows the newest, the oldest items leave as new ones come. */
  #cutOldest() {
    if (!this.#following || this.#index.size <= MOST_HELD) return;
    this.#cut(() => dropOldest(this.list, this.#index, this.#index.size - HELD_AFTER_CUT, this.edge.item));
  }

  /** After a page of earlier history, the newest items leave, and live events wait aside. */
  #cutNewest() {
    const end = this.#cut(() =>
      dropNewest(this.list, this.#index, this.#index.size - HELD_AFTER_CUT, this.pending.first),
    );
    if (!end) return;
    this.#live = false;
    this.#held.clear();
    this.#newest = end.id;
    this.#end.previous = end.shown;
    this.#end.lineSince = end.lineSince;
    this.news.show(false);
  }

  /**
   * Cuts the window, keeping the reader's place, refilling a message whose group was cut from
   * it, and keeping a stop for the keyboard; the top says earlier messages can be loaded.
   * @template {{ regrouped?: HTMLElement } | undefined} T
   * @param {() => T} cut
   */
  #cut(cut) {
    // Reading the height lays out every item added since the last frame, in the middle of a
    // burst; a view that follows the newest goes to the end in the next frame anyway.
    const fromBottom = this.#following ? 0 : this.list.scrollHeight - this.list.scrollTop;
    const result = cut();
    if (result?.regrouped) {
      const message = this.#index.message(Number(result.regrouped.dataset.id));
      if (message) this.writer.fill(result.regrouped, message);
    }
    if (!this.#following) this.list.scrollTop = this.list.scrollHeight - fromBottom;
    this.focus.ensure(this.#lastMessage());
    this.showEdge("earlier");
    return result;
  }

  #lastMessage() {
    for (
      let item = this.pending.first?.previousElementSibling ?? this.list.lastElementChild;
      item;
      item = item.previousElementSibling
    ) {
      if (item instanceof HTMLElement && item.matches("li.message")) return item;
    }
    return undefined;
  }

  #scrolled() {
    const top = this.list.scrollTop;
    const up = top < this.#lastTop;
    this.#lastTop = top;
    if (this.#endFrame !== undefined) return;
    // Only the reader scrolling up stops the view following: items laid out as they come into
    // view change the height below without the reader doing anything.
    if (this.#nearBottom()) this.#following = this.#live;
    else if (up) this.#following = false;
    if (this.#following) this.news.hide();
    else if (this.#nearBottom()) this.moves.later();
    else if (this.list.scrollTop < this.list.clientHeight) this.moves.earlier();
  }

  /** Scrolls to the newest once this frame's additions are in, so that a burst costs one layout. */
  #scrollToEndSoon() {
    this.#endFrame ??= requestAnimationFrame(() => {
      this.#endFrame = undefined;
      this.scrollToEnd();
    });
  }

  #nearBottom() {
    return this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < NEAR_BOTTOM_PX;
  }
}
