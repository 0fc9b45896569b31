/** One open event stream and whom it belongs to. */
export interface Subscriber {
  readonly controller: TransformStreamDefaultController<Uint8Array>;
  /** Session token of the participant reading this stream, if the reader has joined. */
  readonly token: string | undefined;
  /** Token handed to an anonymous reader as a cookie, which becomes its session if it joins. */
  readonly pendingToken: string | undefined;
}

interface MutableSubscriber {
  readonly controller: TransformStreamDefaultController<Uint8Array>;
  token: string | undefined;
  pendingToken: string | undefined;
}

export interface OpenedStream {
  subscriber: Subscriber;
  stream: ReadableStream<Uint8Array>;
}

/**
 * Every open event stream of a room. Chunks are enqueued on each stream's controller, which
 * never waits for the reader: a broadcast costs the same whether readers keep up or not. What a
 * reader has not taken yet is queued in its stream, and a reader whose queue passes the byte bound
 * is cut off; it reconnects with Last-Event-ID and catches up from history.
 */
export class Subscribers {
  readonly #all = new Set<MutableSubscriber>();
  /** Open streams per session token, kept so presence checks cost nothing per subscriber. */
  readonly #owned = new Map<string, number>();
  readonly #maxBacklogBytes: number;
  readonly #onRemoved: (subscriber: Subscriber) => void;

  constructor(maxBacklogBytes: number, onRemoved: (subscriber: Subscriber) => void) {
    this.#maxBacklogBytes = maxBacklogBytes;
    this.#onRemoved = onRemoved;
  }

  get size(): number {
    return this.#all.size;
  }

  /**
   * Opens a stream that starts with `first` and then receives every broadcast. The byte bound
   * counts from after `first`, so that a long replay does not cut off the reader it is for.
   */
  open(first: Uint8Array, owner: Pick<Subscriber, "token" | "pendingToken">): OpenedStream {
    let controller: TransformStreamDefaultController<Uint8Array> | undefined;
    let subscriber: MutableSubscriber | undefined;
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
      { highWaterMark: this.#maxBacklogBytes + first.byteLength, size: (chunk) => chunk.byteLength },
    );
    if (!controller) throw new Error("TransformStream did not start synchronously");
    subscriber = { controller, token: undefined, pendingToken: owner.pendingToken };
    this.#all.add(subscriber);
    this.#own(subscriber, owner.token);
    this.#send(subscriber, first);
    return { subscriber, stream: readable };
  }

  /** Sends the same bytes to every stream. */
  broadcast(chunk: Uint8Array): void {
    for (const subscriber of this.#all) this.#send(subscriber, chunk);
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

  /** Makes the streams of a session that ended anonymous; they keep receiving events. */
  disown(token: string): void {
    if (!this.#owned.has(token)) return;
    for (const subscriber of this.#all) if (subscriber.token === token) this.#own(subscriber, undefined);
  }

  countOwnedBy(token: string): number {
    return this.#owned.get(token) ?? 0;
  }

  /** Closes every stream, e.g. before the room's state is reset. */
  closeAll(): void {
    for (const subscriber of this.#all) this.#cutOff(subscriber, new Error("room closed"));
  }

  #own(subscriber: MutableSubscriber, token: string | undefined): void {
    if (subscriber.token !== undefined) this.#count(subscriber.token, -1);
    subscriber.token = token;
    if (token !== undefined) this.#count(token, 1);
  }

  #count(token: string, delta: number): void {
    const count = (this.#owned.get(token) ?? 0) + delta;
    if (count > 0) this.#owned.set(token, count);
    else this.#owned.delete(token);
  }

  #send(subscriber: MutableSubscriber, chunk: Uint8Array): void {
    try {
      subscriber.controller.enqueue(chunk);
    } catch {
      // The stream was cancelled or errored: the reader is gone.
      this.#remove(subscriber);
      return;
    }
    const room = subscriber.controller.desiredSize;
    if (room === null || room < 0) {
      this.#cutOff(subscriber, new Error("subscriber fell too far behind"));
    }
  }

  #cutOff(subscriber: MutableSubscriber, reason: Error): void {
    try {
      // error() rather than terminate(): it frees the queued backlog at once. workerd logs the
      // reason as an uncaught exception of the response it was streaming; that is expected.
      subscriber.controller.error(reason);
    } catch {
      // Already closed.
    }
    this.#remove(subscriber);
  }

  #remove(subscriber: MutableSubscriber): void {
    if (!this.#all.delete(subscriber)) return;
    if (subscriber.token !== undefined) this.#count(subscriber.token, -1);
    this.#onRemoved(subscriber);
  }
}
