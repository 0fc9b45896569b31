// @ts-check
/**
 * What one message shows: who sent it and when, the message it answers, its text (with links
 * and mentions), whether it was edited, its reactions, and what the reader can do with it.
 * Buttons carry a `data-action` that the message list handles for all of them at once.
 */

import { appendMessageText } from "./message-text.js";

/**
 * @typedef {import("../connection/event-feed.js").ChatEvent} ChatEvent
 * @typedef {import("../connection/event-feed.js").QuotedMessage} QuotedMessage
 * @typedef {{
 *   names: readonly string[],
 *   me: string | undefined,
 *   own: boolean,
 *   canEdit: boolean,
 *   moderator: boolean,
 *   emoji: readonly string[],
 * }} MessageContext
 */

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

/** Words for each emoji of the room's set, for those who hear the page rather than see it. */
const EMOJI_NAMES = new Map([
  ["👍", "thumbs up"],
  ["❤️", "heart"],
  ["😂", "laughing"],
  ["🎉", "party"],
  ["😮", "surprised"],
  ["😢", "sad"],
]);

/** @param {string} emoji */
export function emojiName(emoji) {
  return EMOJI_NAMES.get(emoji) ?? emoji;
}

/**
 * Fills `item` with a message, replacing what it held.
 * @param {HTMLElement} item
 * @param {ChatEvent} event
 * @param {MessageContext} context
 * @returns {boolean} whether the text mentions the reader
 */
export function fillMessage(item, event, context) {
  const sender = document.createElement("span");
  sender.className = "sender";
  sender.textContent = event.name;
  const time = timeOf(event.at);
  // Within a group, whose message it is and when are left to assistive technology.
  if (item.classList.contains("grouped")) for (const part of [sender, time]) part.classList.add("visually-hidden");
  // What can be done with it heads it, as a header's menu does: at the end of the line that
  // says who sent it and when, in room the message keeps for it (see style.css).
  const parts = [sender, time, toolsOf(event, context)];
  if (event.replyTo !== undefined) {
    item.dataset.replyTo = String(event.replyTo.id);
    parts.push(quoteOf(event.replyTo));
  }
  const text = document.createElement("p");
  text.className = "text";
  const mentionsMe = appendMessageText(text, event.msg, context.names, context.me);
  parts.push(text);
  if (event.edited !== undefined) {
    const edited = document.createElement("span");
    edited.className = "edited";
    edited.textContent = "(edited)";
    edited.title = `Edited ${dateTimeFormat.format(event.edited)}`;
    parts.push(edited);
  }
  const reactions = document.createElement("div");
  reactions.className = "reactions";
  fillReactions(reactions, event.reactions ?? {}, context.me, context.emoji);
  parts.push(reactions);
  item.replaceChildren(...parts);
  return mentionsMe;
}

/**
 * Shows a message that was deleted: a quiet line where it was, at the time it was sent.
 * @param {HTMLElement} item
 * @param {boolean | undefined} moderated whether the room's owner or a moderator deleted it
 * @param {number | undefined} at when the message was sent (a deletion stored before deletions
 *   carried it does not say)
 */
export function fillDeleted(item, moderated, at) {
  item.className = "notice-line deleted";
  delete item.dataset.replyTo;
  const text = document.createElement("span");
  text.textContent = moderated ? "Message removed by a moderator" : "Message deleted";
  item.replaceChildren(text);
  if (at !== undefined) item.append(timeOf(at));
}

/**
 * Replaces the quote a reply shows.
 * @param {HTMLElement} item the reply
 * @param {QuotedMessage} quote
 */
export function requote(item, quote) {
  item.querySelector(".quote")?.replaceWith(quoteOf(quote));
}

/**
 * The reactions under a message: one button per emoji used, pressed when the reader is among
 * those who reacted, naming them on hover and focus.
 * @param {HTMLElement} container
 * @param {Partial<Record<string, string[]>>} reactions
 * @param {string | undefined} me
 * @param {readonly string[]} order the room's emoji, in the order every page shows them
 */
function fillReactions(container, reactions, me, order) {
  const buttons = [];
  for (const emoji of order) {
    const users = reactions[emoji];
    if (!users || users.length === 0) continue;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "reaction";
    button.dataset.action = "toggle-reaction";
    button.dataset.emoji = emoji;
    const mine = me !== undefined && users.includes(me);
    button.setAttribute("aria-pressed", String(mine));
    const who = listOf(users);
    button.dataset.who = who;
    button.title = who;
    button.setAttribute("aria-label", `${emojiName(emoji)}, ${users.length}: ${who}`);
    button.textContent = `${emoji} ${users.length}`;
    buttons.push(button);
  }
  container.replaceChildren(...buttons);
}

