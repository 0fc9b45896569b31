import { concatBytes } from "./bytes";

/** One open event stream and whom it belongs to. */
export interface Subscriber {
  /** Session token of the participant reading this stream, if the reader has joined. */
  readonly token: string | undefined;
  /** Token handed to an anonymous reader as a cookie, which becomes its session if it joins. */
  readonly pendingToken: string | undefined;
  /** The reader's address, when known, for the per-client cap. */
  readonly client?: string | undefined;
}

interface OpenSubscriber {
  readonly client: string | undefined;
  readonly controller: TransformStreamDefaultController<Uint8Array>;
  /** Written only with empty probes, whose promises settle once the reader wants more. */
  readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  token: string | undefined;
  pendingToken: string | undefined;
  /** Frames held back while the reader is still taking earlier ones, sent as one chunk. */
  outbox: Uint8Array[];
  outboxBytes: number;
  /** Whether a probe is waiting for the reader to drain its queue. */
  waiting: boolean;
}

/** Stored events after `afterId`, a page at a time, framed for the stream; undefined once there are none. */
export type HistoryPager = (afterId: number) => { frames: Uint8Array; lastId: number } | undefined;

const PROBE = new Uint8Array(0);

/**
 * Every open event stream of a room, each the readable side of a TransformStream.
 *
 * Frames are enqueued on each stream's controller, which never waits for the reader: a
 * broadcast costs the same whether readers keep up or not. A reader that has nothing queued
 * gets a frame at once. One that is still taking earlier frames gets later ones coalesced
 * into a single chunk, sent as soon as it has drained its queue: every chunk costs the runtime
 * a trip through the response pipeline, so under load fewer, larger chunks deliver far more
 * events a second. What a reader has queued or held back is bounded; past the bound it is cut
 * off, and reconnects with Last-Event-ID to catch up from history.
 *
 * The drain signal is an empty write on the stream's writable side: with a zero high-water mark
 * on the readable side, the transform runs (and the write settles) only once the reader is
 * waiting on an empty queue.
 *
 * A new stream first catches up from history, a page at a time as its reader takes them, and
 * only then joins the broadcast. No event is missed or doubled at the hand-over, since
 * publishing stores an event and broadcasts it in one synchronous step.
 */
export class Subscribers {
  readonly #all = new Set<OpenSubscriber>();
  /** The streams that have caught up and receive broadcasts. */
  readonly #live = new Set<OpenSubscriber>();
  /** Open streams per session token, kept so presence checks cost nothing per subscriber. */
  readonly #owned = new Map<string, number>();
  /** Open streams per client address. */
  readonly #fromClient = new Map<string, number>();
  readonly #maxBacklogBytes: number;
  readonly #maxRoomBacklogBytes: number;
  /** Bytes held back in every outbox together, kept so the room-wide budget costs nothing to check. */
  #heldBytes = 0;
  readonly #history: HistoryPager;
  readonly #onRemoved: (subscriber: Subscriber) => void;

