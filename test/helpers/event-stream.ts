/** One parsed SSE event, as an EventSource would dispatch it. */
export interface ReceivedEvent {
  event: string;
  data: string;
  id: string | undefined;
}

/** The JSON a chat event carries. */
export interface ChatData {
  name: string;
  msg: string;
  kind: string;
  user: string;
  at: number;
}

/**
 * Reads an SSE response the way the EventSource spec parses it, with a timeout on every wait
 * so a missing event fails the test instead of hanging it.
 */
export class EventStreamReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = "";
  #ended = false;
  /** A read still outstanding after a timeout; the next wait takes it over so no chunk is lost. */
  #pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  /** Everything received, comments included, for byte-level assertions. */
  raw = "";
  /** Comment lines seen, e.g. heartbeats. */
  comments = 0;
  retry: number | undefined;
  lastEventId: string | undefined;

  constructor(response: Response) {
    if (!response.body) throw new Error("response has no body");
    this.#reader = response.body.getReader();
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** The next dispatched event (comments and retry-only blocks are not events). */
  async next(timeoutMs = 2000): Promise<ReceivedEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = this.#takeEvent();
      if (event) return event;
      if (this.#ended) throw new Error("stream ended while waiting for an event");
      await this.#fill(deadline - Date.now());
    }
  }

  /** The next default-type (chat) event, parsed. Named control events are skipped. */
  async nextChat(timeoutMs = 2000): Promise<{ id: number; data: ChatData }> {
    for (;;) {
      const event = await this.next(timeoutMs);
      if (event.event !== "message") continue;
      return { id: Number(event.id), data: JSON.parse(event.data) as ChatData };
    }
  }

  /** Chat events until one matches, returning all read up to and including it. */
  async chatUntil(
    predicate: (data: ChatData, id: number) => boolean,
    timeoutMs = 3000,
  ): Promise<{ id: number; data: ChatData }[]> {
    const seen: { id: number; data: ChatData }[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = await this.nextChat(Math.max(1, deadline - Date.now()));
      seen.push(event);
      if (predicate(event.data, event.id)) return seen;
    }
  }

  /** Resolves true if the stream ends (or errors) within the timeout, false otherwise. */
  async endsWithin(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#ended) {
      const left = deadline - Date.now();
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
    const deadline = Date.now() + timeoutMs;
    while (this.comments < count) {
      this.#takeEvent();
      if (this.comments >= count) return;
      await this.#fill(deadline - Date.now());
    }
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => undefined);
  }

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
      this.#buffer += text;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  /** Parses one complete block from the buffer, per the EventSource spec's field rules. */
  #takeEvent(): ReceivedEvent | undefined {
    for (;;) {
      const end = /\r\n\r\n|\n\n|\r\r/.exec(this.#buffer);
      if (!end) return undefined;
      const block = this.#buffer.slice(0, end.index);
      this.#buffer = this.#buffer.slice(end.index + end[0].length);
      let event = "message";
      const data: string[] = [];
      let hasData = false;
      for (const line of block.split(/\r\n|\r|\n/)) {
        if (line.startsWith(":")) {
          this.comments++;
          continue;
        }
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        let value = colon === -1 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        // An empty event type dispatches as the default, "message", as the spec says.
        if (field === "event") event = value === "" ? "message" : value;
        else if (field === "data") {
          data.push(value);
          hasData = true;
        } else if (field === "id") this.lastEventId = value;
        else if (field === "retry") this.retry = Number(value);
      }
      if (hasData) return { event, data: data.join("\n"), id: this.lastEventId };
    }
  }
}

export class TimeoutError extends Error {
  constructor() {
    super("timed out waiting for the event stream");
  }
}
