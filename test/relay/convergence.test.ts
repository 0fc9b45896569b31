import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { convergenceProperty, type ReaderMoves, untilCounted } from "../support/workers/convergence-property";
import { roomStats } from "../support/workers/relay-readers";
import { relayOf } from "../support/workers/relays";

/** Readers cut and resumed in each run, besides the one that stays, the one that comes in partway and the one at the end. */
const RESUMING = 3;
/**
 * Relays a run may use: one for every reader but the room's own, and one more for each cut
 * reader, whose old relay may still count it while it resumes on another.
 */
const SHARDS = 2 * RESUMING + 2;

/** Readers' streams each place serves: the room itself first, then relay local/0, local/1, … */
async function served(room: string): Promise<number[]> {
  const relays = Array.from({ length: SHARDS }, (_, shard) => relayOf(room, shard).stats());
  const direct = (await roomStats(room)).directReaders;
  return [direct, ...(await Promise.all(relays)).map((relay) => relay.readers)];
}

/**
 * Follows where each resuming reader is served (0 the room, k + 1 relay local/k) by what each
 * place serves before and after it opens, and counts the moves from one place to another.
 */
class Placements implements ReaderMoves {
  /** Each move seen, as "room to relay", "relay to the same relay", …, and how often. */
  readonly switches = new Map<string, number>();
  readonly #places = new Map<string, number>();
  #served: number[] = [];
  /** The places of readers cut whose streams the room may still count. */
  #leaving: number[] = [];

  async before(room: string, cut: readonly number[]): Promise<void> {
    this.#served = await served(room);
    this.#leaving = cut.map((reader) => this.#places.get(`${room} ${reader}`) ?? -1);
  }

  async opened(room: string, reader: number, open: number): Promise<void> {
    await untilCounted(room, open);
    const now = await served(room);
    const left = this.#leaving;
    const gained = now.map(
      (count, place) => count - (this.#served[place] ?? 0) + left.filter((p) => p === place).length,
    );
    this.#served = now;
    this.#leaving = [];
    expect(gained.filter((count) => count !== 0)).toEqual([1]);
    const to = gained.indexOf(1);
    const key = `${room} ${reader}`;
    const from = this.#places.get(key);
    this.#places.set(key, to);
    if (from === undefined) return;
    const kind =
      from === 0
        ? `room to ${to === 0 ? "room" : "relay"}`
        : `relay to ${to === 0 ? "room" : from === to ? "the same relay" : "another relay"}`;
    this.switches.set(kind, (this.switches.get(kind) ?? 0) + 1);
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("convergence through relays", () => {
  it("gives readers cut anywhere, resuming on the room, the same relay or another, the same view as one that stayed", async () => {
    const moves = new Placements();
    // Cuts are most of what happens here, so that readers move between the room and relays often.
    await fc.assert(convergenceProperty({ resuming: RESUMING, throughRelays: true, cutWeight: 4, moves }), {
      numRuns: 25,
    });
    // Every switch happened: where a reader resumes depends on what the room has counted
    // gone, and on who resumed first.
    expect([...moves.switches.keys()]).toEqual(
      expect.arrayContaining(["room to relay", "relay to the same relay", "relay to another relay", "relay to room"]),
    );
  }, 120_000);
});
