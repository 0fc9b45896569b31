import type { RoomConfig } from "../common/config";
import { fail, type Result } from "../common/result";
import { newToken } from "../common/token";
import type { Moderation } from "../moderation/moderation";
import type { SubscriberStream } from "../streams/subscriber-stream";
import type { Subscribers } from "../streams/subscribers";
import type { CatchUp } from "./catch-up";
import type { Presence } from "./presence";
import type { SubscribeRequest } from "./room-stream";
import type { Session, SessionStore } from "./session-store";
import { nameTaken } from "./taken-names";

/** What deciding on a stream needs of the room. */
export interface AdmissionParts {
  config: Readonly<RoomConfig>;
  subscribers: Subscribers;
  sessions: SessionStore;
  presence: Presence;
  moderation: Moderation;
  /** What a new stream is sent first (see catch-up.ts), and where its replay starts. */
  greeting: (lastEventId: number | undefined) => ReturnType<CatchUp["greeting"]>;
  /** Announces a participant who had been announced as left and is back. */
  comesBack: (session: Session, now: number) => void;
}

/**
 * Who may open a stream to the room, and what opening and closing one means for a participant:
 * a stream counts for its session's presence, brings back a participant announced as left, and
 * the last one closed starts the grace period after which they are announced as left.
 */
export class StreamAdmission {
  readonly #parts: AdmissionParts;

  constructor(parts: AdmissionParts) {
    this.#parts = parts;
  }

  /** Opens a stream for a request the room accepts, or says why it does not. */
  open(request: SubscribeRequest): Result<{ stream: ReadableStream<Uint8Array>; newPendingToken?: string }> {
    const { token, strict, pendingToken: presentedPending, lastEventId, client } = request;
    if (this.#parts.subscribers.size >= this.#parts.config.maxSubscribers) {
      return fail(503, "room_full", "This room has as many listeners as it can take; try again shortly.", 5);
    }
    if (client !== undefined && this.#parts.subscribers.countFrom(client) >= this.#parts.config.maxStreamsPerClient) {
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
    const stream = this.#parts.subscribers.open(greeting, afterId, {
      token: session?.token,
      pendingToken,
      client,
    });
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

  /** A stream has closed: the session's last one starts its grace period. */
  closed(stream: SubscriberStream): void {
    if (stream.token === undefined || this.#parts.subscribers.countOwnedBy(stream.token) > 0) return;
    const session = this.#parts.sessions.get(stream.token);
    if (!session) return;
    const now = Date.now();
    this.#parts.sessions.save({ ...session, streaming: false, seenAt: now });
    if (session.online) this.#parts.presence.seen(session.token, now);
  }
}
