import type { RoomConfig } from "../common/config";
import { fail, type Result } from "../common/result";
import { newToken } from "../common/token";
import type { Moderation } from "../moderation/moderation";
import type { RelayedStream, UpstreamRequest } from "../streams/relay-protocol";
import type { CatchUp } from "./catch-up";
import type { Presence } from "./presence";
import { HAND_OFF_MS, RELAY_RETURN_MS, type RoomReaders } from "./room-readers";
import type { SubscribeRequest } from "./room-stream";
import type { Session, SessionStore } from "./session-store";
import { nameTaken } from "./taken-names";

const decoder = new TextDecoder();

/** What deciding on a stream needs of the room. */
export interface AdmissionParts {
  config: Readonly<RoomConfig>;
  readers: RoomReaders;
  sessions: SessionStore;
  presence: Presence;
  moderation: Moderation;
  /** What a new stream is sent first (see catch-up.ts), and where its replay starts. */
  greeting: (lastEventId: number | undefined) => ReturnType<CatchUp["greeting"]>;
  /** Where a relay's stream from the room resumes (see catch-up.ts). */
  upstreamStart: CatchUp["upstreamStart"];
  /** Announces a participant who had been announced as left and is back. */
  comesBack: (session: Session, now: number) => void;
}

/** A stream the room admitted and hands to one of its relays, which sends it `greeting` and every event after `afterId`. */
export interface HandOff {
  relay: string;
  stream: RelayedStream;
  greeting: string;
  afterId: number;
}

/**
 * Who may open a stream to the room, and what opening and closing one means for a participant:
 * a stream counts for its session's presence, brings back a participant announced as left, and
 * the last one closed starts the grace period after which they are announced as left. A stream
 * a relay serves counts as one the room serves itself.
 */
export class StreamAdmission {
  readonly #parts: AdmissionParts;
  /** The next look for what relays were counted for in vain, and when it is due. */
  #forgetting: { timer: ReturnType<typeof setTimeout>; at: number } | undefined;

  constructor(parts: AdmissionParts) {
    this.#parts = parts;
  }

  /** Opens a stream for a request the room accepts, or says why it does not. */
  open(request: SubscribeRequest): Result<{ stream: ReadableStream<Uint8Array> | HandOff; newPendingToken?: string }> {
    const { token, strict, pendingToken: presentedPending, lastEventId, client } = request;
    const { readers } = this.#parts;
    this.#forgetUnreached();
    if (readers.size >= this.#parts.config.maxSubscribers) {
      return fail(503, "room_full", "This room has as many listeners as it can take; try again shortly.", 5);
    }
    if (client !== undefined && readers.countFrom(client) >= this.#parts.config.maxStreamsPerClient) {
      return fail(429, "too_many_streams", "Too many streams to this room from your address; close some first.", 5);
    }
    const keptOut = this.#parts.moderation.keptOut(token, client, Date.now());
    if (keptOut) return keptOut;
    const session = token === undefined ? undefined : this.#parts.sessions.get(token);
    if (session) this.#parts.moderation.seen(session.token, client);
    if (!session && strict) {
      return fail(401, "not_joined", "Your session is unknown or has expired; join the room again.");
    }
    // An anonymous reader keeps the pending token it already holds, so that all of its tabs'
    // streams are adopted together when it joins.
    const reusable = presentedPending !== undefined && !this.#parts.sessions.get(presentedPending);
    const pendingToken = session ? undefined : reusable ? presentedPending : newToken();

    const { greeting, afterId } = this.#parts.greeting(lastEventId);
    const owner = { token: session?.token, pendingToken, client };
    const relay = readers.relayFor(request.region ?? "");
    let stream: ReadableStream<Uint8Array> | HandOff;
    if (relay === undefined) {
      stream = readers.direct.open(greeting, afterId, owner);
    } else {
      const relayed = { id: newToken(), since: readers.lastId, ...withoutUndefined(owner) };
      readers.relayed.add(relay, relayed, Date.now());
      // A quiet room looks again later, should the stream never reach a relay that does not read yet.
      if (!readers.reading(relay)) this.#forgetAfter(HAND_OFF_MS);
      stream = { relay, stream: relayed, greeting: decoder.decode(greeting), afterId };
    }
    if (session) this.#opened(session);
    return pendingToken !== undefined && pendingToken !== presentedPending
      ? { ok: true, stream, newPendingToken: pendingToken }
      : { ok: true, stream };
  }

