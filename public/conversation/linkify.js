// @ts-check
/**
 * Where a message's text holds web addresses. Only `http:` and `https:` URLs that parse are
 * links; nothing else in a message is ever taken for markup.
 */

const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"]+/gi;
// Punctuation that ends a sentence rather than a URL: "see https://example.com."
const TRAILING = /[.,;:!?'"\]}>]+$/;

/**
 * The text cut into plain parts and links, in order.
 * @param {string} text
 * @returns {{ text: string, href?: string }[]}
 */
export function linkParts(text) {
  /** @type {{ text: string, href?: string }[]} */
  const parts = [];
  let from = 0;
  for (const match of text.matchAll(URL_IN_TEXT)) {
    const url = trimUrl(match[0]);
    const href = checkedHref(url);
    if (href === undefined) continue;
    if (match.index > from) parts.push({ text: text.slice(from, match.index) });
    parts.push({ text: url, href });
    from = match.index + url.length;
  }
  if (from < text.length) parts.push({ text: text.slice(from) });
  return parts;
}

/**
 * Drops punctuation that follows a URL in a sentence, and a closing parenthesis that has no
 * opening one inside the URL: "(see https://example.com/a)".
 * @param {string} url
 */
function trimUrl(url) {
  let trimmed = url.replace(TRAILING, "");
  while (trimmed.endsWith(")") && count(trimmed, "(") < count(trimmed, ")")) {
    trimmed = trimmed.slice(0, -1).replace(TRAILING, "");
  }
  return trimmed;
}

/**
 * @param {string} text
 * @param {string} char
 */
function count(text, char) {
  return text.split(char).length - 1;
}

/**
 * The URL to link to, only if it parses and is http or https.
 * @param {string} url
 */
function checkedHref(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}
