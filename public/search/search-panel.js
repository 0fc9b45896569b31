// @ts-check
/**
 * Searching the room's messages: a field in the header (on a phone, behind a Search button),
 * reached from anywhere outside a text field with "/", and a panel of results in the
 * conversation's place, newest first, a page at a time. The keyboard walks the results (the arrow
 * keys, Home, End, Tab), Enter opens one, and Escape goes back to where the reader was. How many
 * were found, that none were, or why the search was refused is said in the panel's polite status.
 *
 * Opening a result goes to its message link, `#message=ID`, which the conversation follows.
 */

import { ApiError } from "../connection/chat-api.js";
import { foundMessage, resultItem } from "./search-result.js";

/**
 * @typedef {import("../connection/chat-api.js").SearchPage} SearchPage
 * @typedef {{
 *   box: HTMLElement, toggle: HTMLButtonElement, form: HTMLFormElement, input: HTMLInputElement,
 *   panel: HTMLElement, status: HTMLElement, results: HTMLOListElement, more: HTMLButtonElement,
 *   close: HTMLButtonElement,
 * }} SearchParts the search field's box (which a phone opens with its toggle) and the results' panel
 */

/** The key that opens the search from anywhere a letter typed is not text. */
export const SEARCH_SHORTCUT = "/";

export class SearchPanel {
  /** The words of the search shown, as sent. */
  #query = "";
  /** Counts searches, so that an answer to one the reader has moved on from is dropped. */
  #generation = 0;
  /** Where the focus was before it came to the search, to go back to. @type {HTMLElement | undefined} */
  #cameFrom;
  /** Whether the next page is on its way: one at a time. */
  #loadingMore = false;