  /**
   * A stream opened for a known session: it counts as present, and comes back if it had left,
   * unless its name is now someone else's or looks like it (then it reads, and joins again).
   */
  #opened(session: Session): void {
    const comesBack = !session.online && !this.#nameTaken(session);
    if (!comesBack) {
      if (!session.streaming) this.#parts.sessions.save({ ...session, streaming: true });
      return;
    }
    const now = Date.now();
    this.#parts.sessions.save({ ...session, online: true, streaming: true, seenAt: now });
    this.#parts.comesBack(session, now);
  }

  #nameTaken(session: Session): boolean {
    const mark = this.#parts.moderation.mark(session.token);
    return nameTaken(this.#parts, { name: session.name, token: session.token, mark }, true) !== undefined;
  }

  /**
   * Opens a relay's stream from the room, resuming after the last event the relay holds, and
   * counts the streams the relay serves as it lists them: after the room restarted it is how
   * the room knows them again. Where the room knows better (the relay missed commands in a
   * stream from the room that ended before it read them), the relay is told again: a removed
   * session's streams end, an ended one's become anonymous, an adopted one's are its session's.
   */
  openUpstream(request: UpstreamRequest): ReadableStream<Uint8Array> {
    const { readers, sessions, moderation } = this.#parts;
    const { relay } = request;
    const { greeting, afterId } = this.#parts.upstreamStart(request.lastEventId);
    const listedIds = new Set(request.streams.map(({ id }) => id));
    const { readable, forgotten } = readers.openUpstream(relay, greeting, afterId, listedIds);
    const now = Date.now();
    for (const listed of request.streams) {
      const counted = readers.relayed.get(listed.id);
      const session = listed.token === undefined ? undefined : sessions.get(listed.token);
      if (counted === undefined) readers.relayed.add(relay, { ...listed, token: session?.token }, now);
      const token = counted === undefined ? session?.token : counted.token;
      if (listed.token !== undefined && listed.token !== token) {
        if (moderation.keptOut(listed.token, undefined, now)) readers.endOn(relay, listed.token);
        else readers.disownOn(relay, listed.token);
      } else if (listed.token === undefined && listed.pendingToken !== undefined && token !== undefined) {
        readers.adoptOn(relay, listed.pendingToken, token);
      }
      const owner = token === listed.token ? session : token === undefined ? undefined : sessions.get(token);
      if (owner) this.#opened(owner);
    }
    // Once the streams it lists count again, so that a session they share is not taken as gone.
    for (const gone of forgotten) this.closed(gone);
    return readable;
  }

  /** Looks for what relays were counted for in vain once `ms` have passed, unless a look is due by then. */
  #forgetAfter(ms: number): void {
    const at = Date.now() + ms + 100;
    if (this.#forgetting !== undefined && this.#forgetting.at <= at) return;
    clearTimeout(this.#forgetting?.timer ?? null);
    const timer = setTimeout(() => {
      this.#forgetting = undefined;
      this.#forgetUnreached();
      if (this.#parts.readers.countsForAbsentRelays()) this.#forgetAfter(HAND_OFF_MS);
    }, at - Date.now());
    this.#forgetting = { timer, at };
  }

  #forgetUnreached(): void {
    for (const stream of this.#parts.readers.forgetUnreached(Date.now())) this.closed(stream);
  }

  /** A relay's streams closed. */
  relayedClosed(ids: readonly string[]): void {
    for (const id of ids) {
      const gone = this.#parts.readers.relayed.remove(id);
      if (gone) this.closed(gone);
    }
  }

  /**
   * What a relay serves now, as it counts it: a stream the room handed it a while ago that it
   * does not hold never reached it (the Worker that carried it went away), so it counts no more.
   */
  relayCounted(relay: string, ids: readonly string[]): void {
    const gone = this.#parts.readers.relayed.removeMissing(relay, new Set(ids), Date.now() - HAND_OFF_MS);
    for (const stream of gone) this.closed(stream);
  }

  /** A stream has closed: the session's last one starts its grace period. */
  closed(stream: { id?: string | undefined; token?: string | undefined }): void {
    if (this.#parts.readers.upstreamClosed(stream)) {
      // Its relay reads from the room again within moments; if it does not, its readers count no more.
      this.#forgetAfter(RELAY_RETURN_MS);
      return;
    }
    if (stream.token === undefined || this.#parts.readers.countOwnedBy(stream.token) > 0) return;
    const session = this.#parts.sessions.get(stream.token);
    if (!session) return;
    const now = Date.now();
    this.#parts.sessions.save({ ...session, streaming: false, seenAt: now });
    if (session.online) this.#parts.presence.seen(session.token, now);
  }
}

/** An owner without its absent fields, as it travels to a relay. */
function withoutUndefined(owner: {
  token?: string;
  pendingToken?: string;
  client?: string;
}): Omit<RelayedStream, "id"> {
  return Object.fromEntries(Object.entries(owner).filter(([, value]) => value !== undefined));
}