/**
 * Shows a message's reactions anew, in its reactions and in its picker, keeping the reader's
 * focus on the reaction they pressed, which is built anew.
 * @param {HTMLElement} item
 * @param {Partial<Record<string, string[]>>} reactions
 * @param {string | undefined} me
 * @param {readonly string[]} order
 */
export function showReactions(item, reactions, me, order) {
  const container = item.querySelector(".reactions");
  if (!(container instanceof HTMLElement)) return;
  const focused = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
  const refocus = focused && container.contains(focused) ? focused.dataset.emoji : undefined;
  fillReactions(container, reactions, me, order);
  for (const button of item.querySelectorAll(".reaction-picker button")) {
    if (!(button instanceof HTMLElement)) continue;
    const users = reactions[button.dataset.emoji ?? ""] ?? [];
    button.setAttribute("aria-pressed", String(me !== undefined && users.includes(me)));
  }
  if (refocus === undefined) return;
  const again = container.querySelector(`button[data-emoji="${CSS.escape(refocus)}"]`);
  if (again instanceof HTMLElement) again.focus();
  else item.focus();
}

/** When something happened, as a `<time>`: the hour shown, the full date on hover. @param {number} at */
export function timeOf(at) {
  const time = document.createElement("time");
  const date = new Date(at);
  time.dateTime = date.toISOString();
  time.title = dateTimeFormat.format(date);
  time.textContent = timeFormat.format(date);
  return time;
}

/**
 * The quote at the top of a reply: a button that jumps to the original, or a line saying it is gone.
 * @param {QuotedMessage} quote
 */
export function quoteOf(quote) {
  if (quote.deleted || quote.expired || quote.msg === undefined) {
    const gone = document.createElement("p");
    gone.className = "quote gone";
    const why = quote.expired ? "older than the room keeps" : "deleted";
    gone.textContent = `Replying to ${quote.user}: original message ${why}`;
    return gone;
  }
  const button = document.createElement("button");
  button.type = "button";
  button.className = "quote";
  button.dataset.action = "jump";
  button.dataset.target = String(quote.id);
  button.title = "Show the original";
  const who = document.createElement("span");
  who.className = "quote-sender";
  who.append(hidden("Replying to "), quote.user, hidden(": "));
  const text = document.createElement("span");
  text.className = "quote-text";
  text.textContent = quote.msg;
  button.append(who, text);
  return button;
}

/**
 * What the reader can do with a message: react, reply, and, with their own, edit and delete.
 * @param {ChatEvent} event
 * @param {MessageContext} context
 */
function toolsOf(event, context) {
  const tools = document.createElement("div");
  tools.className = "message-tools";
  const whose = context.own ? "your message" : `${event.name}'s message`;
  const react = toolButton("open-reactions", "React", `React to ${whose}`);
  react.setAttribute("aria-expanded", "false");
  tools.append(
    react,
    toolButton("reply", "Reply", `Reply to ${whose}`),
    toolButton("copy-link", "Copy link", `Copy link to ${whose}`),
  );
  if (context.canEdit) tools.append(toolButton("edit", "Edit", "Edit your message"));
  if (context.own) tools.append(toolButton("delete", "Delete", "Delete your message"));
  else if (context.moderator) {
    tools.append(
      toolButton("moderate", "Delete", `Delete ${event.name}'s message`),
      toolButton("remove-person", "Remove", `Remove ${event.name} from the room`),
    );
  }

  const picker = document.createElement("div");
  picker.className = "reaction-picker";
  picker.hidden = true;
  const mine = new Set(
    Object.entries(event.reactions ?? {})
      .filter(([, users]) => context.me !== undefined && users?.includes(context.me))
      .map(([emoji]) => emoji),
  );
  for (const emoji of context.emoji) {
    const button = toolButton("toggle-reaction", emoji, `React with ${emojiName(emoji)}`);
    button.dataset.emoji = emoji;
    button.setAttribute("aria-pressed", String(mine.has(emoji)));
    picker.append(button);
  }
  tools.append(picker);
  return tools;
}

/** Words for assistive technology that the eye reads from the layout. @param {string} text */
function hidden(text) {
  const span = document.createElement("span");
  span.className = "visually-hidden";
  span.textContent = text;
  return span;
}

/**
 * @param {string} action
 * @param {string} text
 * @param {string} label
 */
function toolButton(action, text, label) {
  const button = document.createElement("button");
  button.type = "button";
  button.dataset.action = action;
  button.textContent = text;
  if (label !== text) button.setAttribute("aria-label", label);
  return button;
}

/** "Mina", "Mina and Leo", "Mina, Leo and Ada". @param {readonly string[]} names */
function listOf(names) {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}
