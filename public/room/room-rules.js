// @ts-check
/**
 * What the room's owner or a moderator set, shown to everyone: the topic under the room's name,
 * and, above the composer, slow mode and read-only. While the room is read-only the composer is
 * closed to everyone but its authority, who is told that the rules do not hold them.
 *
 * @typedef {import("../connection/event-feed.js").RoomSettings} RoomSettings
 */
export class RoomRules {
  /** @type {RoomSettings} */
  #settings = { topic: "", slowModeSeconds: 0, readOnly: false };
  /** Until when a moderator has removed this page's participant, if they have. @type {number | undefined} */
  #removedUntil;
  /** The message box's hint while it is open (composer/message-box.js fits it to the device), kept while it is closed. */
  #openHint = "";

  /**
   * @param {{ topic: HTMLElement, rules: HTMLElement, input: HTMLTextAreaElement, send: HTMLButtonElement }} elements
   * @param {() => boolean} isAuthority whether this page holds the room's key
   */
  constructor(elements, isAuthority) {
    this.elements = elements;
    this.isAuthority = isAuthority;
  }

  /** @returns {Readonly<RoomSettings>} */
  get settings() {
    return this.#settings;
  }

  /** @param {RoomSettings} settings */
  show(settings) {
    this.#settings = {
      topic: settings.topic,
      slowModeSeconds: settings.slowModeSeconds,
      readOnly: settings.readOnly,
    };
    this.render();
  }

  /**
   * A moderator removed this page's participant: the composer is closed, saying until when
   * (a time already past, when they are let back early).
   * @param {number} until
   */
  removed(until) {
    this.#removedUntil = until;
    this.render();
    // Once the time is up the composer opens again (a join is needed first, as for anyone).
    setTimeout(() => this.render(), Math.min(until - Date.now() + 1000, 2 ** 31 - 1));
  }

  render() {
    const { topic, rules, input, send } = this.elements;
    const { readOnly, slowModeSeconds } = this.#settings;
    topic.textContent = this.#settings.topic;
    topic.hidden = this.#settings.topic === "";
    const authority = this.isAuthority();
    const removedUntil = this.#removedUntil ?? 0;
    const removed = removedUntil > Date.now();
    const said = [];
    if (removed) {
      const back = new Date(removedUntil).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
      said.push(`A moderator removed you from this room; you may come back after ${back}.`);
    }
    if (readOnly) {
      said.push(
        authority
          ? "Read-only: only you and moderators post."
          : "This room is read-only: only its owner and moderators post.",
      );
    }
    if (slowModeSeconds > 0) {
      const exempt = authority ? ", for everyone but you and moderators" : "";
      said.push(`Slow mode: one message every ${slowModeSeconds} seconds${exempt}.`);
    }
    rules.textContent = said.join(" ");
    rules.hidden = said.length === 0;
    const closed = removed || (readOnly && !authority);
    if (closed && !input.disabled) this.#openHint = input.placeholder;
    if (closed) input.placeholder = removed ? "Removed by a moderator" : "Read-only: you cannot post here now";
    else if (input.disabled) input.placeholder = this.#openHint;
    input.disabled = closed;
    send.disabled = closed;
  }
}
