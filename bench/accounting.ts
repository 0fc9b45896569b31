/**
 * What every subscriber received, checked against what was sent: lost, duplicated and
 * out-of-order deliveries, and the latency of each delivery.
 */

export interface DeliverySummary {
  /** Deliveries that should have happened: acknowledged messages times subscribers. */
  expected: number;
  /** Deliveries that did happen, duplicates included. */
  delivered: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** A growable set of small non-negative integers. */
class SeenSet {
  #bits = new Uint8Array(64);

  has(n: number): boolean {
    return n >> 3 < this.#bits.length && ((this.#bits[n >> 3] ?? 0) & (1 << (n & 7))) !== 0;
  }

  add(n: number): void {
    const byte = n >> 3;
    if (byte >= this.#bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.#bits.length * 2));
      grown.set(this.#bits);
      this.#bits = grown;
    }
    this.#bits[byte] = (this.#bits[byte] ?? 0) | (1 << (n & 7));
  }
}

export class DeliveryLedger {
  readonly #seen: SeenSet[];
  /** The highest event id each subscriber has received: ids must only grow. */
  readonly #lastId: Float64Array;
  #latencies = new Float64Array(1 << 16);
  #count = 0;
  #duplicated = 0;
  #outOfOrder = 0;

  constructor(subscribers: number) {
    this.#seen = Array.from({ length: subscribers }, () => new SeenSet());
    this.#lastId = new Float64Array(subscribers).fill(-1);
  }

  /**
   * Records that `subscriber` received the publisher's message `seq` as event `id`,
   * `latencyMs` after it was due to be sent. Publishers post concurrently, so the server may
   * order messages otherwise than their sequence numbers: order is checked by event id.
   */
  record(subscriber: number, seq: number, id: number, latencyMs: number): void {
    const seen = this.#seen[subscriber];
    if (!seen) throw new RangeError(`no subscriber ${subscriber}`);
    if (seen.has(seq)) {
      this.#duplicated++;
      return;
    }
    seen.add(seq);
    if (id <= (this.#lastId[subscriber] ?? -1)) this.#outOfOrder++;
    else this.#lastId[subscriber] = id;
    if (this.#count === this.#latencies.length) {
      const grown = new Float64Array(this.#latencies.length * 2);
      grown.set(this.#latencies);
      this.#latencies = grown;
    }
    this.#latencies[this.#count++] = latencyMs;
  }

  /** Deliveries recorded so far, duplicates left out. */
  get distinct(): number {
    return this.#count;
  }

  /** Checks every subscriber against the messages the server acknowledged. */
  summarize(acknowledged: readonly number[]): DeliverySummary {
    let lost = 0;
    for (const seen of this.#seen) for (const seq of acknowledged) if (!seen.has(seq)) lost++;
    const sorted = this.#latencies.slice(0, this.#count).sort();
    return {
      expected: acknowledged.length * this.#seen.length,
      delivered: this.#count + this.#duplicated,
      lost,
      duplicated: this.#duplicated,
      outOfOrder: this.#outOfOrder,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      maxMs: sorted.length === 0 ? 0 : (sorted[sorted.length - 1] ?? 0),
    };
  }
}

/** The nearest-rank percentile of sorted values; 0 for none. */
export function percentile(sorted: ArrayLike<number>, fraction: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank] ?? 0;
}
