/**
 * A Durable Object holding many readers of one room inside workerd, so that they need no socket:
 * each opens its stream through the product Worker's own `fetch` (Worker → room → hand-off →
 * relay, as a reader from outside would), reads its body to the end with the tests' SSE parser,
 * and records every benchmark message it receives in a delivery ledger. A stream that ends or
 * fails is opened again with Last-Event-ID, as EventSource would.
 */
import { DurableObject } from "cloudflare:workers";
import worker from "../../../src/index";
import { SseEventParser } from "../../../test/support/sse-events";
import { DeliveryLedger } from "../../accounting";
import { benchSequence } from "../../bench-message";
import type { FarmProgress } from "../farm-route";

/** The farm's requests name this origin; the Worker only reads their path and headers. */
const ORIGIN = "http://reader-farm.invalid";

/** What EventSource waits before opening a stream again when the stream did not say. */
const DEFAULT_RETRY_MS = 1000;

export class ReaderFarm extends DurableObject<Env> {
  #room = "";
  #ledger = new DeliveryLedger(0);
  #readers = 0;
  #connected = new Set<number>();
  #refused = 0;
  #reopened = 0;
  #firstError: string | null = null;

  /**
   * Opens `count` readers of `room` and returns once they are under way; their streams outlive
   * this call, as a Durable Object's requests share one I/O context.
   */
  open(room: string, count: number): void {
    if (this.#readers > 0) throw new Error("this farm's readers are already open");
    this.#room = room;
    this.#readers = count;
    this.#ledger = new DeliveryLedger(count);
    for (let index = 0; index < count; index++) this.ctx.waitUntil(this.#read(index));
  }

  /** What the farm's readers have received of the acknowledged messages, by sequence number. */
  progress(acknowledged: number[]): FarmProgress {
    const { expected, delivered, lost, duplicated, outOfOrder } = this.#ledger.summarize(acknowledged);
    return {
      readers: this.#readers,
      connected: this.#connected.size,
      refused: this.#refused,
      firstError: this.#firstError,
      reopened: this.#reopened,
      expected,
      delivered,
      lost,
      duplicated,
      outOfOrder,
    };
  }

  /** Reader `index`'s stream, read until the room refuses it, opened again whenever it ends. */
  async #read(index: number): Promise<void> {
    const parser = new SseEventParser(({ data, id }) => {
      const seq = benchSequence(data);
      if (seq !== -1) this.#ledger.record(index, seq, id === undefined ? -1 : Number(id), 0);
    });
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) {
        this.#reopened++;
        await new Promise((resolve) => setTimeout(resolve, parser.retry ?? DEFAULT_RETRY_MS));
      }
      const headers = new Headers();
      if (parser.lastEventId !== undefined) headers.set("Last-Event-ID", parser.lastEventId);
      // Without `cf`, as workerd alone gives every request: the Worker places the reader's relay in region "local".
      const request = new Request(`${ORIGIN}/r/${encodeURIComponent(this.#room)}/stream`, {
        headers,
      }) as Request<unknown, IncomingRequestCfProperties>;
      try {
        const response = await worker.fetch(request, this.env, this.#executionContext);
        if (response.status !== 200 || response.body === null) {
          this.#refused++;
          this.#firstError ??= `stream answered ${response.status}: ${(await response.text()).slice(0, 200)}`;
          return;
        }
        this.#connected.add(index);
        const decoder = new TextDecoder();
        for await (const chunk of response.body) parser.feed(decoder.decode(chunk, { stream: true }));
      } catch (error) {
        this.#firstError ??= `stream failed: ${String(error)}`;
      }
    }
  }

  /**
   * What the Worker's `fetch` is given as its context: the product's Worker only hands it on, so
   * the object's own `waitUntil` stands in for a request's.
   */
  readonly #executionContext = {
    waitUntil: (promise: Promise<unknown>) => this.ctx.waitUntil(promise),
    passThroughOnException: () => undefined,
    props: undefined,
  } as unknown as ExecutionContext;
}
