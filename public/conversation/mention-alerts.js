// @ts-check
/**
 * System notifications when the reader is mentioned while the tab is hidden. Nothing is asked of
 * the browser until the reader presses the button; the choice is remembered on this device.
 */

const ENABLED_KEY = "chat.mention-alerts";

export class MentionAlerts {
  /** The notification on screen, if any, and the message it shows. @type {{ id: number, notification: Notification } | undefined} */
  #shown;
  /** @param {HTMLButtonElement} button */
  constructor(button) {
    this.button = button;
    button.addEventListener("click", () => void this.#toggle());
    this.#render();
  }

  get #supported() {
    return "Notification" in window;
  }

  get #on() {
    return this.#supported && Notification.permission === "granted" && localStorage.getItem(ENABLED_KEY) === "on";
  }

  /**
   * Shows a notification for a message that mentions the reader, if they asked for them.
   * @param {number} id the message's id, by which it is withdrawn if the message is deleted
   * @param {string} sender
   * @param {string} text
   * @param {string} room
   */
  notify(id, sender, text, room) {
    if (!this.#on) return;
    try {
      const notification = new Notification(`${sender} mentioned you in #${room}`, {
        body: text,
        tag: `chat-mention-${room}`,
      });
      // One at a time is shown per room (the tag), so only the latest is kept.
      this.#shown = { id, notification };
    } catch (error) {
      // Some browsers (Chrome on Android) show notifications only from a service worker.
      console.warn("Could not show a notification:", error);
    }
  }

  /**
   * Takes back the notification of a message that was deleted, so its text is not left on screen.
   * @param {number} id
   */
  withdraw(id) {
    if (this.#shown?.id !== id) return;
    this.#shown.notification.close();
    this.#shown = undefined;
  }

  async #toggle() {
    if (this.#on) {
      localStorage.setItem(ENABLED_KEY, "off");
    } else {
      const permission = await Notification.requestPermission();
      localStorage.setItem(ENABLED_KEY, permission === "granted" ? "on" : "off");
    }
    this.#render();
  }

  #render() {
    // Without support, or once the browser was told never, the button would do nothing.
    this.button.hidden = !this.#supported || Notification.permission === "denied";
    // The label stays; its state is the button's pressed state, shown and spoken once.
    this.button.setAttribute("aria-pressed", String(this.#on));
  }
}
