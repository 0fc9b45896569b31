import { concatBytes } from "../common/bytes";
import type { BacklogBudget } from "./backlog-budget";

/** Whom a stream belongs to. */
export interface StreamOwner {
  /** Session token of the participant reading this stream, if the reader has joined. */
  readonly token: string | undefined;
  /** Token handed to an anonymous reader, which becomes its session if it joins. */
  readonly pendingToken: string | undefined;
  /** The reader's address, when known, for the per-client cap. */
  readonly client?: string | undefined;
  /** The id the room gave a stream it handed to a relay. */
  readonly id?: string | undefined;
}

/** A page of history, framed for the stream, and the id of its last event. */
export interface HistoryPageFrames {
  frames: Uint8Array;
  lastId: number;
}

/**
 * Stored events after `afterId` (and before `beforeId`, if given), a page at a time, framed for
 * the stream; undefined once there are none. A page that must be fetched (a relay asking its
 * room) comes as a promise, which never says there are none: only an answer given in the same
 * step as the stream goes live can, so that no event falls between the two.
 */
export type HistoryPager = (
  afterId: number,
  beforeId?: number,
) => HistoryPageFrames | undefined | Promise<HistoryPageFrames>;

/** Chunks written to the streams of one set, for operators and the benchmark. */
export class ChunkCount {
  value = 0;
}

/** An event as every stream was sent it: its id and its frame. */
export interface SentEvent {
  id: number;
  frame: Uint8Array;
}

const PROBE = new Uint8Array(0);

/** How long a replay waits for the room's backlog budget to make room before looking again. */
const BUDGET_RETRY_MS = 50;

/**
 * One reader's event stream: the readable side of a TransformStream, and the flow control that
 * keeps what the reader has not taken bounded.
 *
 * Frames are enqueued on the stream's controller, which never waits for the reader. A reader
 * that has nothing queued gets a frame at once. One that is still taking earlier frames gets
 * later ones coalesced into a single chunk, sent as soon as it has drained its queue: every chunk
 * costs the runtime a trip through the response pipeline, so under load fewer, larger chunks
 * deliver far more events a second. Past its bound, or the room's, the reader is cut off and
 * reconnects with Last-Event-ID to catch up from history.
 *
 * The drain signal is an empty write on the stream's writable side: with a zero high-water mark
 * on the readable side, the transform runs (and the write settles) only once the reader is
 * waiting on an empty queue.
 */
export class SubscriberStream {
  readonly readable: ReadableStream<Uint8Array>;
  readonly client: string | undefined;
  readonly id: string | undefined;
  /** The session this stream counts for; changes when an anonymous reader joins or a session ends. */
  token: string | undefined;
  pendingToken: string | undefined;
  readonly #controller: TransformStreamDefaultController<Uint8Array>;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #maxBacklogBytes: number;
  readonly #budget: BacklogBudget;
  readonly #onClosed: (stream: SubscriberStream) => void;
  readonly #chunks: ChunkCount;
  /** Frames held back while the reader is still taking earlier ones, sent as one chunk. */
  #outbox: Uint8Array[] = [];
  #outboxBytes = 0;
  /** Whether a probe is waiting for the reader to drain its queue. */
  #waiting = false;
  #closed = false;
  /** The event a stream still catching up ends with, instead of going live (see {@link endWith}). */
  #last: SentEvent | undefined;

  /**
   * @param maxBacklogBytes what this reader may have waiting before it is cut off
   * @param budget what all of the room's readers together may have held back
   * @param onClosed called once, when the stream is found gone or is cut off
   * @param chunks counts every chunk written
   */
  constructor(
    owner: StreamOwner,
    maxBacklogBytes: number,
    budget: BacklogBudget,
    onClosed: (stream: SubscriberStream) => void,
    chunks: ChunkCount = new ChunkCount(),
  ) {
    this.client = owner.client;
    this.id = owner.id;
    this.#chunks = chunks;
    this.token = owner.token;
    this.pendingToken = owner.pendingToken;
    this.#maxBacklogBytes = maxBacklogBytes;
    this.#budget = budget;
    this.#onClosed = onClosed;
    let controller: TransformStreamDefaultController<Uint8Array> | undefined;
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>(
      {
        start: (c) => {
          controller = c;
        },
        // Only probes are written; they carry nothing.
        transform: () => undefined,
        // workerd does not always call this when a client goes away; the heartbeat's failed
        // enqueue is what reliably finds those.
        cancel: () => this.#close(),
      },
      undefined,
      { highWaterMark: 0, size: (chunk) => chunk.byteLength },
    );
    if (!controller) throw new Error("TransformStream did not start synchronously");
    this.#controller = controller;
    this.readable = readable;
    this.#writer = writable.getWriter();
    this.#writer.closed.catch(() => undefined);
  }

