import { addTo } from "../common/index-maps";
import {
  RELAY_COMMAND_EVENT,
  type RelayCommand,
  type RelayedStream,
  relayCommandFrame,
  relayInRoom,
} from "../streams/relay-protocol";
import type { SentEvent, SubscriberStream } from "../streams/subscriber-stream";
import type { Subscribers } from "../streams/subscribers";
import { RelayedReaders } from "./relayed-readers";

const encoder = new TextEncoder();

/** How long a relay has to take a stream the room handed it before its count may leave the stream out. */
export const HAND_OFF_MS = 30_000;

/**
 * How long the room goes on counting a relay's readers after the relay's stream from it ended:
 * a relay that lives reads again within its retry (2 s at most); one that restarted lost them.
 */
export const RELAY_RETURN_MS = 5_000;

/** How a relay's own stream from the room is told apart from a reader's. */
const UPSTREAM_ID_PREFIX = `${RELAY_COMMAND_EVENT}:`;

/**
 * Every reader of a room, wherever it is served: the streams the room holds itself, and those
 * its relays serve, each relay reading one stream of its own from the room. What the room asks
 * of its readers (how many a session or an address has, handing an anonymous reader's streams
 * to its new session, ending a removed participant's) reaches both; a relay is told in its
 * stream, once it has the events before.
 */
export class RoomReaders {
  readonly direct: Subscribers;
  readonly relayed = new RelayedReaders();
  /** Each relay's stream from the room, by the relay's name within the room. */
  readonly #upstreams = new Map<string, SubscriberStream>();
  /**
   * Commands for relays the room has handed streams to and that do not read from it yet (they
   * have just started, or their stream from the room is being opened again): sent first thing.
   */
  readonly #unsent = new Map<string, Set<Uint8Array>>();
  /** When each relay whose stream from the room ended lost it, until it reads again or is forgotten. */
  readonly #lostAt = new Map<string, number>();
  readonly #perObject: number;
  readonly #lastId: () => number;

  /**
   * @param perObject streams one object serves: the room's own before relays take new ones, and each relay's
   * @param lastId the room's newest event id, which a command to a relay waits for
   */
  constructor(direct: Subscribers, perObject: number, lastId: () => number) {
    this.direct = direct;
    this.#perObject = perObject;
    this.#lastId = lastId;
  }

  /** Every reader's stream, through relays included. */
  get size(): number {
    return this.directSize + this.relayed.size;
  }

  /** The room's newest event id. */
  get lastId(): number {
    return this.#lastId();
  }

  /** Readers' streams the room holds itself. */
  get directSize(): number {
    return this.direct.size - this.#upstreams.size;
  }

  countOwnedBy(token: string): number {
    return this.direct.countOwnedBy(token) + this.relayed.countOwnedBy(token);
  }

  countFrom(client: string): number {
    return this.direct.countFrom(client) + this.relayed.countFrom(client);
  }

