import { createParser, type EventSourceMessage } from "eventsource-parser";
import type { UpstreamRequest } from "../streams/relay-protocol";

/** What an upstream needs of its relay. */
export interface UpstreamParts {
  /** What to ask the room, made afresh each time: it resumes after the last event the relay holds. */
  request: () => UpstreamRequest;
  /** Sends the request to the room. */
  open: (request: UpstreamRequest) => Promise<Response>;
  /** Each event the room sends, in order; comments (heartbeats) are not events. */
  event: (message: EventSourceMessage) => void;
  /** How long the room's stream may be silent (it sends heartbeats) before it is taken as lost. */
  silenceMs: number;
}

const FIRST_RETRY_MS = 50;
const LAST_RETRY_MS = 2000;

/**
 * A relay's one stream from its room, kept open while the relay serves anyone: whenever it
 * ends, fails or goes silent (the room restarted, was deployed, or cut off a relay that fell
 * behind) it is opened again, resuming after the last event the relay holds, sooner the
 * first time and less often after.
 */
export class Upstream {
  readonly #parts: UpstreamParts;
  #running = false;
  /** Bumped on each start, so that a loop left from before a stop ends rather than running twice. */
  #generation = 0;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;

  constructor(parts: UpstreamParts) {
    this.#parts = parts;
  }

  get running(): boolean {
    return this.#running;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    void this.#keepOpen(++this.#generation);
  }

  stop(): void {
    this.#running = false;
    this.#reader?.cancel().catch(() => undefined);
  }

  async #keepOpen(generation: number): Promise<void> {
    let retryMs = FIRST_RETRY_MS;
    const current = () => this.#running && generation === this.#generation;
    while (current()) {
      try {
        const response = await this.#parts.open(this.#parts.request());
        if (!response.ok || response.body === null) {
          await response.body?.cancel();
          throw new Error(`the room answered ${response.status}`);
        }
        retryMs = FIRST_RETRY_MS;
        await this.#read(response.body, current);
      } catch (error) {
        console.warn(JSON.stringify({ event: "relay_upstream_lost", error: String(error) }));
      }
      if (!current()) return;
      await new Promise((resolve) => setTimeout(resolve, retryMs));
      retryMs = Math.min(retryMs * 2, LAST_RETRY_MS);
    }
  }

  async #read(body: ReadableStream<Uint8Array>, current: () => boolean): Promise<void> {
    // Stopped while the room was being asked: a stream left unread would be held for nobody.
    if (!current()) return body.cancel();
    const reader = body.getReader();
    this.#reader = reader;
    const decoder = new TextDecoder();
    const parser = createParser({
      onEvent: (message) => {
        try {
          this.#parts.event(message);
        } catch (error) {
          console.error(JSON.stringify({ event: "relay_event_failed", error: String(error) }));
        }
      },
    });
    let silence: ReturnType<typeof setTimeout> | undefined;
    const watch = () => {
      clearTimeout(silence ?? null);
      silence = setTimeout(() => reader.cancel().catch(() => undefined), this.#parts.silenceMs);
    };
    try {
      watch();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        if (!current()) return reader.cancel();
        watch();
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } finally {
      clearTimeout(silence ?? null);
      if (this.#reader === reader) this.#reader = undefined;
      reader.releaseLock();
    }
  }
}
