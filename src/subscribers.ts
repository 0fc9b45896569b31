/** One open event stream and whom it belongs to. */
export interface Subscriber {
  /** Session token of the participant reading this stream, if the reader has joined. */
  readonly token: string | undefined;
  /** Token handed to an anonymous reader as a cookie, which becomes its session if it joins. */
  readonly pendingToken: string | undefined;
}

interface OpenSubscriber {
  readonly controller: TransformStreamDefaultController<Uint8Array>;
  token: string | undefined;
  pendingToken: string | undefined;
}

/** Longest wait between two looks at a replaying reader's queue. */
const REPLAY_POLL_MAX_MS = 50;

/** Stored events after `afterId`, a page at a time, framed for the stream; undefined once there are none. */
export type HistoryPager = (afterId: number) => { frames: Uint8Array; lastId: number } | undefined;

/**
 * Every open event stream of a room. Chunks are enqueued on each stream's controller, which
 * never waits for the reader: a broadcast costs the same whether readers keep up or not. What a
 * reader has not taken yet is queued in its stream, and a reader whose queue passes the byte bound
 * is cut off; it reconnects with Last-Event-ID and catches up from history.
 *
 * A new stream first catches up from history, a page at a time as its reader takes them, and
 * only then joins the broadcast: a long replay never holds more than the bound in memory, and
 * no event is missed or doubled at the hand-over, since publishing stores an event and
 * broadcasts it in one synchronous step.
 */
export class Subscribers {
  readonly #all = new Set<OpenSubscriber>();
  /** The streams that have caught up and receive broadcasts. */
  readonly #live = new Set<OpenSubscriber>();
  /** Open streams per session token, kept so presence checks cost nothing per subscriber. */
  readonly #owned = new Map<string, number>();
  readonly #maxBacklogBytes: number;
  readonly #history: HistoryPager;
  readonly #onRemoved: (subscriber: Subscriber) => void;

  constructor(maxBacklogBytes: number, history: HistoryPager, onRemoved: (subscriber: Subscriber) => void) {
    this.#maxBacklogBytes = maxBacklogBytes;
    this.#history = history;
    this.#onRemoved = onRemoved;
  }

  get size(): number {
    return this.#all.size;
  }

  /** Streams still being sent history, not yet receiving broadcasts. */
  get catchingUp(): number {
    return this.#all.size - this.#live.size;
  }

