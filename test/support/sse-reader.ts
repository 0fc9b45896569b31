import type { ChatEvent } from "../../src/log/chat-event.ts";
import { type SseEvent, SseEventParser } from "./sse-events.ts";

/** A chat (default-type) event as received: its id, and its JSON parsed. */
export interface ReceivedChat {
  id: number;
  data: ChatEvent;
}

/** A wait on the stream that ran out of time. */
export class TimeoutError extends Error {
  constructor(detail = "") {
    super(`timed out waiting for the event stream${detail}`);
  }
}

/**
 * Reads a streamed SSE response event by event, with a timeout on every wait (timed by
 * `performance.now`, so that a test moving `Date.now` on does not stop the waits from ending), so that a missing
 * event fails a test instead of hanging it. Call {@link cancel} when done, whatever happened:
 * an unread stream holds its subscriber open on the server.
 */
export class EventStreamReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  readonly #parser: SseEventParser;
  readonly #events: SseEvent[] = [];
  #ended = false;
  /** A read still outstanding after a timeout; the next wait takes it over so no chunk is lost. */
  #pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  /** Everything received, comments included, for byte-level assertions. */
  raw = "";

  constructor(response: Response) {
    if (!response.body) throw new Error("response has no body");
    this.#reader = response.body.getReader();
    this.#parser = new SseEventParser((event) => this.#events.push(event));
  }

  /** Whether the stream has ended or failed. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Comment lines received so far, such as heartbeats. */
  get comments(): number {
    return this.#parser.comments;
  }

  /** The stream's `retry:` value, once sent. */
  get retry(): number | undefined {
    return this.#parser.retry;
  }

  /** The stream's last event id, as EventSource would send it on reconnecting. */
  get lastEventId(): string | undefined {
    return this.#parser.lastEventId;
  }

  /** The next dispatched event (comments and blocks without data are not events). */
  async next(timeoutMs = 2000): Promise<SseEvent> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const event = this.#events.shift();
      if (event) return event;
      if (this.#ended) throw new Error("stream ended while waiting for an event");
      await this.#fill(deadline - performance.now());
    }
  }

  /** Events until one matches, returning all read up to and including it. */
  async until(predicate: (event: SseEvent) => boolean, timeoutMs = 3000): Promise<SseEvent[]> {
    const seen: SseEvent[] = [];
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      let event: SseEvent;
      try {
        event = await this.next(deadline - performance.now());
      } catch (error) {
        const detail = `; events so far: ${JSON.stringify(seen)}`;
        throw error instanceof TimeoutError ? new TimeoutError(detail) : new Error(`${String(error)}${detail}`);
      }
      seen.push(event);
      if (predicate(event)) return seen;
    }
  }

  /** The next default-type (chat) event, parsed. Named control events are skipped. */
  async nextChat(timeoutMs = 2000): Promise<ReceivedChat> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const event = await this.next(deadline - performance.now());
      if (event.event === "message") return { id: Number(event.id), data: JSON.parse(event.data) as ChatEvent };
    }
  }

  /** Chat events until one matches, returning all read up to and including it. */
  async chatUntil(predicate: (data: ChatEvent, id: number) => boolean, timeoutMs = 3000): Promise<ReceivedChat[]> {
    const seen: ReceivedChat[] = [];
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const event = await this.nextChat(Math.max(1, deadline - performance.now()));
      seen.push(event);
      if (predicate(event.data, event.id)) return seen;
    }
  }

  /** Resolves true if the stream ends (or fails) within the timeout, false otherwise. */
  async endsWithin(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (!this.#ended) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      try {
        await this.#fill(left);
      } catch (error) {
        if (error instanceof TimeoutError) return false;
        this.#ended = true;
      }
    }
    return true;
  }

  /** Waits until at least `count` comments have arrived. */
  async commentsAtLeast(count: number, timeoutMs = 3000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.comments < count) {
      if (this.#ended) throw new Error(`stream ended after ${this.comments} comments`);
      await this.#fill(deadline - performance.now());
    }
  }

  /** Stops reading and lets the server know; never fails. */
  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => undefined);
  }

  /** Reads one chunk into the parser, or marks the stream ended; throws TimeoutError past `timeoutMs`. */
  async #fill(timeoutMs: number): Promise<void> {
    if (timeoutMs <= 0) throw new TimeoutError();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError()), timeoutMs);
    });
    try {
      if (!this.#pending) {
        this.#pending = this.#reader.read();
        // Whoever awaits it next sees a failure; until then it must not count as unhandled.
        this.#pending.catch(() => undefined);
      }
      const { done, value } = await Promise.race([this.#pending, timeout]);
      this.#pending = undefined;
      if (done) {
        this.#ended = true;
        return;
      }
      const text = this.#decoder.decode(value, { stream: true });
      this.raw += text;
      this.#parser.feed(text);
    } catch (error) {
      // A failed read ends the stream; a timeout leaves the read pending for the next wait.
      if (!(error instanceof TimeoutError)) {
        this.#pending = undefined;
        this.#ended = true;
      }
      throw error;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }
}
