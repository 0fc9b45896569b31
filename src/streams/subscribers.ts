import { addTo, bump, removeFrom } from "../common/index-maps";
import { BacklogBudget } from "./backlog-budget";
import { encodeComment } from "./sse";
import { ChunkCount, type HistoryPager, type SentEvent, type StreamOwner, SubscriberStream } from "./subscriber-stream";

const HEARTBEAT = new TextEncoder().encode(encodeComment("heartbeat"));

/**
 * Every open event stream of a room, indexed by session, pending token and address, so that
 * nothing the room asks of them on a request costs a pass over every stream.
 *
 * A new stream first catches up from history at its reader's pace, and only then joins the
 * broadcast. No event is missed or doubled at the hand-over, since publishing stores an event
 * and broadcasts it in one synchronous step.
 */
export class Subscribers {
  readonly #all = new Set<SubscriberStream>();
  /** The streams that have caught up and receive broadcasts. */
  readonly #live = new Set<SubscriberStream>();
  /** Open streams by the session they count for. */
  readonly #byToken = new Map<string, Set<SubscriberStream>>();
  /** Anonymous streams by the pending token they were given, to be adopted when their reader joins. */
  readonly #byPendingToken = new Map<string, Set<SubscriberStream>>();
  /** Open streams per client address. */
  readonly #fromClient = new Map<string, number>();
  readonly #maxBacklogBytes: number;
  readonly #budget: BacklogBudget;
  readonly #history: HistoryPager;
  readonly #onRemoved: (stream: SubscriberStream) => void;
  readonly #heartbeatMs: number;
  readonly #chunks = new ChunkCount();
  #heartbeat: ReturnType<typeof setInterval> | undefined;

  /**
   * @param maxBacklogBytes what one reader may have waiting before it is cut off
   * @param maxRoomBacklogBytes what all readers together may have held back: past it, the
   *   reader whose frame would go over is cut off, so many slow readers cannot exhaust memory
   * @param heartbeatMs how often every stream gets a comment while any is open: a failed write
   *   is what finds a reader that went away unannounced
   * @param onRemoved called once for each stream that closes or is cut off
   */
  constructor(
    maxBacklogBytes: number,
    maxRoomBacklogBytes: number,
    heartbeatMs: number,
    history: HistoryPager,
    onRemoved: (stream: SubscriberStream) => void,
  ) {
    this.#maxBacklogBytes = maxBacklogBytes;
    this.#budget = new BacklogBudget(maxRoomBacklogBytes);
    this.#heartbeatMs = heartbeatMs;
    this.#history = history;
    this.#onRemoved = onRemoved;
  }

  get size(): number {
    return this.#all.size;
  }

  /** Chunks written to every stream so far: with coalescing, at most one per stream per event. */
  get chunksSent(): number {
    return this.#chunks.value;
  }

  /** Who every open stream is for. */
  owners(): StreamOwner[] {
    return [...this.#all].map(({ id, token, pendingToken, client }) => ({ id, token, pendingToken, client }));
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
    return this.openStream(greeting, afterId, owner).readable;
  }

  /**
   * {@link open}, answering with the stream itself, for a caller that sends to it alone;
   * `live` makes the frame it is sent as it joins the broadcast.
   */
  openStream(greeting: Uint8Array, afterId: number, owner: StreamOwner, live?: () => Uint8Array): SubscriberStream {
    const stream = new SubscriberStream(
      owner,
      this.#maxBacklogBytes,
      this.#budget,
      (closed) => this.#remove(closed),
      this.#chunks,
    );
    this.#all.add(stream);
    if (stream.token !== undefined) addTo(this.#byToken, stream.token, stream);
    if (stream.pendingToken !== undefined) addTo(this.#byPendingToken, stream.pendingToken, stream);
    if (stream.client !== undefined) bump(this.#fromClient, stream.client, 1);
    this.#heartbeat ??= setInterval(() => this.touchAll(HEARTBEAT), this.#heartbeatMs);
    if (stream.enqueue(greeting)) {
      void stream.replay(this.#history, afterId, () => {
        this.#live.add(stream);
        // Sent in the step that joins the broadcast, so it marks where history ends exactly.
        if (live) stream.send(live());
      });
    }
    return stream;
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
    const streams = this.#byPendingToken.get(pendingToken);
    if (!streams) return 0;
    this.#byPendingToken.delete(pendingToken);
    for (const stream of streams) {
      stream.pendingToken = undefined;
      this.#own(stream, token);
    }
    return streams.size;
  }

  /**
   * Ends every stream of a session with `last`, an event just published, as its last event: a
   * live stream was sent it with the broadcast, and ends once its reader has what is queued or
   * held back for it; one still catching up is sent the rest of its history before `last`, then
   * `last`, and ends.
   */
  endOwnedBy(token: string, last: SentEvent): void {
    for (const stream of [...(this.#byToken.get(token) ?? [])]) {
      if (this.#live.has(stream)) stream.end();
      else stream.endWith(last);
    }
  }

  /**
   * Ends every stream with `last`, a frame that is never stored: each reader gets what is queued
   * or held back for it, then `last`, and its stream ends. One still catching up is sent no more
   * history, which is about to be gone.
   */
  endAll(last?: Uint8Array): void {
    for (const stream of [...this.#all]) stream.end(last);
  }

  /** Makes the streams of a session that ended anonymous; they keep receiving events. */
  disown(token: string): void {
    for (const stream of [...(this.#byToken.get(token) ?? [])]) this.#own(stream, undefined);
  }

  /** Bytes waiting for readers to take them, queued or held back, over all streams. */
  queuedBytes(): number {
    let total = 0;
    for (const stream of this.#all) total += stream.backlog;
    return total;
  }

  countOwnedBy(token: string): number {
    return this.#byToken.get(token)?.size ?? 0;
  }

  countFrom(client: string): number {
    return this.#fromClient.get(client) ?? 0;
  }

  #own(stream: SubscriberStream, token: string | undefined): void {
    if (stream.token !== undefined) removeFrom(this.#byToken, stream.token, stream);
    stream.token = token;
    if (token !== undefined) addTo(this.#byToken, token, stream);
  }

  #remove(stream: SubscriberStream): void {
    if (!this.#all.delete(stream)) return;
    this.#live.delete(stream);
    if (stream.token !== undefined) removeFrom(this.#byToken, stream.token, stream);
    if (stream.pendingToken !== undefined) removeFrom(this.#byPendingToken, stream.pendingToken, stream);
    if (stream.client !== undefined) bump(this.#fromClient, stream.client, -1);
    if (this.#all.size === 0 && this.#heartbeat !== undefined) {
      clearInterval(this.#heartbeat);
      this.#heartbeat = undefined;
    }
    try {
      this.#onRemoved(stream);
    } catch (error) {
      // A failure here must not stop a broadcast midway through the other readers.
      console.error(JSON.stringify({ event: "stream_close_failed", error: String(error) }));
    }
  }
}
