import { UNKNOWN_ADDRESS } from "../common/client-address";
import type { RoomConfig } from "../common/config";
import { RateLimiter } from "../common/rate-limit";
import { fail, type Result } from "../common/result";
import { newToken } from "../common/token";
import { nameKey } from "../common/validate";
import { type ChatEvent, joinEvent, leaveEvent } from "../log/chat-event";
import type { Moderation } from "../moderation/moderation";
import type { Credential } from "../moderation/room-keys";
import type { Presence } from "./presence";
import type { Joined, OnlineUser } from "./room-answers";
import type { RoomReaders } from "./room-readers";
import type { SentKeys } from "./sent-keys";
import type { Session, SessionStore } from "./session-store";
import { nameTaken } from "./taken-names";

/** What the participants of a room need of the rest of it. */
export interface ParticipantParts {
  config: Readonly<RoomConfig>;
  sessions: SessionStore;
  sentKeys: SentKeys;
  presence: Presence;
  moderation: Moderation;
  readers: RoomReaders;
  /** Stores an event, sends it to every stream and returns its id. */
  publish: (event: ChatEvent) => number;
}

/** A join as the Worker hands it on, already validated. */
export interface JoinRequest {
  name: string;
  token?: string;
  pendingToken?: string;
  client?: string;
  credential?: Credential;
}

/**
 * Who is in a room: joining, renaming and leaving, the checks every act of a participant goes
 * through, and the paces each one is held to. Sessions end here, and with them everything the
 * room kept for them, so the room's memory follows who is present.
 */
export class Participants {
  readonly #parts: ParticipantParts;
  readonly #rateLimiter: RateLimiter;
  readonly #joinLimiter: RateLimiter;
  readonly #typingLimiter: RateLimiter;

  constructor(parts: ParticipantParts) {
    this.#parts = parts;
    const { config } = parts;
    this.#rateLimiter = new RateLimiter(config.rateBurst, config.ratePerSecond);
    this.#joinLimiter = new RateLimiter(config.joinBurst, config.joinsPerSecond);
    // One signal an interval, with one more allowed at once so that network jitter between a
    // page's evenly paced signals is never refused.
    this.#typingLimiter = new RateLimiter(2, 1000 / config.typingIntervalMs);
  }

  /** Addresses and sessions the paces hold a bucket for. */
  get limiterKeys(): number {
    return this.#joinLimiter.size + this.#rateLimiter.size + this.#typingLimiter.size;
  }