  /**
   * @param maxBacklogBytes what one reader may have waiting before it is cut off
   * @param maxRoomBacklogBytes what all readers together may have held back: past it, the
   *   reader whose frame would go over is cut off, so many slow readers cannot exhaust memory
   */
  constructor(
    maxBacklogBytes: number,
    maxRoomBacklogBytes: number,
    history: HistoryPager,
    onRemoved: (subscriber: Subscriber) => void,
  ) {
    this.#maxBacklogBytes = maxBacklogBytes;
    this.#maxRoomBacklogBytes = maxRoomBacklogBytes;
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
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>(
      {
        start: (c) => {
          controller = c;
        },
        // Only probes are written; they carry nothing.
        transform: () => undefined,
        // workerd does not always call this when a client goes away; the heartbeat's failed
        // enqueue is what reliably finds those.
        cancel: () => {
          if (subscriber) this.#remove(subscriber);
        },
      },
      undefined,
      { highWaterMark: 0, size: (chunk) => chunk.byteLength },
    );
    if (!controller) throw new Error("TransformStream did not start synchronously");
    const writer = writable.getWriter();
    writer.closed.catch(() => undefined);
    subscriber = {
      controller,
      writer,
      client: owner.client,
      token: undefined,
      pendingToken: owner.pendingToken,
      outbox: [],
      outboxBytes: 0,
      waiting: false,
    };
    this.#all.add(subscriber);
    this.#own(subscriber, owner.token);
    if (owner.client !== undefined) bump(this.#fromClient, owner.client, 1);
    if (this.#enqueue(subscriber, greeting)) {
      const opened = subscriber;
      this.#catchUp(opened, afterId).catch(() => this.#cutOff(opened));
    }
    return readable;
  }

  /** Sends the same bytes to every stream that has caught up. */
  broadcast(chunk: Uint8Array): void {
    for (const subscriber of this.#live) this.#send(subscriber, chunk);
  }

  /**
   * Sends bytes that carry no event (a comment) to every stream; a failed enqueue is how a
   * reader that went away unannounced is found. A stream still catching up gets it at once,
   * between pages, since its replay is already paced by its reader.
   */
  touchAll(chunk: Uint8Array): void {
    for (const subscriber of this.#all) {
      if (this.#live.has(subscriber)) this.#send(subscriber, chunk);
      else this.#enqueue(subscriber, chunk);
    }
  }

  /** Hands the anonymous streams that were given `pendingToken` to the session `token`; returns how many. */
  adopt(pendingToken: string, token: string): number {
    let adopted = 0;
    for (const subscriber of this.#all) {
      if (subscriber.pendingToken !== pendingToken) continue;
      subscriber.pendingToken = undefined;
      this.#own(subscriber, token);
      adopted++;
    }
    return adopted;
  }

  /** Makes the streams of a session that ended anonymous; they keep receiving events. */
  disown(token: string): void {
    if (!this.#owned.has(token)) return;
    for (const subscriber of this.#all) if (subscriber.token === token) this.#own(subscriber, undefined);
  }

  /** Bytes waiting for readers to take them, queued or held back, over all streams. */
  queuedBytes(): number {
    let total = 0;
    for (const subscriber of this.#all) total += this.#backlog(subscriber);
    return total;
  }

  countOwnedBy(token: string): number {
    return this.#owned.get(token) ?? 0;
  }

  countFrom(client: string): number {
    return this.#fromClient.get(client) ?? 0;
  }

  async #catchUp(subscriber: OpenSubscriber, afterId: number): Promise<void> {
    let cursor = afterId;
    // The page the reader has not taken yet counts towards the room-wide budget.
    let unread = 0;
    try {
      for (;;) {
        const drained = await this.#drained(subscriber);
        this.#heldBytes -= unread;
        unread = 0;
        if (!drained) return;
        const page = this.#history(cursor);
        if (!page) {
          this.#live.add(subscriber);
          return;
        }
        // Many readers catching up at once (after a deploy, say) take turns within the budget.
        while (this.#heldBytes > 0 && this.#heldBytes + page.frames.byteLength > this.#maxRoomBacklogBytes) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          if (!this.#all.has(subscriber)) return;
        }
        if (!this.#enqueue(subscriber, page.frames)) return;
        unread = page.frames.byteLength;
        this.#heldBytes += unread;
        cursor = page.lastId;
      }
    } finally {
      this.#heldBytes -= unread;
    }
  }

  /** Resolves once the reader has taken everything queued and waits for more; false if the stream is gone. */
  async #drained(subscriber: OpenSubscriber): Promise<boolean> {
    try {
      await subscriber.writer.write(PROBE);
      return this.#all.has(subscriber);
    } catch {
      this.#remove(subscriber);
      return false;
    }
  }

  /** Sends a frame now if the reader has nothing queued, else holds it for the next chunk. */
  #send(subscriber: OpenSubscriber, chunk: Uint8Array): void {
    if (subscriber.outboxBytes === 0 && subscriber.controller.desiredSize === 0) {
      this.#enqueue(subscriber, chunk);
      return;
    }
    if (
      this.#backlog(subscriber) + chunk.byteLength > this.#maxBacklogBytes ||
      this.#heldBytes + chunk.byteLength > this.#maxRoomBacklogBytes
    ) {
      this.#cutOff(subscriber);
      return;
    }
    subscriber.outbox.push(chunk);
    subscriber.outboxBytes += chunk.byteLength;
    this.#heldBytes += chunk.byteLength;
    if (!subscriber.waiting) void this.#flushWhenDrained(subscriber);
  }

  async #flushWhenDrained(subscriber: OpenSubscriber): Promise<void> {
    subscriber.waiting = true;
    const drained = await this.#drained(subscriber);
    subscriber.waiting = false;
    if (!drained || subscriber.outboxBytes === 0) return;
    const chunk = concatBytes(subscriber.outbox, subscriber.outboxBytes);
    this.#release(subscriber);
    this.#enqueue(subscriber, chunk);
  }

  /** Bytes queued in the stream (its readable side's high-water mark is 0) plus those held back. */
  #backlog(subscriber: OpenSubscriber): number {
    return -(subscriber.controller.desiredSize ?? 0) + subscriber.outboxBytes;
  }

  #own(subscriber: OpenSubscriber, token: string | undefined): void {
    if (subscriber.token !== undefined) bump(this.#owned, subscriber.token, -1);
    subscriber.token = token;
    if (token !== undefined) bump(this.#owned, token, 1);
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

  /** Empties a subscriber's outbox. */
  #release(subscriber: OpenSubscriber): void {
    this.#heldBytes -= subscriber.outboxBytes;
    subscriber.outbox = [];
    subscriber.outboxBytes = 0;
  }

  #remove(subscriber: OpenSubscriber): void {
    if (!this.#all.delete(subscriber)) return;
    this.#live.delete(subscriber);
    this.#release(subscriber);
    if (subscriber.token !== undefined) bump(this.#owned, subscriber.token, -1);
    if (subscriber.client !== undefined) bump(this.#fromClient, subscriber.client, -1);
    try {
      this.#onRemoved(subscriber);
    } catch (error) {
      // A failure here must not stop a broadcast midway through the other readers.
      console.error(JSON.stringify({ event: "stream_close_failed", error: String(error) }));
    }
  }
}

/** Adds `delta` to a count, forgetting counts that reach zero. */
function bump(counts: Map<string, number>, key: string, delta: number): void {
  const count = (counts.get(key) ?? 0) + delta;
  if (count > 0) counts.set(key, count);
  else counts.delete(key);
}
