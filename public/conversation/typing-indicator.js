// @ts-check
/**
 * Who is typing, as a line under the conversation: "Mina is typing…", "Mina and Leo are
 * typing…", "3 people are typing…". A person stays on it for a while after their last signal
 * (they signal again every interval while they type), and leaves it at once when their message
 * arrives or they leave.
 */
export class TypingIndicator {
  /** @type {Map<string, ReturnType<typeof setTimeout>>} */
  #typing = new Map();
  #showMs = 0;

  /** @param {HTMLElement} element */
  constructor(element) {
    this.element = element;
  }

  /**
   * How long a signal shows someone as typing: a little more than two of the room's intervals,
   * so one signal lost or late does not make the line flicker.
   * @param {number} intervalMs
   */
  setInterval(intervalMs) {
    this.#showMs = Math.round(intervalMs * 2.5);
  }

  /** @param {string} name */
  typing(name) {
    clearTimeout(this.#typing.get(name));
    this.#typing.set(
      name,
      setTimeout(() => this.stopped(name), this.#showMs),
    );
    this.#render();
  }

  /** @param {string} name */
  stopped(name) {
    if (!this.#typing.has(name)) return;
    clearTimeout(this.#typing.get(name));
    this.#typing.delete(name);
    this.#render();
  }

  #render() {
    const names = [...this.#typing.keys()];
    if (names.length === 0) this.element.textContent = "";
    else if (names.length === 1) this.element.textContent = `${names[0]} is typing…`;
    else if (names.length === 2) this.element.textContent = `${names[0]} and ${names[1]} are typing…`;
    else this.element.textContent = `${names.length} people are typing…`;
  }
}

/**
 * When this page tells the room that its own person is typing: at once when they start, then at
 * most once an interval while they go on, as the room allows. Their message arriving starts the
 * pace afresh, as the room starts it afresh when it takes the message: every page clears its
 * author's typing line then, so the first keystroke of the next message must be signalled at
 * once, not an interval after the signal that typing the last one made.
 */
export class TypingPace {
  #signalledAt = Number.NEGATIVE_INFINITY;

  /**
   * Whether to signal now; a yes counts as the signal.
   * @param {number} intervalMs the room's least time between two signals
   */
  due(intervalMs) {
    const now = Date.now();
    if (now - this.#signalledAt < intervalMs) return false;
    this.#signalledAt = now;
    return true;
  }

  /** The person's message has arrived: whatever they type next is news at once. */
  restart() {
    this.#signalledAt = Number.NEGATIVE_INFINITY;
  }
}
