// @ts-check
import { linkParts } from "./linkify.js";

/**
 * A message's text as DOM nodes: web addresses as links (see linkify.js), and `@name` of
 * someone in the room as a mention, marked apart when it names the reader. Everything else is
 * set as text.
 */

// After a mentioned name comes anything but a letter, a digit or a joining mark.
const NAME_GOES_ON = /[\p{L}\p{N}\p{M}_]/u;

/**
 * @param {HTMLElement} parent
 * @param {string} text
 * @param {readonly string[]} names who can be mentioned: the people in the room
 * @param {string | undefined} me the reader's own name
 * @returns {boolean} whether the text mentions the reader
 */
export function appendMessageText(parent, text, names, me) {
  // Longest first, so "@Ann Lee" is not taken for "@Ann".
  const candidates = [...names].sort((a, b) => b.length - a.length);
  const mine = me?.toLowerCase();
  let mentionsMe = false;
  for (const part of linkParts(text)) {
    if (part.href !== undefined) {
      const link = document.createElement("a");
      link.href = part.href;
      link.textContent = part.text;
      link.target = "_blank";
      link.rel = "noopener noreferrer nofollow ugc";
      parent.append(link);
      continue;
    }
    let from = 0;
    for (const { at, length, name } of mentions(part.text, candidates)) {
      parent.append(part.text.slice(from, at));
      const isMe = name.toLowerCase() === mine;
      // The reader's own name is marked, which assistive technology announces too.
      const mention = document.createElement(isMe ? "mark" : "span");
      mention.className = isMe ? "mention mention-me" : "mention";
      mention.textContent = part.text.slice(at, at + length);
      parent.append(mention);
      mentionsMe ||= isMe;
      from = at + length;
    }
    parent.append(part.text.slice(from));
  }
  return mentionsMe;
}

/**
 * Whether `text` mentions the reader, for a message that is not shown.
 * @param {string} text
 * @param {readonly string[]} names
 * @param {string | undefined} me
 */
export function mentionsReader(text, names, me) {
  if (me === undefined || !text.includes("@")) return false;
  const mine = me.toLowerCase();
  const candidates = [...names].sort((a, b) => b.length - a.length);
  for (const { name } of mentions(text, candidates)) if (name.toLowerCase() === mine) return true;
  return false;
}

/**
 * Each `@name` in `text` that names one of `candidates` (longest first), compared without
 * regard to case.
 * @param {string} text
 * @param {string[]} candidates
 */
function* mentions(text, candidates) {
  for (let at = text.indexOf("@"); at !== -1; at = text.indexOf("@", at + 1)) {
    if (at > 0 && NAME_GOES_ON.test(text[at - 1] ?? "")) continue;
    const name = candidates.find((candidate) => {
      const end = at + 1 + candidate.length;
      return text.slice(at + 1, end).toLowerCase() === candidate.toLowerCase() && !NAME_GOES_ON.test(text[end] ?? "");
    });
    if (name === undefined) continue;
    yield { at, length: name.length + 1, name };
    at += name.length;
  }
}
