import { createParser, type EventSourceParser } from "eventsource-parser";

/** One event as EventSource dispatches it. */
export interface SseEvent {
  /** The event type: "message" when the stream named none, or an empty one. */
  event: string;
  data: string;
  /** The stream's last event id at dispatch; it carries over from earlier events, as in EventSource. */
  id: string | undefined;
}

/**
 * Turns the text of an event stream into events exactly as EventSource would, on
 * eventsource-parser. Two rules the parser leaves to its caller are kept here: the last event id
 * outlives the event that set it (the parser reports each event's own `id:` field only), and an
 * event without a type is a "message". Every reader of event streams, in the tests and in the
 * benchmark, goes through this class, so they cannot disagree on the format.
 */
export class SseEventParser {
  readonly #parser: EventSourceParser;
  #lastEventId: string | undefined;
  #retry: number | undefined;
  #comments = 0;

  /** `onEvent` is called synchronously, from {@link feed}, for every event dispatched. */
  constructor(onEvent: (event: SseEvent) => void) {
    this.#parser = createParser({
      // Called before the event it belongs to, and for blocks that carry an id but no data.
      onId: (id) => {
        this.#lastEventId = id;
      },
      onEvent: ({ event, data }) => onEvent({ event: event ?? "message", data, id: this.#lastEventId }),
      onRetry: (ms) => {
        this.#retry = ms;
      },
      onComment: () => {
        this.#comments++;
      },
    });
  }

  /** The last event id the stream set, as EventSource would send it on reconnecting. */
  get lastEventId(): string | undefined {
    return this.#lastEventId;
  }

  /** The reconnection delay the stream last asked for, in milliseconds. */
  get retry(): number | undefined {
    return this.#retry;
  }

  /** Comment lines seen so far, such as heartbeats. */
  get comments(): number {
    return this.#comments;
  }

  /** Feeds the next piece of the stream's text; it may end anywhere, even inside a CRLF. */
  feed(text: string): void {
    this.#parser.feed(text);
  }
}
