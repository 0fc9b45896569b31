// @ts-check
/**
 * Server-Sent Events parsing as the HTML standard's EventSource does it, for a stream read with
 * `fetch` (which, unlike EventSource, can send headers and sees the response's status).
 *
 * @typedef {{ type: string, data: string, id: string | undefined, lastEventId: string }} SseEvent
 *   `id` is the block's own `id:` field, if it had one; `lastEventId` the one in force, as
 *   EventSource reports it.
 */

export class SseParser {
  #pending = "";
  /** @type {string[]} */
  #data = [];
  #type = "";
  /** @type {string | undefined} */
  #id;
  #lastEventId = "";
  #afterCr = false;
  #onEvent;
  #onRetry;

  /**
   * @param {(event: SseEvent) => void} onEvent
   * @param {(ms: number) => void} onRetry a `retry:` field: the reconnection time the server asks for
   */
  constructor(onEvent, onRetry) {
    this.#onEvent = onEvent;
    this.#onRetry = onRetry;
  }

  /** @param {string} text the next piece of the stream, decoded */
  feed(text) {
    if (text === "") return;
    // A CR that ended the last piece was a line's end; an LF starting this one completes it.
    if (this.#afterCr && text.startsWith("\n")) text = text.slice(1);
    this.#afterCr = false;
    this.#pending += text;
    const ends = /\r\n|\r|\n/g;
    let start = 0;
    for (let end = ends.exec(this.#pending); end !== null; end = ends.exec(this.#pending)) {
      this.#line(this.#pending.slice(start, end.index));
      start = end.index + end[0].length;
      if (end[0] === "\r" && start === this.#pending.length) this.#afterCr = true;
    }
    this.#pending = this.#pending.slice(start);
  }

  /** @param {string} line */
  #line(line) {
    if (line === "") {
      this.#dispatch();
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.#type = value;
    else if (field === "data") this.#data.push(value);
    else if (field === "id" && !value.includes("\0")) {
      this.#id = value;
      this.#lastEventId = value;
    } else if (field === "retry" && /^\d+$/.test(value)) this.#onRetry(Number(value));
  }

  #dispatch() {
    const { length } = this.#data;
    const event = { type: this.#type || "message", data: this.#data.join("\n"), id: this.#id };
    this.#data = [];
    this.#type = "";
    this.#id = undefined;
    if (length > 0) this.#onEvent({ ...event, lastEventId: this.#lastEventId });
  }
}
