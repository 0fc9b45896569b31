// @ts-check
/**
 * The room's history, brought into the conversation's window as the reader moves: earlier
 * messages as they scroll to the top (or press Home or Page Up on the first message, or the
 * "Load earlier messages" line), later ones as they scroll back down to where the window ends,
 * the newest at "Jump to newest", and the messages around one that a link points to. What was
 * loaded is said to assistive technology in a polite status of its own.
 */

import { ApiError } from "../connection/chat-api.js";

/**
 * @typedef {import("./message-list.js").MessageList} MessageList
 * @typedef {import("./message-list.js").Entry} Entry
 * @typedef {import("../connection/chat-api.js").ChatApi} ChatApi
 * @typedef {import("../connection/chat-api.js").HistoryPage} HistoryPage
 */

/** What the history endpoint's refusals of a message link mean to the reader. */
const GONE = new Map([
  ["message_deleted", "The linked message was deleted."],
  ["message_expired", "The linked message is older than the history this room keeps."],
  ["history_expired", "The linked message is older than the history this room keeps."],
  ["no_such_message", "There is no such message in this room."],
]);

/** An id past every room's newest, for the page that ends with the newest: the largest the room reads. */
const BEYOND_ANY_ID = 10 ** 15 - 1;

export class ConversationHistory {
  /** Whether a page is on its way: one at a time. */
  #loading = false;
  /** What lies above the window, once a page has said. @type {"earlier" | "start" | "trimmed" | undefined} */
  #top;
  /** Said to assistive technology. */
  #status = document.createElement("p");

  /**
   * @param {MessageList} list
   * @param {ChatApi} api
   * @param {{ token: () => string | undefined, say: (text: string) => void }} page the session
   *   to ask with, and where trouble is said
   */
  constructor(list, api, page) {
    this.list = list;
    this.api = api;
    this.page = page;
    this.#status.className = "visually-hidden";
    this.#status.setAttribute("role", "status");
    (list.list.closest("main") ?? document.body).append(this.#status);
    list.moves = {
      earlier: () => void this.earlier(),
      later: () => void this.later(),
      newest: () => void this.newest(),
      missing: (id) => void this.around(id),
    };
  }

  /** Loads the messages before the first one shown. */
  async earlier() {
    const span = this.list.span;
    if (!span || this.#top === "start" || this.#top === "trimmed") return;
    const page = await this.#load({ before: span.oldest });
    if (!page) return;
    const added = this.list.prepend(entriesOf(page.events));
    this.#edge(page);
    const top =
      this.#top === "earlier"
        ? ""
        : ` ${this.#top === "start" ? "This is the start of the room." : "Earlier messages are no longer kept."}`;
    this.#say(`${added === 0 ? "No earlier messages." : `Loaded ${count(added, "earlier message")}.`}${top}`);
  }

  /** Loads the messages after the last one shown, until the window reaches the newest. */
  async later() {
    const span = this.list.span;
    if (!span || this.list.live) return;
    const page = await this.#load({ after: span.newest });
    if (page) this.list.append(entriesOf(page.events), page.later);
  }

  /** Shows the newest messages in place of what is shown. */
  async newest() {
    const page = await this.#load({ before: BEYOND_ANY_ID });
    if (!page) return;
    this.list.replace(entriesOf(page.events), page.later, page.latestId);
    this.#edge(page);
    this.list.scrollToEnd();
  }

  /**
   * Shows the messages around message `id` and marks it; says so if it is gone.
   * @param {number} id
   * @returns {Promise<boolean>} whether it is shown
   */
  async around(id) {
    const page = await this.#load({ around: id }, true);
    if (!page) return false;
    this.list.replace(entriesOf(page.events), page.later, page.latestId);
    this.#edge(page);
    return this.list.jump(id, true);
  }

  /**
   * Shows the messages from the first after `id` on, under a line saying they are new.
   * @param {number} id the last message the reader had read
   * @returns {Promise<boolean>} whether there were any
   */
  async after(id) {
    const page = await this.#load({ after: id });
    if (!page?.events.some((frame) => frame.event === undefined && JSON.parse(frame.data).kind === "message")) {
      return false;
    }
    const earlier = await this.#load({ before: id + 1 }, false, 10);
    const entries = [...entriesOf(earlier?.events ?? []), ...entriesOf(page.events)];
    this.list.replace(entries, page.later, page.latestId);
    this.#top = earlier?.earlier ? "earlier" : earlier?.trimmed ? "trimmed" : "start";
    this.list.showEdge(this.#top);
    return this.list.markNewSince(id);
  }

  /** @param {HistoryPage} page */
  #edge(page) {
    this.#top = page.earlier ? "earlier" : page.trimmed ? "trimmed" : "start";
    this.list.showEdge(this.#top);
  }

  /**
   * @param {{ before: number } | { after: number } | { around: number }} anchor
   * @param {boolean} [link] whether a refusal is about a message a link points to
   * @param {number} [limit]
   * @returns {Promise<HistoryPage | undefined>}
   */
  async #load(anchor, link = false, limit = 50) {
    if (this.#loading) return undefined;
    this.#loading = true;
    try {
      return await this.api.history(anchor, this.page.token(), limit);
    } catch (error) {
      const gone = error instanceof ApiError ? GONE.get(error.code) : undefined;
      if (error instanceof ApiError && error.code === "history_expired" && !link) {
        this.#top = "trimmed";
        this.list.showEdge("trimmed");
      } else {
        this.page.say(link && gone ? gone : error instanceof Error ? error.message : String(error));
      }
      return undefined;
    } finally {
      this.#loading = false;
    }
  }

  /** @param {string} text */
  #say(text) {
    // Set anew even when the same, so that it is said again.
    this.#status.textContent = "";
    requestAnimationFrame(() => {
      this.#status.textContent = text;
    });
  }
}

/**
 * The items a page of history shows, read as the stream's events are: messages, joins and
 * leaves, deleted messages, and a moderator's removals and lettings back (the leave the room
 * announces right after a removal is said by the removal already).
 * @param {HistoryPage["events"]} frames
 * @returns {Entry[]}
 */
export function entriesOf(frames) {
  /** @type {Entry[]} */
  const entries = [];
  /** @type {string | undefined} */
  let removed;
  for (const { id, event, data } of frames) {
    const justRemoved = removed;
    removed = undefined;
    const parsed = JSON.parse(data);
    if (event === undefined || event === "message") {
      if (parsed.kind === "leave" && parsed.user === justRemoved) continue;
      entries.push({ id, kind: "event", event: parsed });
    } else if (event === "delete") {
      entries.push({ id, kind: "deleted", change: parsed });
    } else if (event === "removed") {
      removed = parsed.user;
      entries.push({ id, kind: "notice", text: `${parsed.user} was removed by a moderator` });
    } else if (event === "lifted") {
      entries.push({ id, kind: "notice", text: `A moderator let ${parsed.user} back in` });
    }
  }
  return entries;
}

/**
 * @param {number} n
 * @param {string} noun
 */
function count(n, noun) {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
