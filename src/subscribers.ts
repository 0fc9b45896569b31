import { BacklogBudget } from "./backlog-budget";
import { type HistoryPager, type StreamOwner, SubscriberStream } from "./subscriber-stream";

/**
 * Every open event stream of a room, with the counts the room checks on each request kept up to
 * date, so that none of them costs a pass over the streams.
 *
 * A new stream first catches up from history at its reader's pace, and only then joins the
 * broadcast. No event is missed or doubled at the hand-over, since publishing stores an event
 * and broadcasts it in one synchronous step.
 */
export class Subscribers {
  readonly #all = new Set<SubscriberStream>();
  /** The streams that have caught up and receive broadcasts. */
  readonly #live = new Set<SubscriberStream>();
  /** Open streams per session token. */
  readonly #owned = new Map<string, number>();
  /** Open streams per client address. */
  readonly #fromClient = new Map<string, number>();
  readonly #maxBacklogBytes: number;
  readonly #budget: BacklogBudget;
  readonly #history: HistoryPager;
  readonly #onRemoved: (stream: SubscriberStream) => void;

  /**
   * @param maxBacklogBytes what one reader may have waiting before it is cut off
   * @param maxRoomBacklogBytes what all readers together may have held back: past it, the
   *   reader whose frame would go over is cut off, so many slow readers cannot exhaust memory
   * @param onRemoved called once for each stream that closes or is cut off
   */
  constructor(
    maxBacklogBytes: number,
    maxRoomBacklogBytes: number,
    history: HistoryPager,
    onRemoved: (stream: SubscriberStream) => void,
  ) {
    this.#maxBacklogBytes = maxBacklogBytes;
    this.#budget = new BacklogBudget(maxRoomBacklogBytes);
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
  open(greeting: Uint8Array, afterId: number, owner: StreamOwner): ReadableStream<Uint8Array> {
    const stream = new SubscriberStream(owner, this.#maxBacklogBytes, this.#budget, (closed) => this.#remove(closed));
    this.#all.add(stream);
    if (stream.token !== undefined) bump(this.#owned, stream.token, 1);
    if (stream.client !== undefined) bump(this.#fromClient, stream.client, 1);
    if (stream.enqueue(greeting)) {
      void stream.replay(this.#history, afterId, () => this.#live.add(stream));
    }
    return stream.readable;
  }

  /** Sends the same bytes to every stream that has caught up. */
  broadcast(chunk: Uint8Array): void {
    for (const stream of this.#live) stream.send(chunk);
  }

  /**
   * Sends bytes that carry no event (a comment) to every stream; a failed enqueue is how a
   * reader that went away unannounced is found. A stream still catching up gets it at once,
   * between pages, since its replay is already paced by its reader.
   */
  touchAll(chunk: Uint8Array): void {
    for (const stream of this.#all) {
      if (this.#live.has(stream)) stream.send(chunk);
      else stream.enqueue(chunk);
    }
  }

  /** Hands the anonymous streams that were given `pendingToken` to the session `token`; returns how many. */
  adopt(pendingToken: string, token: string): number {
    let adopted = 0;
    for (const stream of this.#all) {
      if (stream.pendingToken !== pendingToken) continue;
      stream.pendingToken = undefined;
      this.#own(stream, token);
      adopted++;
    }
    return adopted;
  }

  /** Makes the streams of a session that ended anonymous; they keep receiving events. */
  disown(token: string): void {
    if (!this.#owned.has(token)) return;
    for (const stream of this.#all) if (stream.token === token) this.#own(stream, undefined);
  }

  /** Bytes waiting for readers to take them, queued or held back, over all streams. */
  queuedBytes(): number {
    let total = 0;
    for (const stream of this.#all) total += stream.backlog;
    return total;
  }

  countOwnedBy(token: string): number {
    return this.#owned.get(token) ?? 0;
  }

  countFrom(client: string): number {
    return this.#fromClient.get(client) ?? 0;
  }

  #own(stream: SubscriberStream, token: string | undefined): void {
    if (stream.token !== undefined) bump(this.#owned, stream.token, -1);
    stream.token = token;
    if (token !== undefined) bump(this.#owned, token, 1);
  }

  #remove(stream: SubscriberStream): void {
    if (!this.#all.delete(stream)) return;
    this.#live.delete(stream);
    if (stream.token !== undefined) bump(this.#owned, stream.token, -1);
    if (stream.client !== undefined) bump(this.#fromClient, stream.client, -1);
    try {
      this.#onRemoved(stream);
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