  /** Joins under `name`, or renames the caller's session; announces it to everyone. */
  join(request: JoinRequest): Result<Joined> {
    const { sessions, moderation, presence, readers } = this.#parts;
    const now = Date.now();
    const current = request.token === undefined ? undefined : sessions.get(request.token);
    // Joining costs nothing to repeat but fills the history and the session table, so each
    // address may only do it at a measured pace.
    const waitMs = this.#joinLimiter.take(request.client ?? UNKNOWN_ADDRESS, now);
    if (waitMs > 0) {
      return fail(429, "rate_limited", "Too many joins from your address; wait a moment.", Math.ceil(waitMs / 1000));
    }
    const keptOut = moderation.keptOut(request.token, request.client, now);
    if (keptOut) return keptOut;
    const claim = { name: request.name, token: current?.token, mark: moderation.markFor(request.credential) };
    const taken = nameTaken(this.#parts, claim, false);
    if (taken) return taken;
    this.#expire(now);

    if (current) {
      const renamed = current.name !== request.name;
      // Saved before publishing: a reader cut off by a broadcast updates the stored session.
      sessions.save({ ...current, name: request.name, online: true, seenAt: now });
      moderation.seen(current.token, request.client);
      moderation.joined(current.token, request.credential);
      if (renamed && current.online) this.#parts.publish(leaveEvent(current.name, now));
      if (renamed || !current.online) this.#parts.publish(this.joinEvent(current.token, request.name, now));
      presence.seen(current.token, now);
      return this.#joined(request.name, current.token, false);
    }

    // A reader whose stream was opened before joining holds a pending token; adopting it
    // makes those streams count for the new participant's presence.
    // The session gets a token of its own, never the pending one, which the client could have
    // been handed by someone else.
    const token = newToken();
    const pending = request.pendingToken;
    const adopted = pending !== undefined && !sessions.get(pending) ? readers.adopt(pending, token) : 0;
    sessions.save({ token, name: request.name, online: true, seenAt: now, streaming: adopted > 0 });
    moderation.seen(token, request.client);
    moderation.joined(token, request.credential);
    presence.seen(token, now);
    this.#parts.publish(this.joinEvent(token, request.name, now));
    return this.#joined(request.name, token, true);
  }

  /** Ends a session; everyone is told the participant left. */
  leave(request: { token: string; names?: readonly string[] }): Result<{ name: string }> {
    const authorized = this.authorize(request.token, request.names);
    if (!authorized.ok) return authorized;
    const { session } = authorized;
    this.#endAnnounced(session, Date.now());
    return { ok: true, name: session.name };
  }

  /**
   * Ends the session of a participant a moderator removed. Everyone is told they left, as for a
   * leave: the original chat's clients show nothing else of a removal.
   */
  removed(token: string, now: number): void {
    const session = this.#parts.sessions.get(token);
    if (session) this.#endAnnounced(session, now);
  }

  /** The caller's session, if the token names one and every name it gives is that session's. */
  authorize(token: string, names: readonly string[] = []): Result<{ session: Session }> {
    const session = this.#parts.sessions.get(token);
    if (!session) {
      return (
        this.#parts.moderation.keptOut(token, undefined, Date.now()) ??
        fail(401, "not_joined", "Join the room first; your session is unknown or has expired.")
      );
    }
    const other = names.find((name) => nameKey(name) !== nameKey(session.name));
    if (other !== undefined) {
      return fail(403, "wrong_name", `You joined as ${session.name} and cannot act as ${other}.`);
    }
    return { ok: true, session };
  }

  /**
   * What every visible act of a participant costs and brings: it is paced per session, and it
   * brings back a participant who had been announced as left.
   */
  participate(session: Session, now: number): Result<object> {
    const { sessions, presence } = this.#parts;
    if (!session.online) {
      const mark = this.#parts.moderation.mark(session.token);
      const taken = nameTaken(this.#parts, { name: session.name, token: session.token, mark }, true);
      if (taken) return taken;
    }
    const waitMs = this.#rateLimiter.take(session.token, now);
    if (waitMs > 0) {
      return fail(429, "rate_limited", "You are sending too fast; wait a moment.", Math.ceil(waitMs / 1000));
    }
    sessions.save({ ...session, online: true, seenAt: now });
    if (!session.online) this.#parts.publish(this.joinEvent(session.token, session.name, now));
    presence.seen(session.token, now);
    return { ok: true };
  }

  /** How long the participant must wait before signalling that they type; 0 for not at all. */
  typingWait(token: string, now: number): number {
    return this.#typingLimiter.take(token, now);
  }

  /**
   * A message ends what its author was typing, and every page clears their typing line when it
   * arrives; so the pace of typing signals starts afresh, and typing the next message at once is
   * shown at once.
   */
  sent(token: string): void {
    this.#typingLimiter.forget(token);
  }

  /** Who is in the room now, by name. */
  users(): OnlineUser[] {
    const { sessions, moderation } = this.#parts;
    return sessions.onlineNames().map((name) => {
      const token = sessions.onlineByName(name)?.token;
      const role = token === undefined ? undefined : moderation.mark(token);
      return role === undefined ? { name } : { name, role };
    });
  }

  /** Announces as left every participant who has had no stream for the grace period. */
  leaveIdle(now: number): void {
    const { sessions, presence } = this.#parts;
    for (const session of presence.due(sessions.online(), now)) {
      sessions.save({ ...session, online: false });
      this.#forgetPresent(session.token);
      this.#parts.publish(leaveEvent(session.name, now));
    }
    this.#expire(now);
    presence.schedule(sessions.online());
  }

  /** Ends a session: its token is refused from now on, and its streams no longer count for it. */
  #end(token: string): void {
    this.#parts.sessions.delete(token);
    this.#parts.sentKeys.forgetSession(token);
    this.#forgetPresent(token);
    this.#parts.readers.disown(token);
    this.#parts.moderation.forgetSessions(token);
  }

  /** Ends the sessions idle past their time to live, and what was kept for them. */
  #expire(now: number): void {
    if (this.#parts.sessions.expire(now - this.#parts.config.sessionTtlMs) > 0) {
      this.#parts.sentKeys.forgetEndedSessions();
      this.#parts.moderation.forgetSessions();
    }
  }

  /** A join, with how the online list marks the one who joined. */
  joinEvent(token: string, name: string, now: number): ChatEvent {
    const role = this.#parts.moderation.mark(token);
    return role === undefined ? joinEvent(name, now) : { ...joinEvent(name, now), role };
  }

  /** Ends a session and, if its participant was online, tells everyone they left. */
  #endAnnounced(session: Session, now: number): void {
    this.#end(session.token);
    if (session.online) this.#parts.publish(leaveEvent(session.name, now));
  }

  /** Forgets what the room keeps only while a participant is present: their deadline and their paces. */
  #forgetPresent(token: string): void {
    this.#parts.presence.forget(token);
    this.#rateLimiter.forget(token);
    this.#typingLimiter.forget(token);
    this.#parts.moderation.forget(token);
  }

  /** The answer to a join: the session, and the authority it holds here, if any. */
  #joined(name: string, token: string, created: boolean): Result<Joined> {
    const role = this.#parts.moderation.mark(token);
    return role === undefined ? { ok: true, name, token, created } : { ok: true, name, token, created, role };
  }
}
