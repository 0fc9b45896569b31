// @ts-check
/**
 * One message a search found, as a link to it in the conversation: who sent it, when, and its
 * text with the words the search matched marked. A long text is cut to the part around the first
 * match. Everything the server sent reaches the page as text nodes, never as markup.
 */

/** The longest stretch of a message's text shown, in UTF-16 units. */
const EXCERPT_UNITS = 280;
/** How much of the text before the first match a cut-down excerpt keeps. */
const BEFORE_MATCH_UNITS = 80;

// A result may be from any day: the date is always shown.
const whenFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/**
 * @typedef {{ id: number, name: string, at: number, msg: string, edited: boolean, marks: [number, number][] }} FoundMessage
 */

/**
 * Reads one result of the search endpoint; `undefined` for anything that is not a message.
 * @param {{ id: number, data: string, marks: [number, number][] }} result
 * @returns {FoundMessage | undefined}
 */
export function foundMessage(result) {
  /** @type {unknown} */
  let data;
  try {
    data = JSON.parse(result.data);
  } catch {
    return undefined;
  }
  if (typeof data !== "object" || data === null) return undefined;
  const { kind, name, at, msg, edited } = /** @type {Record<string, unknown>} */ (data);
  if (kind !== "message" || typeof name !== "string" || typeof msg !== "string" || typeof at !== "number") {
    return undefined;
  }
  if (!Number.isSafeInteger(result.id) || result.id < 1) return undefined;
  return { id: result.id, name, at, msg, edited: edited !== undefined, marks: orderedMarks(result.marks, msg.length) };
}

/**
 * The marks that lie inside the text, in order and apart; any other is left out.
 * @param {unknown} marks
 * @param {number} length
 * @returns {[number, number][]}
 */
function orderedMarks(marks, length) {
  if (!Array.isArray(marks)) return [];
  /** @type {[number, number][]} */
  const kept = [];
  let end = 0;
  for (const mark of marks) {
    if (!Array.isArray(mark)) continue;
    const [from, to] = mark;
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to)) continue;
    if (from < end || to <= from || to > length) continue;
    kept.push([from, to]);
    end = to;
  }
  return kept;
}

/**
 * The list item for one result: a link to the message, `#message=ID`, as message links are.
 * @param {FoundMessage} found
 * @returns {HTMLLIElement}
 */
export function resultItem(found) {
  const item = document.createElement("li");
  const link = document.createElement("a");
  link.className = "search-result";
  link.href = `#message=${found.id}`;
  link.dataset.id = String(found.id);

  const who = document.createElement("span");
  who.className = "result-sender";
  who.textContent = found.name;
  const when = document.createElement("time");
  const date = new Date(found.at);
  when.dateTime = date.toISOString();
  when.textContent = whenFormat.format(date);
  const head = document.createElement("span");
  head.className = "result-head";
  head.append(who, " ", when);
  if (found.edited) {
    const edited = document.createElement("span");
    edited.className = "result-edited";
    edited.textContent = "(edited)";
    head.append(" ", edited);
  }

  const text = document.createElement("span");
  text.className = "result-text";
  text.append(...markedText(found.msg, found.marks));
  link.append(head, text);
  item.append(link);
  return item;
}

/**
 * The text, cut around its first match when long, as text nodes and `<mark>`s.
 * @param {string} msg
 * @param {[number, number][]} marks in order, apart, inside the text
 * @returns {(Text | HTMLElement)[]}
 */
export function markedText(msg, marks) {
  const [start, end] = excerpt(msg, marks[0]?.[0] ?? 0);
  /** @type {(Text | HTMLElement)[]} */
  const parts = [];
  if (start > 0) parts.push(document.createTextNode("…"));
  let at = start;
  for (const [from, to] of marks) {
    const markFrom = Math.max(from, start);
    const markTo = Math.min(to, end);
    if (markTo <= markFrom) continue;
    if (markFrom > at) parts.push(document.createTextNode(msg.slice(at, markFrom)));
    const mark = document.createElement("mark");
    mark.textContent = msg.slice(markFrom, markTo);
    parts.push(mark);
    at = markTo;
  }
  if (end > at) parts.push(document.createTextNode(msg.slice(at, end)));
  if (end < msg.length) parts.push(document.createTextNode("…"));
  return parts;
}

/**
 * The part of a long text shown, as UTF-16 [start, end): the whole of a short one; of a long
 * one, a stretch that starts a little before the first match, never inside a character.
 * @param {string} msg
 * @param {number} firstMatch
 * @returns {[number, number]}
 */
function excerpt(msg, firstMatch) {
  if (msg.length <= EXCERPT_UNITS) return [0, msg.length];
  let start = Math.max(0, Math.min(firstMatch - BEFORE_MATCH_UNITS, msg.length - EXCERPT_UNITS));
  if (isTrailSurrogate(msg.charCodeAt(start))) start += 1;
  let end = Math.min(msg.length, start + EXCERPT_UNITS);
  if (end < msg.length && isTrailSurrogate(msg.charCodeAt(end))) end -= 1;
  return [start, end];
}

/** @param {number} unit */
function isTrailSurrogate(unit) {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
