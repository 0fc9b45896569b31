// @ts-check
/**
 * What the composer is writing: a new message, a reply to one, or a new text for one of the
 * reader's own. A reply or an edit is shown above the composer with a way to cancel it (or
 * Escape); cancelling an edit gives back what was being typed before it.
 *
 * @typedef {import("../connection/event-feed.js").ChatEvent} ChatEvent
 * @typedef {(
 *   | { kind: "reply", id: number, quote: import("../connection/event-feed.js").QuotedMessage }
 *   | { kind: "edit", id: number }
 * )} ComposerMode `quote` is the message answered, as the reply shows it until the room has it
 */
export class ComposerContext {
  /** @type {ComposerMode | undefined} */
  #mode;
  /** What was typed before an edit began. */
  #draft = "";

  /**
   * @param {HTMLElement} banner
   * @param {HTMLTextAreaElement} input
   */
  constructor(banner, input) {
    this.banner = banner;
    this.input = input;
    input.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.#mode) {
        event.preventDefault();
        this.cancel();
      }
    });
  }

  /** @returns {ComposerMode | undefined} */
  get mode() {
    return this.#mode;
  }

  /**
   * @param {number} id
   * @param {ChatEvent} message
   */
  reply(id, message) {
    this.#leaveEdit();
    this.#mode = { kind: "reply", id, quote: { id, user: message.name, msg: message.msg } };
    this.#show(`Replying to ${message.name}`, message.msg);
  }

  /**
   * @param {number} id
   * @param {ChatEvent} message
   */
  edit(id, message) {
    if (this.#mode?.kind !== "edit") this.#draft = this.input.value;
    this.#mode = { kind: "edit", id };
    this.input.value = message.msg;
    this.#show("Editing your message", undefined);
  }

  /** Back to writing a new message, with what was being typed before an edit. */
  cancel() {
    this.#leaveEdit();
    this.done();
    this.input.focus();
  }

  /** The reply or edit was sent: back to writing a new message. */
  done() {
    this.#mode = undefined;
    this.banner.hidden = true;
    this.banner.replaceChildren();
    this.input.removeAttribute("aria-describedby");
  }

  #leaveEdit() {
    if (this.#mode?.kind !== "edit") return;
    this.input.value = this.#draft;
    this.#draft = "";
    this.input.dispatchEvent(new Event("input"));
  }

  /**
   * @param {string} title
   * @param {string | undefined} quote
   */
  #show(title, quote) {
    const heading = document.createElement("span");
    heading.className = "context-title";
    heading.textContent = title;
    const parts = [heading];
    if (quote !== undefined) {
      const text = document.createElement("span");
      text.className = "quote-text";
      text.textContent = quote;
      parts.push(text);
    }
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.textContent = "Cancel";
    cancel.setAttribute("aria-label", this.#mode?.kind === "edit" ? "Cancel editing" : "Cancel reply");
    cancel.addEventListener("click", () => this.cancel());
    parts.push(cancel);
    this.banner.replaceChildren(...parts);
    this.banner.hidden = false;
    // Said with the composer, so that whoever hears the page knows what the text will do.
    this.input.setAttribute("aria-describedby", this.banner.id);
    this.input.focus();
  }
}
