import { addTo, bump, removeFrom } from "../common/index-maps";
import type { RelayedStream } from "../streams/relay-protocol";

/** A stream a relay serves, as the room counts it, and when the room admitted it. */
interface Relayed extends RelayedStream {
  relay: string;
  admittedAt: number;
}

/**
 * The streams a room's relays serve, counted as the room counts its own: by session, pending
 * token and address, and by relay. Each entry is added when the room admits a stream, and goes
 * when its relay says it closed, when the relay's count of what it serves leaves it out, or a
 * while after the relay stopped reading from the room without coming back. So what it holds is
 * bounded by the readers there are.
 */
export class RelayedReaders {
  readonly #byId = new Map<string, Relayed>();
  readonly #byRelay = new Map<string, Set<Relayed>>();
  readonly #byToken = new Map<string, Set<Relayed>>();
  readonly #byPendingToken = new Map<string, Set<Relayed>>();
  readonly #fromClient = new Map<string, number>();

  get size(): number {
    return this.#byId.size;
  }

  /** Relays serving at least one stream. */
  get relays(): number {
    return this.#byRelay.size;
  }

  /** The relays serving at least one stream. */
  relayNames(): string[] {
    return [...this.#byRelay.keys()];
  }

  countOn(relay: string): number {
    return this.#byRelay.get(relay)?.size ?? 0;
  }

  countOwnedBy(token: string): number {
    return this.#byToken.get(token)?.size ?? 0;
  }

  countFrom(client: string): number {
    return this.#fromClient.get(client) ?? 0;
  }

  /** The relays serving a session's streams. */
  relaysOf(token: string): Set<string> {
    return relaysIn(this.#byToken.get(token));
  }

  /** The relays serving streams given `pendingToken`. */
  relaysPending(pendingToken: string): Set<string> {
    return relaysIn(this.#byPendingToken.get(pendingToken));
  }

  /** The streams a relay serves, as the room counts them. */
  on(relay: string): RelayedStream[] {
    return [...(this.#byRelay.get(relay) ?? [])];
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  /** A stream as the room counts it: whose it is now, by what the room has done since. */
  get(id: string): RelayedStream | undefined {
    return this.#byId.get(id);
  }

  add(relay: string, stream: RelayedStream, now: number): void {
    if (this.#byId.has(stream.id)) return;
    const entry: Relayed = { ...stream, relay, admittedAt: now };
    this.#byId.set(entry.id, entry);
    addTo(this.#byRelay, relay, entry);
    if (entry.token !== undefined) addTo(this.#byToken, entry.token, entry);
    if (entry.pendingToken !== undefined) addTo(this.#byPendingToken, entry.pendingToken, entry);
    if (entry.client !== undefined) bump(this.#fromClient, entry.client, 1);
  }

  /** Forgets a stream; returns it as it was counted, if it was. */
  remove(id: string): RelayedStream | undefined {
    const entry = this.#byId.get(id);
    if (!entry) return undefined;
    this.#byId.delete(id);
    removeFrom(this.#byRelay, entry.relay, entry);
    if (entry.token !== undefined) removeFrom(this.#byToken, entry.token, entry);
    if (entry.pendingToken !== undefined) removeFrom(this.#byPendingToken, entry.pendingToken, entry);
    if (entry.client !== undefined) bump(this.#fromClient, entry.client, -1);
    return entry;
  }

  /** Forgets the streams of `relay` admitted before `before` that are not among `ids`; returns them. */
  removeMissing(relay: string, ids: ReadonlySet<string>, before: number): RelayedStream[] {
    const gone = this.on(relay).filter((entry) => !ids.has(entry.id) && (entry as Relayed).admittedAt < before);
    for (const entry of gone) this.remove(entry.id);
    return gone;
  }

  /** Hands the streams given `pendingToken` to the session `token`; returns how many. */
  adopt(pendingToken: string, token: string): number {
    const entries = this.#byPendingToken.get(pendingToken);
    if (!entries) return 0;
    this.#byPendingToken.delete(pendingToken);
    for (const entry of entries) {
      entry.pendingToken = undefined;
      this.#own(entry, token);
    }
    return entries.size;
  }

  /** Makes a session's streams anonymous. */
  disown(token: string): void {
    for (const entry of [...(this.#byToken.get(token) ?? [])]) this.#own(entry, undefined);
  }

  #own(entry: Relayed, token: string | undefined): void {
    if (entry.token !== undefined) removeFrom(this.#byToken, entry.token, entry);
    entry.token = token;
    if (token !== undefined) addTo(this.#byToken, token, entry);
  }
}

function relaysIn(entries: Set<Relayed> | undefined): Set<string> {
  return new Set([...(entries ?? [])].map((entry) => entry.relay));
}