  /**
   * @param {SearchParts} parts
   * @param {(q: string, before?: number) => Promise<SearchPage>} search
   * @param {() => HTMLElement | undefined} home where the focus goes back to when it came from nowhere
   */
  constructor(parts, search, home) {
    this.parts = parts;
    this.search = search;
    this.home = home;
    const { box, toggle, form, input, panel, more, close } = parts;

    toggle.addEventListener("click", () => (this.fieldOpen ? this.back() : this.openField()));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.run(input.value);
    });
    more.addEventListener("click", () => void this.more());
    close.addEventListener("click", () => this.back());
    for (const part of [box, panel]) {
      part.addEventListener("focusin", (event) => this.#arrived(event));
      part.addEventListener("keydown", (event) => this.#key(event));
    }
    panel.addEventListener("click", (event) => {
      const link = event.target instanceof Element ? event.target.closest("a.search-result") : null;
      // A link opened in a new tab or window is the browser's to open.
      if (!(link instanceof HTMLAnchorElement) || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      this.openResult(Number(link.dataset.id));
    });
    document.addEventListener("keydown", (event) => {
      if (event.key !== SEARCH_SHORTCUT || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
      // A menu that took the key (its items found by their first letter) keeps it.
      if (event.defaultPrevented || takesText(event.target) || document.querySelector("dialog[open]")) return;
      event.preventDefault();
      this.openField();
    });
    const touch = matchMedia("(pointer: coarse)");
    const keyboardHint = input.placeholder;
    // A shortcut is worth showing only where there is a keyboard to press it on.
    const hint = () => {
      input.placeholder = touch.matches ? "Search messages" : keyboardHint;
    };
    hint();
    touch.addEventListener("change", hint);
  }

  /** Whether the field is open on a phone (elsewhere it is always in view). */
  get fieldOpen() {
    return this.parts.box.classList.contains("open");
  }

  /** Shows the field (on a phone, on a row of its own under the bar's) and puts the focus in it. */
  openField() {
    const { box, toggle, input } = this.parts;
    box.classList.add("open");
    toggle.setAttribute("aria-expanded", "true");
    input.focus();
    input.select();
  }

  /**
   * Searches for `text`, showing the first page of results in the panel.
   * @param {string} text
   */
  async run(text) {
    const query = text.trim();
    if (!query) return;
    this.#query = query;
    const generation = ++this.#generation;
    const { panel, results, more } = this.parts;
    results.replaceChildren();
    more.hidden = true;
    panel.hidden = false;
    this.#tell("Searching…");
    const page = await this.#ask(generation, undefined);
    if (!page) return;
    const shown = this.#show(page);
    this.#tell(
      shown === 0
        ? `No messages match “${query}”.`
        : `${count(shown, "message")} ${shown === 1 ? "matches" : "match"}, newest first.${page.more ? " More results below." : ""}`,
    );
  }

  /** Shows the next page of results, older than those shown, and moves the focus to its first. */
  async more() {
    const { results, more } = this.parts;
    const last = results.lastElementChild?.querySelector("a.search-result");
    const before = Number(last instanceof HTMLElement ? last.dataset.id : Number.NaN);
    if (!Number.isSafeInteger(before) || this.#loadingMore) return;
    const generation = this.#generation;
    // Not disabled meanwhile: the button would lose the focus.
    this.#loadingMore = true;
    this.#tell("Searching…");
    const page = await this.#ask(generation, before);
    this.#loadingMore = false;
    if (!page) return;
    const firstNew = results.childElementCount;
    const shown = this.#show(page);
    this.#tell(
      `${shown === 0 ? "No more messages match." : `${count(shown, "more message")} found.`} ${count(results.childElementCount, "result")} shown${page.more ? "; more below." : ", all there are."}`,
    );
    const next = results.children[firstNew]?.querySelector("a");
    if (next) next.focus();
    else if (document.activeElement === more) this.#links().at(-1)?.focus();
  }

  /**
   * Opens a result: the panel closes and the page goes to the message's link. Going to the link
   * the page is at already is no change of address, so the conversation is told as if it were.
   * @param {number} id
   */
  openResult(id) {
    if (!Number.isSafeInteger(id)) return;
    this.#hide();
    const fragment = new URLSearchParams(location.hash.slice(1));
    fragment.set("message", String(id));
    const hash = `#${fragment}`;
    if (location.hash === hash) dispatchEvent(new HashChangeEvent("hashchange"));
    else location.hash = hash;
  }

  /** Closes the panel (and, on a phone, the field) and gives the focus back to where it was. */
  back() {
    const cameFrom = this.#cameFrom;
    this.#hide();
    const target = cameFrom?.isConnected && cameFrom.checkVisibility() ? cameFrom : this.home();
    target?.focus();
  }

  #hide() {
    const { box, toggle, panel } = this.parts;
    // An answer still on its way is not shown.
    this.#generation += 1;
    this.#cameFrom = undefined;
    panel.hidden = true;
    this.parts.results.removeAttribute("aria-busy");
    box.classList.remove("open");
    toggle.setAttribute("aria-expanded", "false");
  }

  /**
   * One page of results, or `undefined` when the search was refused (said in the status) or
   * the reader has moved on meanwhile.
   * @param {number} generation
   * @param {number | undefined} before
   */
  async #ask(generation, before) {
    // The list, not the panel, is busy: the status beside it is said meanwhile.
    const { results } = this.parts;
    results.setAttribute("aria-busy", "true");
    try {
      const page = await this.search(this.#query, before);
      return generation === this.#generation ? page : undefined;
    } catch (error) {
      if (generation === this.#generation) this.#tell(refusal(error), true);
      return undefined;
    } finally {
      if (generation === this.#generation) results.removeAttribute("aria-busy");
    }
  }

  /**
   * Adds a page's results to the list; returns how many it held.
   * @param {SearchPage} page
   */
  #show(page) {
    const { results, more } = this.parts;
    const found = (Array.isArray(page.results) ? page.results : [])
      .map(foundMessage)
      .filter((one) => one !== undefined);
    results.append(...found.map(resultItem));
    more.hidden = !page.more || found.length === 0;
    return found.length;
  }

  /**
   * @param {string} text
   * @param {boolean} [trouble]
   */
  #tell(text, trouble = false) {
    const { status } = this.parts;
    status.textContent = text;
    status.classList.toggle("trouble", trouble);
  }

  /** @returns {HTMLElement[]} the results' links, then More results when it shows */
  #walkable() {
    const { more } = this.parts;
    return more.hidden ? this.#links() : [...this.#links(), more];
  }

  /** @returns {HTMLElement[]} */
  #links() {
    return [...this.parts.results.querySelectorAll("a.search-result")].filter((link) => link instanceof HTMLElement);
  }

  /**
   * Remembers where the focus came from, when it comes from outside the search.
   * @param {FocusEvent} event
   */
  #arrived(event) {
    const from = event.relatedTarget;
    const { box, panel } = this.parts;
    if (!(from instanceof HTMLElement) || box.contains(from) || panel.contains(from)) return;
    this.#cameFrom = from;
  }

  /** @param {KeyboardEvent} event */
  #key(event) {
    if (event.isComposing) return;
    if (event.key === "Escape") {
      // Not the browser's clearing of a search field: the words stay for the next time.
      event.preventDefault();
      this.back();
      return;
    }
    const { input, panel } = this.parts;
    if (panel.hidden) return;
    const items = this.#walkable();
    const at = items.indexOf(/** @type {HTMLElement} */ (document.activeElement));
    const inField = document.activeElement === input;
    /** @type {HTMLElement | undefined} */
    let next;
    if (event.key === "ArrowDown") next = inField ? items[0] : items[at + 1];
    else if (event.key === "ArrowUp" && at >= 0) next = at === 0 ? input : items[at - 1];
    else if (event.key === "Home" && at >= 0) next = items[0];
    else if (event.key === "End" && at >= 0) next = items.at(-1);
    if (!next) return;
    event.preventDefault();
    next.focus();
  }
}

/**
 * What a refused search tells the reader: the server's reason, and when to try again if it said.
 * @param {unknown} error
 */
function refusal(error) {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  if (error.status === 429 && error.retryAfter !== undefined) {
    return `${error.message} Try again in ${count(error.retryAfter, "second")}.`;
  }
  return error.message;
}

/**
 * Whether a key pressed on `target` is typing: a text field, a text area or editable content.
 * @param {EventTarget | null} target
 */
function takesText(target) {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement)
    return true;
  return (
    target instanceof HTMLInputElement && !["button", "checkbox", "radio", "submit", "reset"].includes(target.type)
  );
}

/**
 * @param {number} n
 * @param {string} what
 */
function count(n, what) {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
}