  /**
   * The relay a new stream from `region` goes to, or undefined while the room serves fewer
   * than its share itself. Relays fill one after another, so a region uses as few as it can.
   */
  relayFor(region: string): string | undefined {
    if (this.directSize < this.#perObject) return undefined;
    for (let shard = 0; ; shard++) {
      const relay = relayInRoom(region, shard);
      if (this.relayed.countOn(relay) < this.#perObject) return relay;
    }
  }

  /** Hands the anonymous streams given `pendingToken` to the session `token`; returns how many. */
  adopt(pendingToken: string, token: string): number {
    this.#command(this.relayed.relaysPending(pendingToken), { op: "adopt", pendingToken, token });
    return this.direct.adopt(pendingToken, token) + this.relayed.adopt(pendingToken, token);
  }

  /** Makes the streams of a session that ended anonymous; they keep receiving events. */
  disown(token: string): void {
    this.#command(this.relayed.relaysOf(token), { op: "disown", token });
    this.direct.disown(token);
    this.relayed.disown(token);
  }

  /**
   * Ends every stream of a session with `last`, an event just published. Relays end theirs
   * once they have sent it, and say so; until then they count.
   */
  endOwnedBy(token: string, last: SentEvent): void {
    this.#command(this.relayed.relaysOf(token), { op: "end", token });
    this.direct.endOwnedBy(token, last);
  }

  /** Relays reading a stream from the room now. */
  get relaysReading(): number {
    return this.#upstreams.size;
  }

  /** Whether streams are counted on a relay that does not read from the room now. */
  countsForAbsentRelays(): boolean {
    return this.relayed.relayNames().some((relay) => !this.#upstreams.has(relay));
  }

  /** Whether `relay` reads a stream from the room now. */
  reading(relay: string): boolean {
    return this.#upstreams.has(relay);
  }

  /**
   * Opens a relay's own stream from the room, replacing any it had: a relay reads one. `listed`
   * is every stream the relay serves as it opens it: the rest of what the room counted on it is
   * forgotten if it was handed over before the relay's stream before this one ended (now, if it
   * is replaced), or long enough ago to have reached it. Returns the streams so forgotten.
   */
  openUpstream(
    relay: string,
    greeting: Uint8Array,
    afterId: number,
    listed: ReadonlySet<string>,
  ): { readable: ReadableStream<Uint8Array>; forgotten: RelayedStream[] } {
    const replaced = this.#upstreams.get(relay);
    const now = Date.now();
    const lostAt = replaced ? now : this.#lostAt.get(relay);
    replaced?.end();
    const owner = { id: `${UPSTREAM_ID_PREFIX}${relay}`, token: undefined, pendingToken: undefined };
    const live = () => encoder.encode(relayCommandFrame({ op: "live", afterId: this.#lastId() }));
    const stream = this.direct.openStream(greeting, afterId, owner, live);
    this.#upstreams.set(relay, stream);
    this.#lostAt.delete(relay);
    for (const frame of this.#unsent.get(relay) ?? []) stream.send(frame);
    this.#unsent.delete(relay);
    return { readable: stream.readable, forgotten: this.relayed.removeMissing(relay, listed, gonePast(now, lostAt)) };
  }

  /**
   * Called for every stream of the room's own that closed; answers whether it was a relay's
   * stream from the room. Its readers stay counted, and commands for it wait, while it reads
   * from the room anew, as a relay that lives does at once; if it does not come back (it
   * restarted, and lost its readers), {@link forgetUnreached} forgets them.
   */
  upstreamClosed(stream: { id?: string | undefined }): boolean {
    if (!stream.id?.startsWith(UPSTREAM_ID_PREFIX)) return false;
    const relay = stream.id.slice(UPSTREAM_ID_PREFIX.length);
    if (this.#upstreams.get(relay) !== stream) return false;
    this.#upstreams.delete(relay);
    this.#lostAt.set(relay, Date.now());
    return true;
  }

  /**
   * Forgets what relays that do not read from the room were counted for: streams handed to
   * one over {@link HAND_OFF_MS} ago, which never reached it (the Worker that carried one went
   * away), and every stream of one that lost its stream from the room over
   * {@link RELAY_RETURN_MS} ago without reading again. Returns them.
   */
  forgetUnreached(now: number): RelayedStream[] {
    const gone: RelayedStream[] = [];
    for (const relay of this.relayed.relayNames()) {
      if (this.#upstreams.has(relay)) continue;
      const lostAt = this.#lostAt.get(relay);
      if (lostAt !== undefined && now - lostAt < RELAY_RETURN_MS) continue;
      gone.push(...this.relayed.removeMissing(relay, new Set(), gonePast(now, lostAt)));
    }
    for (const relay of new Set([...this.#unsent.keys(), ...this.#lostAt.keys()])) {
      if (this.#upstreams.has(relay) || this.relayed.countOn(relay) > 0) continue;
      this.#unsent.delete(relay);
      this.#lostAt.delete(relay);
    }
    return gone;
  }

  /** Tells one relay to end a session's streams it serves: the session was removed. */
  endOn(relay: string, token: string): void {
    this.#command([relay], { op: "end", token });
  }

  /** Tells one relay the anonymous streams given `pendingToken` are the session `token`'s. */
  adoptOn(relay: string, pendingToken: string, token: string): void {
    this.#command([relay], { op: "adopt", pendingToken, token });
  }

  /** Tells one relay a session it counted a stream for has ended. */
  disownOn(relay: string, token: string): void {
    this.#command([relay], { op: "disown", token });
  }

  #command(relays: Iterable<string>, command: DistributiveOmit<RelayCommand, "afterId">): void {
    let frame: Uint8Array | undefined;
    for (const relay of relays) {
      frame ??= encoder.encode(relayCommandFrame({ ...command, afterId: this.#lastId() } as RelayCommand));
      const upstream = this.#upstreams.get(relay);
      if (upstream) upstream.send(frame);
      else addTo(this.#unsent, relay, frame);
    }
  }
}

/**
 * Streams counted on a relay admitted before this are gone when the relay does not have them:
 * handed over before its stream from the room ended at `lostAt`, or long enough ago to have
 * reached it.
 */
function gonePast(now: number, lostAt: number | undefined): number {
  return Math.max(now - HAND_OFF_MS, lostAt === undefined ? 0 : lostAt + 1);
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
