/**
 * Bytes a room holds for all of its slow readers together: frames held back in outboxes and
 * history pages not yet taken. Kept as one running total so checking it costs nothing per reader.
 */
export class BacklogBudget {
  readonly #max: number;
  #held = 0;

  constructor(max: number) {
    this.#max = max;
  }

  get held(): number {
    return this.#held;
  }

  /** Whether `bytes` more can be held without passing the room's bound. */
  fits(bytes: number): boolean {
    return this.#held + bytes <= this.#max;
  }

  hold(bytes: number): void {
    this.#held += bytes;
  }

  release(bytes: number): void {
    this.#held -= bytes;
  }
}
