// @ts-check
/**
 * A message's text as DOM nodes: `http:` and `https:` URLs become links, everything else stays
 * text. Nothing in a message is ever parsed as markup.
 */

const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"]+/gi;
// Punctuation that ends a sentence rather than a URL: "see https://example.com."
const TRAILING = /[.,;:!?'"\]}>]+$/;

/**
 * @param {HTMLElement} parent
 * @param {string} text
 */
export function appendLinkified(parent, text) {
  let from = 0;
  for (const match of text.matchAll(URL_IN_TEXT)) {
    const url = trimUrl(match[0]);
    const href = checkedHref(url);
    if (href === undefined) continue;
    parent.append(text.slice(from, match.index));
    const link = document.createElement("a");
    link.href = href;
    link.textContent = url;
    link.target = "_blank";
    link.rel = "noopener noreferrer nofollow ugc";
    parent.append(link);
    from = match.index + url.length;
  }
  parent.append(text.slice(from));
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
