// @ts-check
/**
 * What separates and joins the items of the conversation: a line for each day ("Today",
 * "Yesterday", a date), and a person's messages in a row shown as one group.
 *
 * @typedef {import("../connection/event-feed.js").ChatEvent} ChatEvent
 * @typedef {{ kind: string, user: string, at: number }} Shown what the conversation shows of an event,
 *   as far as the next one is concerned: a message, a join or a leave, or a line such as a deleted message's
 */

/** Messages of one person closer together than this are shown as one group. */
const GROUP_WITHIN_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "full" });

/** The reader's calendar day of a time, as a key two times share when they fall on the same day. @param {number} at */
export function dayOf(at) {
  return new Date(at).toDateString();
}

/**
 * Whether `event` continues `previous`'s group: the same person, moments later.
 * @param {Shown} previous
 * @param {Shown} event
 */
export function groups(previous, event) {
  return (
    event.kind === "message" &&
    previous.kind === "message" &&
    previous.user === event.user &&
    event.at - previous.at < GROUP_WITHIN_MS
  );
}

/** The line that starts a day: "Today", "Yesterday", or its date. @param {number} at */
export function dayItem(at) {
  const now = Date.now();
  const day = dayOf(at);
  const label = day === dayOf(now) ? "Today" : day === dayOf(now - DAY_MS) ? "Yesterday" : dayFormat.format(at);
  const item = lineItem("day", label);
  item.dataset.day = day;
  return item;
}

/**
 * @param {string} className
 * @param {string} text
 */
export function lineItem(className, text) {
  const item = document.createElement("li");
  item.className = className;
  item.textContent = text;
  return item;
}
