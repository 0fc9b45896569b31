import { DurableObject } from "cloudflare:workers";
import { type ChatEvent, joinEvent, leaveEvent, messageEvent } from "./chat-event";
import { type RoomConfig, readConfig } from "./config";
import { EventLog, type StoredEvent } from "./event-log";
import { RateLimiter } from "./rate-limit";
import { failureResponse } from "./responses";
import { fail, type Result } from "./result";
import { fromRoomRequest, PENDING_TOKEN_HEADER, STREAM_HEADERS } from "./room-stream";
import { type Session, SessionStore } from "./session-store";
import { encodeComment, encodeMessage, encodeRetry } from "./sse";
import { type Subscriber, Subscribers } from "./subscribers";
import { newToken } from "./token";

export interface Joined {
  name: string;
  token: string;
  /** False when the caller was already in the room under this name. */
  created: boolean;
}

export interface OnlineUser {
  name: string;
}

export interface RoomStats {
  subscribers: number;
  online: number;
  lastEventId: number;
}

const encoder = new TextEncoder();

/**
 * One chat room: its history, its participants, and an SSE stream per subscriber.
 * Called by the Worker, which has already parsed and validated every argument: over RPC for
 * commands, through `fetch` for streams (see room-stream.ts).
 */
export class ChatRoom extends DurableObject<Env> {
  readonly #config: RoomConfig;
  readonly #log: EventLog;
  readonly #sessions: SessionStore;
  readonly #subscribers: Subscribers;
  readonly #rateLimiter: RateLimiter;
  /** When each online participant was last known to be there, for those without a stream. */
  readonly #lastSeen = new Map<string, number>();
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #alarmAt: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#config = readConfig(env);
    this.#log = new EventLog(ctx.storage.sql, this.#config.historyRetained);
    this.#sessions = new SessionStore(ctx.storage.sql);
    this.#subscribers = new Subscribers(this.#config.maxBacklogBytes, (subscriber) => this.#streamClosed(subscriber));
    this.#rateLimiter = new RateLimiter(this.#config.rateBurst, this.#config.ratePerSecond);
    // Streams do not survive a restart, so everyone online is counted from now: clients
    // reconnecting within the grace period are not announced as having left.
    const now = Date.now();
    for (const session of this.#sessions.online()) this.#lastSeen.set(session.token, now);
    void ctx.blockConcurrencyWhile(async () => {
      this.#alarmAt = await ctx.storage.getAlarm();
      this.#schedulePresenceCheck();
    });
  }

