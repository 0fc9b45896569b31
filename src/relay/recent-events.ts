import { concatBytes } from "../common/bytes";
import type { HistoryPageFrames, SentEvent } from "../streams/subscriber-stream";

/**
 * The events a relay had last from its room, framed as it sent them on, so that most of its new
 * readers' history and every reader coming back after a short drop are served from memory
 * rather than by the room. It holds every event after `from` up to the newest, and no more than
 * `maxBytes` of them: the oldest go first.
 */
export class RecentEvents {
  #events: SentEvent[] = [];
  /** Index in #events of the oldest kept; the array is compacted now and then, not on every shift. */
  #head = 0;
  #bytes = 0;
  #from: number;
  readonly #maxBytes: number;

  constructor(from: number, maxBytes: number) {
    this.#from = from;
    this.#maxBytes = maxBytes;
  }

  /** Every event after this id, up to the newest, is held. */
  get from(): number {
    return this.#from;
  }

  add(event: SentEvent): void {
    this.#events.push(event);
    this.#bytes += event.frame.byteLength;
    while (this.#bytes > this.#maxBytes && this.#head < this.#events.length - 1) {
      const oldest = this.#events[this.#head++] as SentEvent;
      this.#bytes -= oldest.frame.byteLength;
      this.#from = oldest.id;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#events.length) {
      this.#events = this.#events.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Forgets every event held: what follows `from` is what comes next. */
  clear(from: number): void {
    this.#events = [];
    this.#head = 0;
    this.#bytes = 0;
    this.#from = from;
  }

  /** The event with this id, if held. */
  get(id: number): SentEvent | undefined {
    const at = this.#indexAfter(id - 1);
    const event = this.#events[at];
    return event?.id === id ? event : undefined;
  }

  /**
   * Held events after `afterId` (which must be `from` or later) and before `beforeId`, up to
   * about `maxBytes` and at least one; undefined when there are none.
   */
  page(afterId: number, beforeId: number, maxBytes: number): HistoryPageFrames | undefined {
    const frames: Uint8Array[] = [];
    let bytes = 0;
    let lastId: number | undefined;
    for (let at = this.#indexAfter(afterId); at < this.#events.length; at++) {
      const event = this.#events[at] as SentEvent;
      if (event.id >= beforeId) break;
      if (frames.length > 0 && bytes + event.frame.byteLength > maxBytes) break;
      frames.push(event.frame);
      bytes += event.frame.byteLength;
      lastId = event.id;
    }
    return lastId === undefined ? undefined : { frames: concatBytes(frames, bytes), lastId };
  }

  /** The index of the first held event with an id greater than `id`, by binary search. */
  #indexAfter(id: number): number {
    let low = this.#head;
    let high = this.#events.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.#events[middle] as SentEvent).id <= id) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
