import { DurableObject } from "cloudflare:workers";
import { CatchUp } from "./catch-up";
import { type ChatEvent, joinEvent, leaveEvent, messageEvent, type RoomEvent, sseEventName } from "./chat-event";
import { type RoomConfig, readConfig } from "./config";
import { type EventLinks, EventLog } from "./event-log";
import { MessageChanges, type PlannedChange } from "./message-changes";
import { Moderation, type ModerationDone, type ModerationRequest } from "./moderation";
import { Presence } from "./presence";
import { RateLimiter } from "./rate-limit";
import { Reactions } from "./reactions";
import { Removals } from "./removals";
import { failureResponse } from "./responses";
import { fail, type Result } from "./result";
import type { ChangeMade, Joined, OnlineUser, RoomStats } from "./room-answers";
import { RoomControl } from "./room-control";
import type { Credential } from "./room-keys";
import { fromRoomRequest, NEW_PENDING_TOKEN_HEADER } from "./room-stream";
import { SentKeys } from "./sent-keys";
import { type Session, SessionStore } from "./session-store";
import { encodeMessage } from "./sse";
import { StreamAdmission } from "./stream-admission";
import { Subscribers } from "./subscribers";
import { newToken } from "./token";
import { nameKey } from "./validate";

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
  readonly #sentKeys: SentKeys;
  readonly #changes: MessageChanges;
  readonly #control: RoomControl;
  readonly #moderation: Moderation;
  readonly #subscribers: Subscribers;
  readonly #presence: Presence;
  readonly #rateLimiter: RateLimiter;
  readonly #joinLimiter: RateLimiter;
  readonly #typingLimiter: RateLimiter;
  readonly #catchUp: CatchUp;
  readonly #streams: StreamAdmission;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#config = readConfig(env);
    this.#log = new EventLog(ctx.storage.sql, this.#config.historyRetained);
    this.#catchUp = new CatchUp(this.#log, this.#config);
    this.#sessions = new SessionStore(ctx.storage.sql);
    this.#sentKeys = new SentKeys(ctx.storage.sql, this.#config.keysPerSession);
    this.#changes = new MessageChanges(this.#log, new Reactions(ctx.storage.sql), this.#config);
    this.#control = new RoomControl(ctx.storage.sql);
    this.#moderation = new Moderation(
      this.#control,
      this.#changes,
      new Removals(ctx.storage.sql),
      {
        onlineByName: (name) => this.#sessions.onlineByName(name),
        end: (token) => {
          this.#subscribers.endOwnedBy(token);
          this.#endSession(token);
        },
      },
      (event, links) => this.#publish(event, links),
      () => this.#log.removeRoomEvents("settings"),
      ctx.storage.sql,
    );
    this.#subscribers = new Subscribers(
      this.#config.maxBacklogBytes,
      this.#config.maxRoomBacklogBytes,
      this.#config.heartbeatMs,
      (afterId) => this.#catchUp.page(afterId),
      (stream) => this.#streams.closed(stream),
    );
    this.#presence = new Presence(
      this.#config.presenceGraceMs,
      (token) => this.#subscribers.countOwnedBy(token),
      (at) => {
        ctx.storage.setAlarm(at).catch((error: unknown) => {
          console.error(JSON.stringify({ event: "alarm_not_set", error: String(error) }));
        });
      },
    );
    this.#streams = new StreamAdmission({
      config: this.#config,
      subscribers: this.#subscribers,
      sessions: this.#sessions,
      presence: this.#presence,
      moderation: this.#moderation,
      greeting: (lastEventId) => this.#catchUp.greeting(lastEventId, this.users(), this.#control.settings),
      comesBack: (session, now) => this.#publish(this.#joinEvent(session.token, session.name, now)),
    });
    this.#rateLimiter = new RateLimiter(this.#config.rateBurst, this.#config.ratePerSecond);
    this.#joinLimiter = new RateLimiter(this.#config.joinBurst, this.#config.joinsPerSecond);
    // One signal an interval, with one more allowed at once so that network jitter between a
    // page's evenly paced signals is never refused.
    this.#typingLimiter = new RateLimiter(2, 1000 / this.#config.typingIntervalMs);
    void ctx.blockConcurrencyWhile(async () => {
      this.#presence.restore(this.#sessions.online(), await ctx.storage.getAlarm(), Date.now());
      // No stream survives a restart.
      this.#sessions.clearStreaming();
    });
  }

  /** Opens an event stream: history (or what was missed since `lastEventId`), then live events. */
  override async fetch(request: Request): Promise<Response> {
    const subscribed = this.#streams.open(await fromRoomRequest(request));
    if (!subscribed.ok) {
      // The Worker sends this answer on untouched, so the refusal is logged here.
      console.warn(JSON.stringify({ event: "stream_refused", status: subscribed.status, error: subscribed.code }));
      return failureResponse(subscribed);
    }
    const headers = new Headers();
    if (subscribed.newPendingToken !== undefined) headers.set(NEW_PENDING_TOKEN_HEADER, subscribed.newPendingToken);
    return new Response(subscribed.stream, { headers });
  }

  /** Joins under `name`, or renames the caller's session; announces it to everyone. */
  join(request: {
    name: string;
    token?: string;
    pendingToken?: string;
    client?: string;
    credential?: Credential;
  }): Result<Joined> {
    const now = Date.now();
    const current = request.token === undefined ? undefined : this.#sessions.get(request.token);
    // Joining costs nothing to repeat but fills the history and the session table, so each
    // address may only do it at a measured pace.
    const waitMs = this.#joinLimiter.take(request.client ?? "unknown", now);
    if (waitMs > 0) {
      return fail(429, "rate_limited", "Too many joins from your address; wait a moment.", Math.ceil(waitMs / 1000));
    }
    const keptOut = this.#moderation.keptOut(request.token, request.client, now);
    if (keptOut) return keptOut;
    const holder = this.#sessions.onlineByName(request.name);
    if (holder && holder.token !== current?.token) {
      return fail(409, "name_taken", `Someone in this room is already called ${holder.name}; pick another name.`);
    }
    this.#expireSessions(now);

    if (current) {
      const renamed = current.name !== request.name;
      // Saved before publishing: a reader cut off by a broadcast updates the stored session.
      this.#sessions.save({ ...current, name: request.name, online: true, seenAt: now });
      this.#moderation.seen(current.token, request.client);
      this.#moderation.joined(current.token, request.credential);
      if (renamed && current.online) this.#publish(leaveEvent(current.name, now));
      if (renamed || !current.online) this.#publish(this.#joinEvent(current.token, request.name, now));
      this.#presence.seen(current.token, now);
      return this.#joined(request.name, current.token, false);
    }

    // A reader whose stream was opened before joining holds a pending token; adopting it
    // makes those streams count for the new participant's presence.
    // The session gets a token of its own, never the pending one, which the client could have
    // been handed by someone else.
    const token = newToken();
    const pending = request.pendingToken;
    const adopted = pending !== undefined && !this.#sessions.get(pending) ? this.#subscribers.adopt(pending, token) : 0;
    this.#sessions.save({ token, name: request.name, online: true, seenAt: now, streaming: adopted > 0 });
    this.#moderation.seen(token, request.client);
    this.#moderation.joined(token, request.credential);
    this.#presence.seen(token, now);
    this.#publish(this.#joinEvent(token, request.name, now));
    return this.#joined(request.name, token, true);
  }

  /** Ends a session; everyone is told the participant left. */
  leave(request: { token: string; name?: string }): Result<{ name: string }> {
    const authorized = this.#authorize(request.token, request.name);
    if (!authorized.ok) return authorized;
    const { session } = authorized;
    this.#endSession(session.token);
    if (session.online) this.#publish(leaveEvent(session.name, Date.now()));
    return { ok: true, name: session.name };
  }

  /**
   * Posts a message as the session's participant and returns the event id it got. A message sent
   * again under a `key` the session already used is not posted: the answer is the first one's id.
   */
  post(request: {
    token: string;
    msg: string;
    name?: string;
    key?: string;
    replyTo?: number;
    credential?: Credential;
  }): Result<{ id: number; repeated: boolean }> {
    const authorized = this.#authorize(request.token, request.name);
    if (!authorized.ok) return authorized;
    const { session } = authorized;
    const earlier = request.key === undefined ? undefined : this.#sentKeys.find(session.token, request.key);
    if (earlier !== undefined) return { ok: true, id: earlier, repeated: true };
    const quoted = request.replyTo === undefined ? undefined : this.#changes.quote(request.replyTo);
    if (quoted && !quoted.ok) return quoted;
    const now = Date.now();
    const allowed = this.#moderation.mayPost(session.token, this.#moderation.role(request.credential), now);
    if (!allowed.ok) return allowed;
    const present = this.#participate(session, now);
    if (!present.ok) return present;
    this.#moderation.posted(session.token, now);
    const message = messageEvent(session.name, request.msg, now, { key: request.key, replyTo: quoted?.quote });
    const id = this.#publish(message, { author: session.token, replyTo: request.replyTo });
    if (request.key !== undefined) this.#sentKeys.remember(session.token, request.key, id);
    return { ok: true, id, repeated: false };
  }

  /** Replaces the text of one of the participant's own messages, within the edit window. */
  editMessage(request: { token: string; name?: string; id: number; msg: string }): Result<ChangeMade> {
    return this.#change(request, (session, now) => this.#changes.edit(session.token, request.id, request.msg, now));
  }

  /** Deletes one of the participant's own messages, its text gone from storage. */
  deleteMessage(request: { token: string; name?: string; id: number }): Result<ChangeMade> {
    return this.#change(request, (session, now) => this.#changes.delete({ author: session.token }, request.id, now));
  }

  /** Adds (`on`) or takes back the participant's reaction to a message. */
  react(request: { token: string; name?: string; id: number; emoji: string; on: boolean }): Result<ChangeMade> {
    return this.#change(request, (session, now) =>
      this.#changes.react(session, request.id, request.emoji, request.on, now),
    );
  }

  /**
   * Tells everyone the participant is typing. The signal is ephemeral: a named event with no id,
   * neither stored nor replayed, so it never moves a reader's Last-Event-ID.
   */
  typing(request: { token: string; name?: string }): Result<{ name: string }> {
    const authorized = this.#authorize(request.token, request.name);
    if (!authorized.ok) return authorized;
    const { session } = authorized;
    if (!session.online) return fail(409, "not_in_room", "You are not in the room now; join it again.");
    const waitMs = this.#typingLimiter.take(session.token, Date.now());
    if (waitMs > 0) {
      return fail(429, "typing_too_often", "Typing is signalled at most once an interval.", Math.ceil(waitMs / 1000));
    }
    const data = JSON.stringify({ user: session.name });
    this.#subscribers.broadcast(encoder.encode(encodeMessage({ event: "typing", data })));
    return { ok: true, name: session.name };
  }

  /** Makes the holder of the key hashed as `keyHash` the owner of a room nothing has happened in yet. */
  claim(request: { keyHash: string }): Result<object> {
    return this.#moderation.claim(request.keyHash, this.#log.lastId);
  }

  /** What the room's owner, a moderator or the operator asks (see moderation.ts). */
  moderate(request: ModerationRequest): Result<ModerationDone> {
    return this.#moderation.act(request, Date.now());
  }

  /** Who is in the room now, by name. */
  users(): OnlineUser[] {
    return this.#sessions.onlineNames().map((name) => {
      const token = this.#sessions.onlineByName(name)?.token;
      const role = token === undefined ? undefined : this.#moderation.mark(token);
      return role === undefined ? { name } : { name, role };
    });
  }

  /** Counters for operators and tests. */
  stats(): RoomStats {
    return {
      subscribers: this.#subscribers.size,
      catchingUp: this.#subscribers.catchingUp,
      online: this.#sessions.onlineCount,
      lastEventId: this.#log.lastId,
      queuedBytes: this.#subscribers.queuedBytes(),
      limiterKeys: this.#joinLimiter.size + this.#rateLimiter.size + this.#typingLimiter.size,
    };
  }

  /** Announces as left every participant who has had no stream for the grace period. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    for (const session of this.#presence.due(this.#sessions.online(), now)) {
      this.#sessions.save({ ...session, online: false });
      this.#forgetPresent(session.token);
      this.#publish(leaveEvent(session.name, now));
    }
    this.#expireSessions(now);
    this.#presence.schedule(this.#sessions.online());
  }

  /** Ends a session: its token is refused from now on, and its streams no longer count for it. */
  #endSession(token: string): void {
    this.#sessions.delete(token);
    this.#sentKeys.forgetSession(token);
    this.#forgetPresent(token);
    this.#subscribers.disown(token);
    this.#moderation.forgetSessions(token);
  }

  /** Forgets what the room keeps only while a participant is present: their deadline and their paces. */
  #forgetPresent(token: string): void {
    this.#presence.forget(token);
    this.#rateLimiter.forget(token);
    this.#typingLimiter.forget(token);
    this.#moderation.forget(token);
  }

  /** Ends the sessions idle past their time to live, and what was kept for them. */
  #expireSessions(now: number): void {
    if (this.#sessions.expire(now - this.#config.sessionTtlMs) > 0) {
      this.#sentKeys.forgetEndedSessions();
      this.#moderation.forgetSessions();
    }
  }

  /** Checks a change to a message, then makes it as the participant and publishes it. */
  #change(
    request: { token: string; name?: string },
    plan: (session: Session, now: number) => Result<{ change: PlannedChange }>,
  ): Result<ChangeMade> {
    const authorized = this.#authorize(request.token, request.name);
    if (!authorized.ok) return authorized;
    const { session } = authorized;
    const now = Date.now();
    const planned = plan(session, now);
    if (!planned.ok) return planned;
    const present = this.#participate(session, now);
    if (!present.ok) return present;
    const event = planned.change();
    return { ok: true, id: event === undefined ? null : this.#publish(event, { target: event.target }) };
  }

  /**
   * What every visible act of a participant costs and brings: it is paced per session, and it
   * brings back a participant who had been announced as left.
   */
  #participate(session: Session, now: number): Result<object> {
    const holder = session.online ? undefined : this.#sessions.onlineByName(session.name);
    if (holder) {
      return fail(409, "name_taken", `Someone else joined as ${holder.name} while you were away; join again.`);
    }
    const waitMs = this.#rateLimiter.take(session.token, now);
    if (waitMs > 0) {
      return fail(429, "rate_limited", "You are sending too fast; wait a moment.", Math.ceil(waitMs / 1000));
    }
    this.#sessions.save({ ...session, online: true, seenAt: now });
    if (!session.online) this.#publish(this.#joinEvent(session.token, session.name, now));
    this.#presence.seen(session.token, now);
    return { ok: true };
  }

  #authorize(token: string, name: string | undefined): Result<{ session: Session }> {
    const session = this.#sessions.get(token);
    if (!session) {
      return (
        this.#moderation.keptOut(token, undefined, Date.now()) ??
        fail(401, "not_joined", "Join the room first; your session is unknown or has expired.")
      );
    }
    if (name !== undefined && nameKey(name) !== nameKey(session.name)) {
      return fail(403, "wrong_name", `You joined as ${session.name} and cannot act as ${name}.`);
    }
    return { ok: true, session };
  }

  /** The answer to a join: the session, and the authority it holds here, if any. */
  #joined(name: string, token: string, created: boolean): Result<Joined> {
    const role = this.#moderation.mark(token);
    return role === undefined ? { ok: true, name, token, created } : { ok: true, name, token, created, role };
  }

  /** A join, with how the online list marks the one who joined. */
  #joinEvent(token: string, name: string, now: number): ChatEvent {
    const role = this.#moderation.mark(token);
    return role === undefined ? joinEvent(name, now) : { ...joinEvent(name, now), role };
  }

  /** Stores an event, sends it to every stream, and returns its id. */
  #publish(event: RoomEvent, links: Omit<EventLinks, "event"> = {}): number {
    const data = JSON.stringify(event);
    const name = sseEventName(event);
    const id = this.#log.append(data, { ...links, event: name });
    this.#subscribers.broadcast(encoder.encode(encodeMessage({ id, event: name, data })));
    return id;
  }
}
