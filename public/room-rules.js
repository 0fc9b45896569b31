// @ts-check
/**
 * What the room's owner or a moderator set, shown to everyone: the topic under the room's name,
 * and, above the composer, slow mode and read-only. While the room is read-only the composer is
 * closed to everyone but its authority, who is told that the rules do not hold them.
 *
 * @typedef {{ topic: string, slowModeSeconds: number, readOnly: boolean }} RoomSettings
 */
export class RoomRules {
  /** @type {RoomSettings} */
  #settings = { topic: "", slowModeSeconds: 0, readOnly: false };

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

  render() {
    const { topic, rules, input, send } = this.elements;
    const { readOnly, slowModeSeconds } = this.#settings;
    topic.textContent = this.#settings.topic;
    topic.hidden = this.#settings.topic === "";
    const authority = this.isAuthority();
    const said = [];
    if (readOnly)
      said.push(
        authority
          ? "Read-only: only you and moderators post."
          : "This room is read-only: only its owner and moderators post.",
      );
    if (slowModeSeconds > 0) {
      said.push(
        `Slow mode: one message every ${slowModeSeconds} seconds${authority ? ", for everyone but you and moderators" : ""}.`,
      );
    }
    rules.textContent = said.join(" ");
    rules.hidden = said.length === 0;
    const closed = readOnly && !authority;
    input.disabled = closed;
    send.disabled = closed;
    input.placeholder = closed
      ? "Read-only: you cannot post here now"
      : "Message (Enter to send, Shift+Enter for a new line)";
  }
}
