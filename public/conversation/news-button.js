// @ts-check
/**
 * The button over the conversation that takes the reader to the newest: it says "New messages"
 * when messages came that the reader has not scrolled to, and "Jump to newest" when only the
 * newest is out of the window.
 */
export class NewsButton {
  /** Whether new messages came that the reader has not scrolled to. */
  #news = false;

  /**
   * @param {HTMLButtonElement} button
   * @param {() => void} press what pressing it does
   */
  constructor(button, press) {
    this.button = button;
    button.addEventListener("click", press);
  }

  /** @param {boolean} [arrived] whether new messages came, or only the newest is out of the window */
  show(arrived = true) {
    if (arrived) this.#news = true;
    this.button.textContent = this.#news ? "New messages ↓" : "Jump to newest ↓";
    this.button.hidden = false;
  }

  /** Hides it. This runs on every frame while the view follows the newest, so a hidden button is left untouched. */
  hide() {
    this.#news = false;
    if (!this.button.hidden) this.button.hidden = true;
  }

  /** Forgets that messages came, as a page shown in place of the window already has them. */
  forget() {
    this.#news = false;
  }
}