  /**
   * Opens a stream that starts with `greeting`, then the stored events after `afterId`,
   * then every broadcast.
   */
  open(greeting: Uint8Array, afterId: number, owner: Subscriber): ReadableStream<Uint8Array> {
    let controller: TransformStreamDefaultController<Uint8Array> | undefined;
    let subscriber: OpenSubscriber | undefined;
    const { readable } = new TransformStream<Uint8Array, Uint8Array>(
      {
        start: (c) => {
          controller = c;
        },
        // workerd does not always call this when a client goes away; the heartbeat's failed
        // enqueue is what reliably finds those.
        cancel: () => {
          if (subscriber) this.#remove(subscriber);
        },
      },
      undefined,
      { highWaterMark: this.#maxBacklogBytes, size: (chunk) => chunk.byteLength },
    );
    if (!controller) throw new Error("TransformStream did not start synchronously");
    subscriber = { controller, token: undefined, pendingToken: owner.pendingToken };
    this.#all.add(subscriber);
    this.#own(subscriber, owner.token);
    if (this.#enqueue(subscriber, greeting)) void this.#catchUp(subscriber, afterId);
    return readable;
  }

  /** Sends the same bytes to every stream that has caught up. */
  broadcast(chunk: Uint8Array): void {
    for (const subscriber of this.#live) this.#send(subscriber, chunk);
  }

  /**
   * Sends bytes that carry no event (a comment) to every stream, catching up or not; a failed
   * enqueue is how a reader that went away unannounced is found. A stream that is catching up
   * is paced by its replay, so it is not cut off for what is queued.
   */
  touchAll(chunk: Uint8Array): void {
    for (const subscriber of this.#all) {
      if (this.#live.has(subscriber)) this.#send(subscriber, chunk);
      else this.#enqueue(subscriber, chunk);
    }
  }

  /** Hands the anonymous streams that were given `pendingToken` to that session; returns how many. */
  adopt(pendingToken: string): number {
    let adopted = 0;
    for (const subscriber of this.#all) {
      if (subscriber.pendingToken !== pendingToken) continue;
      subscriber.pendingToken = undefined;
      this.#own(subscriber, pendingToken);
      adopted++;
    }
    return adopted;
  }

  /** Whether an open anonymous stream holds `pendingToken`. */
  holdsPending(pendingToken: string): boolean {
    for (const subscriber of this.#all) if (subscriber.pendingToken === pendingToken) return true;
    return false;
  }

  /** Makes the streams of a session that ended anonymous; they keep receiving events. */
  disown(token: string): void {
    if (!this.#owned.has(token)) return;
    for (const subscriber of this.#all) if (subscriber.token === token) this.#own(subscriber, undefined);
  }

  /** Bytes queued for readers that have not taken them yet, over all streams. */
  queuedBytes(): number {
    let total = 0;
    for (const { controller } of this.#all)
      total += this.#maxBacklogBytes - (controller.desiredSize ?? this.#maxBacklogBytes);
    return total;
  }

  countOwnedBy(token: string): number {
    return this.#owned.get(token) ?? 0;
  }

  async #catchUp(subscriber: OpenSubscriber, afterId: number): Promise<void> {
    let cursor = afterId;
    for (;;) {
      if (!(await this.#roomFor(subscriber))) return;
      const page = this.#history(cursor);
      if (!page) {
        this.#live.add(subscriber);
        return;
      }
      if (!this.#enqueue(subscriber, page.frames)) return;
      cursor = page.lastId;
    }
  }

  /**
   * Waits until the reader has taken enough that its queue is under the bound; false if the
   * stream is gone meanwhile. Polls: workerd's TransformStream does not reflect a full readable
   * queue, filled through the controller, in the writable side's `ready`.
   */
  async #roomFor(subscriber: OpenSubscriber): Promise<boolean> {
    for (let delay = 2; this.#all.has(subscriber); delay = Math.min(delay * 2, REPLAY_POLL_MAX_MS)) {
      const room = subscriber.controller.desiredSize;
      if (room === null) return false;
      if (room > 0) return true;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    return false;
  }

  #own(subscriber: OpenSubscriber, token: string | undefined): void {
    if (subscriber.token !== undefined) this.#count(subscriber.token, -1);
    subscriber.token = token;
    if (token !== undefined) this.#count(token, 1);
  }

  #count(token: string, delta: number): void {
    const count = (this.#owned.get(token) ?? 0) + delta;
    if (count > 0) this.#owned.set(token, count);
    else this.#owned.delete(token);
  }

  /** Enqueues a chunk and cuts the stream off if that puts its reader past the bound. */
  #send(subscriber: OpenSubscriber, chunk: Uint8Array): void {
    if (!this.#enqueue(subscriber, chunk)) return;
    const room = subscriber.controller.desiredSize;
    if (room === null || room < 0) this.#cutOff(subscriber);
  }

  /** Enqueues a chunk; false if the stream is gone, which removes it. */
  #enqueue(subscriber: OpenSubscriber, chunk: Uint8Array): boolean {
    try {
      subscriber.controller.enqueue(chunk);
      return true;
    } catch {
      // The stream was cancelled or errored: the reader is gone.
      this.#remove(subscriber);
      return false;
    }
  }

  #cutOff(subscriber: OpenSubscriber): void {
    try {
      // error() rather than terminate(): it frees the queued backlog at once. workerd logs the
      // reason as an uncaught exception of the response it was streaming; that is expected.
      subscriber.controller.error(new Error("subscriber fell too far behind"));
    } catch {
      // Already closed.
    }
    this.#remove(subscriber);
  }

  #remove(subscriber: OpenSubscriber): void {
    if (!this.#all.delete(subscriber)) return;
    this.#live.delete(subscriber);
    if (subscriber.token !== undefined) this.#count(subscriber.token, -1);
    this.#onRemoved(subscriber);
  }
}
