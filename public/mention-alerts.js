// @ts-check
/**
 * System notifications when the reader is mentioned while the tab is hidden. Nothing is asked of
 * the browser until the reader presses the button; the choice is remembered on this device.
 */

const ENABLED_KEY = "chat.mention-alerts";

export class MentionAlerts {
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
   * @param {string} sender
   * @param {string} text
   * @param {string} room
   */
  notify(sender, text, room) {
    if (!this.#on) return;
    try {
      new Notification(`${sender} mentioned you in #${room}`, { body: text, tag: `chat-mention-${room}` });
    } catch (error) {
      // Some browsers (Chrome on Android) show notifications only from a service worker.
      console.warn("Could not show a notification:", error);
    }
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