  /** Bytes queued in the stream (its readable side's high-water mark is 0) plus those held back. */
  get backlog(): number {
    return -(this.#controller.desiredSize ?? 0) + this.#outboxBytes;
  }

  /** Sends a frame now if the reader has nothing queued, else holds it for the next chunk. */
  send(chunk: Uint8Array): void {
    if (this.#closed) return;
    if (this.#outboxBytes === 0 && this.#controller.desiredSize === 0) {
      this.enqueue(chunk);
      return;
    }
    if (this.backlog + chunk.byteLength > this.#maxBacklogBytes || !this.#budget.fits(chunk.byteLength)) {
      this.#cutOff();
      return;
    }
    this.#outbox.push(chunk);
    this.#outboxBytes += chunk.byteLength;
    this.#budget.hold(chunk.byteLength);
    if (!this.#waiting) void this.#flushWhenDrained();
  }

  /** Enqueues a chunk at once, whatever is queued; false if the stream is gone, which closes it. */
  enqueue(chunk: Uint8Array): boolean {
    try {
      this.#controller.enqueue(chunk);
      this.#chunks.value++;
      return true;
    } catch {
      // The stream was cancelled or errored: the reader is gone.
      this.#close();
      return false;
    }
  }

  /**
   * Sends the stored events after `afterId`, a page at a time, each once the reader has taken
   * the one before, then calls `caughtUp`. It is called in the same synchronous step that
   * found no more history, so no event published meanwhile can fall between the two. A stream
   * told to end meanwhile ({@link endWith}) is sent the history before its last event instead,
   * then that event, and ends.
   */
  async replay(history: HistoryPager, afterId: number, caughtUp: () => void): Promise<void> {
    let cursor = afterId;
    // The page the reader has not taken yet counts towards the room-wide budget.
    let unread = 0;
    try {
      for (;;) {
        const drained = await this.#drained();
        this.#budget.release(unread);
        unread = 0;
        if (!drained) return;
        const next = history(cursor, this.#last?.id);
        const page = next instanceof Promise ? await next : next;
        if (this.#closed) return;
        if (!page) {
          // A stream told to end with an event it has already been sent (a relay's reader
          // catching up, paging the event in before the command arrived) ends without it.
          if (this.#last) this.end(cursor < this.#last.id ? this.#last.frame : undefined);
          else if (!this.#closed) caughtUp();
          return;
        }
        // Many readers catching up at once (after a deploy, say) take turns within the budget.
        while (this.#budget.held > 0 && !this.#budget.fits(page.frames.byteLength)) {
          await new Promise((resolve) => setTimeout(resolve, BUDGET_RETRY_MS));
          if (this.#closed) return;
        }
        cursor = page.lastId;
        if (page.frames.byteLength === 0) continue;
        if (!this.enqueue(page.frames)) return;
        unread = page.frames.byteLength;
        this.#budget.hold(unread);
      }
    } catch (error) {
      console.error(JSON.stringify({ event: "replay_failed", error: String(error) }));
      this.#cutOff();
    } finally {
      this.#budget.release(unread);
    }
  }

  /**
   * Ends the stream for good: its reader gets what is queued or held back, then `last` if
   * given, then the end. Used when the participant it belongs to is removed from the room.
   */
  end(last?: Uint8Array): void {
    if (this.#closed) return;
    if (this.#outboxBytes > 0) this.#flush();
    if (last !== undefined) this.enqueue(last);
    try {
      this.#controller.terminate();
    } catch {
      // Already closed.
    }
    this.#close();
  }

  /**
   * Ends a stream that is still being sent history with `last`, an event just published, which
   * it was not sent since it does not receive broadcasts yet: the replay goes on at the reader's
   * pace through the events before it, then sends it from memory (retention may have dropped it
   * from storage by then), and ends. So the reader gets every id in order, each once, and its
   * position is `last`'s.
   */
  endWith(last: SentEvent): void {
    this.#last = last;
  }

  /** Ends the stream with an error, which frees what it has queued at once. */
  #cutOff(): void {
    try {
      // error() rather than terminate(): it frees the queued backlog at once. workerd logs the
      // reason as an uncaught exception of the response it was streaming; that is expected.
      this.#controller.error(new Error("subscriber fell too far behind"));
    } catch {
      // Already closed.
    }
    this.#close();
  }

  /** Resolves once the reader has taken everything queued and waits for more; false if the stream is gone. */
  async #drained(): Promise<boolean> {
    try {
      await this.#writer.write(PROBE);
      return !this.#closed;
    } catch {
      this.#close();
      return false;
    }
  }

  async #flushWhenDrained(): Promise<void> {
    this.#waiting = true;
    const drained = await this.#drained();
    this.#waiting = false;
    if (!drained || this.#outboxBytes === 0) return;
    this.#flush();
  }

  /** Sends what the outbox holds as one chunk. */
  #flush(): void {
    const chunk = concatBytes(this.#outbox, this.#outboxBytes);
    this.#release();
    this.enqueue(chunk);
  }

  /** Empties the outbox. */
  #release(): void {
    this.#budget.release(this.#outboxBytes);
    this.#outbox = [];
    this.#outboxBytes = 0;
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#release();
    this.#onClosed(this);
  }
}
