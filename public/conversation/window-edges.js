// @ts-check
/**
 * Cutting the conversation's window at either end. Items leave from the end far from the
 * reader, never past the one the reader is on, with the lines that went with them; what is left
 * starts under a day line and, where a group was cut, with its sender shown again.
 *
 * @typedef {import("./message-index.js").MessageIndex} MessageIndex
 * @typedef {import("./timeline-lines.js").Shown} Shown
 */

import { dayItem } from "./timeline-lines.js";

/**
 * The first item of the window with an id (or matching `selector`), found from the top.
 * @param {HTMLElement} list
 * @param {string} [selector]
 * @returns {HTMLElement | undefined}
 */
export function firstEvent(list, selector = "li[data-id]") {
  for (let item = list.firstElementChild; item; item = item.nextElementSibling) {
    if (item instanceof HTMLElement && item.matches(selector) && !item.classList.contains("pending")) return item;
  }
  return undefined;
}

/**
 * The next message shown after `item`, leaving out the reader's messages still waiting.
 * @param {Element} item
 * @returns {HTMLElement | undefined}
 */
export function firstMessageAfter(item) {
  let next = item.nextElementSibling;
  while (next && !(next instanceof HTMLElement && next.matches("li.message:not(.pending)")))
    next = next.nextElementSibling;
  return next instanceof HTMLElement ? next : undefined;
}

/**
 * Takes `count` items with an id from the top of the window.
 * @param {HTMLElement} list
 * @param {MessageIndex} index
 * @param {number} count
 * @param {HTMLElement | undefined} edge the top's own line, which stays
 * @returns {{ regrouped?: HTMLElement }} the first message left, if it continued a group that was cut
 */
export function dropOldest(list, index, count, edge) {
  let left = count;
  let item = edge?.isConnected ? edge.nextElementSibling : list.firstElementChild;
  while (item instanceof HTMLElement && left > 0 && !holdsReader(item) && !item.classList.contains("pending")) {
    const next = item.nextElementSibling;
    if (item.dataset.id !== undefined) {
      index.forget(Number(item.dataset.id));
      left -= 1;
    }
    item.remove();
    item = next;
  }
  // Lines left without the events they were for go too, up to the day line of what is left.
  while (item instanceof HTMLElement && item.dataset.id === undefined && !item.classList.contains("day")) {
    const next = item.nextElementSibling;
    if (item.classList.contains("pending")) return {};
    item.remove();
    item = next;
  }
  if (!(item instanceof HTMLElement) || item.classList.contains("day")) return {};
  const at = Number(item.dataset.at);
  if (Number.isFinite(at)) item.before(dayItem(at));
  if (!item.classList.contains("grouped")) return {};
  item.classList.remove("grouped");
  return { regrouped: item };
}

/**
 * Takes `count` items with an id from the bottom of the window, above the reader's messages
 * still waiting.
 * @param {HTMLElement} list
 * @param {MessageIndex} index
 * @param {number} count
 * @param {Element | null} pendingFirst
 * @returns {{ id: number, shown: Shown, lineSince: boolean, regrouped?: HTMLElement } | undefined} the newest event left,
 *   what the next one is grouped with or separated from, and whether a line came after it
 */
export function dropNewest(list, index, count, pendingFirst) {
  let left = count;
  let item = pendingFirst ? pendingFirst.previousElementSibling : list.lastElementChild;
  while (item instanceof HTMLElement && left > 0 && !holdsReader(item) && !item.classList.contains("history-edge")) {
    const before = item.previousElementSibling;
    if (item.dataset.id !== undefined) {
      index.forget(Number(item.dataset.id));
      left -= 1;
    }
    item.remove();
    item = before;
  }
  let lineSince = false;
  while (item instanceof HTMLElement && item.dataset.id === undefined && !item.classList.contains("history-edge")) {
    const before = item.previousElementSibling;
    // A day line or an unread line with nothing after it is removed; a notice stays.
    if (item.classList.contains("day") || item.classList.contains("unread-line")) item.remove();
    else lineSince = true;
    item = before;
  }
  if (!(item instanceof HTMLElement) || item.dataset.id === undefined) return undefined;
  const id = Number(item.dataset.id);
  const message = item.classList.contains("message") ? index.message(id) : undefined;
  const at = Number(item.dataset.at);
  const shown = message ?? { kind: "line", user: "", at: Number.isFinite(at) ? at : Date.now() };
  return { id, shown, lineSince: lineSince || item.classList.contains("deleted") || !message };
}

/** Whether the reader's focus is in this item, which therefore stays. @param {HTMLElement} item */
function holdsReader(item) {
  return item.contains(document.activeElement);
}
