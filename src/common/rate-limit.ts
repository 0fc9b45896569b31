/**
 * A token bucket: `burst` actions at once, then `perSecond` actions a second.
 * Time is passed in so the bucket holds no clock of its own.
 */
export class TokenBucket {
  readonly #burst: number;
  readonly #perMs: number;
  #tokens: number;
  #updatedAt: number;

  constructor(burst: number, perSecond: number, now: number) {
    this.#burst = burst;
    this.#perMs = perSecond / 1000;
    this.#tokens = burst;
    this.#updatedAt = now;
  }

  /** Takes one token if there is one. Returns 0 on success, else milliseconds until one is due. */
  take(now: number): number {
    this.#tokens = this.#available(now);
    this.#updatedAt = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.#tokens) / this.#perMs);
  }

  /** Whether the bucket has refilled completely, and so acts exactly as a new one would. */
  isFull(now: number): boolean {
    return this.#available(now) >= this.#burst;
  }

  #available(now: number): number {
    return Math.min(this.#burst, this.#tokens + (now - this.#updatedAt) * this.#perMs);
  }
}

/** The fewest buckets a limiter lets itself hold before it looks for full ones to forget. */
const MIN_SWEEP_SIZE = 64;

/**
 * Keeps one bucket per key, made on first use. A bucket that has refilled is forgotten, since a
 * new one would act the same, so the limiter holds only keys that acted recently, however many
 * came by before. Full buckets are looked for each time the number held has doubled since the
 * last look: the cost stays constant per `take`, and no timer is needed.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #burst: number;
  readonly #perSecond: number;
  #sweepAtSize = MIN_SWEEP_SIZE;

  constructor(burst: number, perSecond: number) {
    this.#burst = burst;
    this.#perSecond = perSecond;
  }

  /** How many keys have a bucket. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Returns 0 when `key` may act now, else milliseconds to wait. */
  take(key: string, now: number): number {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= this.#sweepAtSize) this.#sweep(now);
      bucket = new TokenBucket(this.#burst, this.#perSecond, now);
      this.#buckets.set(key, bucket);
    }
    return bucket.take(now);
  }

  forget(key: string): void {
    this.#buckets.delete(key);
  }

  #sweep(now: number): void {
    for (const [key, bucket] of this.#buckets) if (bucket.isFull(now)) this.#buckets.delete(key);
    this.#sweepAtSize = Math.max(MIN_SWEEP_SIZE, 2 * this.#buckets.size);
  }
}
