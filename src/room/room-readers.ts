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

  /** Opens a relay's own stream from the room, replacing any it had: a relay reads one. */
  openUpstream(relay: string, greeting: Uint8Array, afterId: number): ReadableStream<Uint8Array> {
    this.#upstreams.get(relay)?.end();
    const owner = { id: `${UPSTREAM_ID_PREFIX}${relay}`, token: undefined, pendingToken: undefined };
    const live = () => encoder.encode(relayCommandFrame({ op: "live", afterId: this.#lastId() }));
    const stream = this.direct.openStream(greeting, afterId, owner, live);
    this.#upstreams.set(relay, stream);
    for (const frame of this.#unsent.get(relay) ?? []) stream.send(frame);
    this.#unsent.delete(relay);
    return stream.readable;
  }

  /**
   * Called for every stream of the room's own that closed: a relay's stream from the room
   * closing takes with it what the room counted on that relay, which the relay tells again
   * when it reads from the room anew. Returns the relayed streams so forgotten.
   */
  closed(stream: { id?: string | undefined }): RelayedStream[] {
    if (!stream.id?.startsWith(UPSTREAM_ID_PREFIX)) return [];
    const relay = stream.id.slice(UPSTREAM_ID_PREFIX.length);
    if (this.#upstreams.get(relay) !== stream) return [];
    this.#upstreams.delete(relay);
    const gone = this.relayed.on(relay);
    for (const entry of gone) this.relayed.remove(entry.id);
    this.#unsent.delete(relay);
    return gone;
  }

  /** Whether `stream` is a relay's stream from the room rather than a reader's. */
  /**
   * Forgets the streams handed to relays that never began reading from the room, a while after
   * they were handed over: the Worker that carried one went away before reaching the relay.
   * Returns them.
   */
  forgetUnreached(before: number): RelayedStream[] {
    const gone: RelayedStream[] = [];
    for (const relay of this.relayed.relayNames()) {
      if (this.#upstreams.has(relay)) continue;
      gone.push(...this.relayed.removeMissing(relay, new Set(), before));
      if (this.relayed.countOn(relay) === 0) this.#unsent.delete(relay);
    }
    return gone;
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

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