  /** Opens an event stream: history (or what was missed since `lastEventId`), then live events. */
  override async fetch(request: Request): Promise<Response> {
    const subscribe = fromRoomRequest(request);
    if (this.#subscribers.size >= this.#config.maxSubscribers) {
      return failureResponse(
        fail(503, "room_full", "This room has as many listeners as it can take; try again shortly.", 5),
      );
    }
    const session = subscribe.token === undefined ? undefined : this.#sessions.get(subscribe.token);
    if (!session && subscribe.strict) {
      return failureResponse(fail(401, "not_joined", "Your session is unknown or has expired; join the room again."));
    }
    const pendingToken = session ? undefined : newToken();
    const { stream } = this.#subscribers.open(encoder.encode(this.#greeting(subscribe.lastEventId)), {
      token: session?.token,
      pendingToken,
    });
    this.#ensureHeartbeat();
    if (session) this.#comeBack(session);
    const headers = new Headers(STREAM_HEADERS);
    if (pendingToken !== undefined) headers.set(PENDING_TOKEN_HEADER, pendingToken);
    return new Response(stream, { headers });
  }

  /** Joins under `name`, or renames the caller's session; announces it to everyone. */
  join(request: { name: string; token?: string }): Result<Joined> {
    const now = Date.now();
    const current = request.token === undefined ? undefined : this.#sessions.get(request.token);
    const holder = this.#sessions.onlineByName(request.name);
    if (holder && holder.token !== current?.token) {
      return fail(409, "name_taken", `Someone in this room is already called ${holder.name}; pick another name.`);
    }
    this.#sessions.expire(now - this.#config.sessionTtlMs);

    if (current) {
      const renamed = current.name !== request.name;
      if (renamed && current.online) this.#publish(leaveEvent(current.name, now));
      const announce = renamed || !current.online;
      this.#sessions.save({ ...current, name: request.name, online: true, seenAt: now });
      if (announce) this.#publish(joinEvent(request.name, now));
      this.#seen(current.token, now);
      return { ok: true, name: request.name, token: current.token, created: false };
    }

    // A reader that opened its stream before joining holds a pending token; adopting it
    // makes that stream count for the new participant's presence.
    const pending = request.token !== undefined && this.#subscribers.adopt(request.token) > 0;
    const token = pending && request.token !== undefined ? request.token : newToken();
    this.#sessions.save({ token, name: request.name, online: true, seenAt: now });
    this.#seen(token, now);
    this.#publish(joinEvent(request.name, now));
    return { ok: true, name: request.name, token, created: true };
  }

  /** Ends a session; everyone is told the participant left. */
  leave(request: { token: string; name?: string }): Result<{ name: string }> {
    const authorized = this.#authorize(request.token, request.name);
    if (!authorized.ok) return authorized;
    const { session } = authorized;
    this.#sessions.delete(session.token);
    this.#rateLimiter.forget(session.token);
    this.#lastSeen.delete(session.token);
    this.#subscribers.disown(session.token);
    if (session.online) this.#publish(leaveEvent(session.name, Date.now()));
    return { ok: true, name: session.name };
  }

  /** Posts a message as the session's participant and returns the event id it got. */
  post(request: { token: string; msg: string; name?: string }): Result<{ id: number }> {
    const authorized = this.#authorize(request.token, request.name);
    if (!authorized.ok) return authorized;
    const { session } = authorized;
    const now = Date.now();
    const waitMs = this.#rateLimiter.take(session.token, now);
    if (waitMs > 0) {
      return fail(429, "rate_limited", "You are sending messages too fast; wait a moment.", Math.ceil(waitMs / 1000));
    }
    if (!session.online) {
      const holder = this.#sessions.onlineByName(session.name);
      if (holder) {
        return fail(409, "name_taken", `Someone else joined as ${holder.name} while you were away; join again.`);
      }
      this.#publish(joinEvent(session.name, now));
    }
    this.#sessions.save({ ...session, online: true, seenAt: now });
    this.#seen(session.token, now);
    return { ok: true, id: this.#publish(messageEvent(session.name, request.msg, now)) };
  }

  /** Who is in the room now, by name. */
  users(): OnlineUser[] {
    return this.#sessions
      .online()
      .map((session) => ({ name: session.name }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Counters for operators and tests: open streams, online participants, newest event id. */
  stats(): RoomStats {
    return {
      subscribers: this.#subscribers.size,
      online: this.#sessions.online().length,
      lastEventId: this.#log.lastId,
    };
  }

  /** Announces as left every participant who has had no stream for the grace period. */
  override async alarm(): Promise<void> {
    this.#alarmAt = null;
    const now = Date.now();
    for (const session of this.#sessions.online()) {
      const seen = this.#lastSeen.get(session.token) ?? now;
      if (this.#subscribers.countOwnedBy(session.token) > 0) continue;
      if (now - seen < this.#config.presenceGraceMs) continue;
      this.#sessions.save({ ...session, online: false, seenAt: seen });
      this.#lastSeen.delete(session.token);
      this.#rateLimiter.forget(session.token);
      this.#publish(leaveEvent(session.name, now));
    }
    this.#sessions.expire(now - this.#config.sessionTtlMs);
    this.#schedulePresenceCheck();
  }

  #authorize(token: string, name: string | undefined): Result<{ session: Session }> {
    const session = this.#sessions.get(token);
    if (!session) return fail(401, "not_joined", "Join the room first; your session is unknown or has expired.");
    if (name !== undefined && name !== session.name) {
      return fail(403, "wrong_name", `You joined as ${session.name} and cannot act as ${name}.`);
    }
    return { ok: true, session };
  }

  /** What a new stream starts with: the reconnect delay, who is here, then history. */
  #greeting(lastEventId: number | undefined): string {
    let text = encodeRetry(this.#config.reconnectDelayMs);
    text += encodeMessage({ event: "presence", data: JSON.stringify({ users: this.users() }) });
    let history: StoredEvent[];
    if (lastEventId === undefined) {
      history = this.#log.latest(this.#config.historyOnConnect);
    } else {
      const oldest = this.#log.oldestId() ?? this.#log.lastId + 1;
      const lost = lastEventId > this.#log.lastId || lastEventId < oldest - 1;
      if (lost) {
        // The reader missed events that are gone (or holds an id this room never issued):
        // say so before the replay, so the client knows its view has a hole.
        text += encodeMessage({
          event: "gap",
          data: JSON.stringify({ lastEventId, oldestId: oldest, latestId: this.#log.lastId }),
        });
      }
      history =
        lastEventId > this.#log.lastId ? this.#log.latest(this.#config.historyOnConnect) : this.#log.after(lastEventId);
    }
    for (const event of history) text += encodeMessage({ id: event.id, data: event.data });
    return text;
  }

  /** Stores an event, sends it to every stream, and returns its id. */
  #publish(event: ChatEvent): number {
    const data = JSON.stringify(event);
    const id = this.#log.append(data);
    this.#subscribers.broadcast(encoder.encode(encodeMessage({ id, data })));
    return id;
  }

  /** A stream opened for a known session: it counts as present again. */
  #comeBack(session: Session): void {
    const now = Date.now();
    this.#seen(session.token, now);
    if (session.online) return;
    if (this.#sessions.onlineByName(session.name)) return;
    this.#sessions.save({ ...session, online: true, seenAt: now });
    this.#publish(joinEvent(session.name, now));
  }

  #streamClosed(subscriber: Subscriber): void {
    if (this.#subscribers.size === 0) this.#stopHeartbeat();
    if (subscriber.token === undefined) return;
    if (this.#subscribers.countOwnedBy(subscriber.token) > 0) return;
    this.#seen(subscriber.token, Date.now());
  }

  #seen(token: string, now: number): void {
    this.#lastSeen.set(token, now);
    // Any alarm already set is due no later than this participant's deadline, and the alarm
    // looks at everyone, so only an unset alarm needs setting.
    if (this.#alarmAt === null && this.#subscribers.countOwnedBy(token) === 0) {
      this.#setAlarm(now + this.#config.presenceGraceMs);
    }
  }

  /** Sets the alarm for the earliest moment someone without a stream may have to be announced as left. */
  #schedulePresenceCheck(): void {
    let due: number | undefined;
    for (const session of this.#sessions.online()) {
      if (this.#subscribers.countOwnedBy(session.token) > 0) continue;
      const at = (this.#lastSeen.get(session.token) ?? Date.now()) + this.#config.presenceGraceMs;
      if (due === undefined || at < due) due = at;
    }
    if (due === undefined) return;
    if (this.#alarmAt !== null && this.#alarmAt <= due) return;
    this.#setAlarm(due);
  }

  #setAlarm(at: number): void {
    this.#alarmAt = at;
    void this.ctx.storage.setAlarm(at);
  }

  #ensureHeartbeat(): void {
    if (this.#heartbeat !== undefined) return;
    const beat = encoder.encode(encodeComment("heartbeat"));
    this.#heartbeat = setInterval(() => this.#subscribers.broadcast(beat), this.#config.heartbeatMs);
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat === undefined) return;
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }
}
