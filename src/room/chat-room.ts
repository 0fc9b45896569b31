import { DurableObject } from "cloudflare:workers";
import { type RoomConfig, readConfig } from "../common/config";
import { RateLimiter } from "../common/rate-limit";
import { failureResponse } from "../common/responses";
import { fail, type Result } from "../common/result";
import { MessageChanges, type PlannedChange } from "../conversation/message-changes";
import { MessageSearch } from "../conversation/message-search";
import { Reactions } from "../conversation/reactions";
import type { ParsedQuery } from "../conversation/search-query";
import { type SearchAnswer, searchMessages } from "../conversation/search-results";
import { type ChatEvent, messageEvent, type RoomEvent, sseEventName } from "../log/chat-event";
import { type EventLinks, EventLog } from "../log/event-log";
import { type HistoryAnchor, type HistoryAnswer, historyPage } from "../log/history-pages";
import {
  type Authority,
  Moderation,
  type ModerationDone,
  type ModerationRequest,
  type RoomDeleter,
} from "../moderation/moderation";
import { Removals } from "../moderation/removals";
import { type Role, RoomControl, type RoomSettings } from "../moderation/room-control";
import type { Credential } from "../moderation/room-keys";
import { isUpstreamRequest, RELAY_HEADER, type UpstreamRequest } from "../streams/relay-protocol";
import { encodeMessage } from "../streams/sse";
import type { SentEvent } from "../streams/subscriber-stream";
import { Subscribers } from "../streams/subscribers";
import { CatchUp } from "./catch-up";
import { type JoinRequest, Participants } from "./participants";
import { Presence } from "./presence";
import { RoomAlarm } from "./room-alarm";
import type { ChangeMade, Joined, OnlineUser, RoomOverview, RoomStats } from "./room-answers";
import { deletedFrame } from "./room-deletion";
import { RoomReaders } from "./room-readers";
import { fromRoomRequest, NEW_PENDING_TOKEN_HEADER } from "./room-stream";
import { SentKeys } from "./sent-keys";
import { type Session, SessionStore } from "./session-store";
import { StreamAdmission } from "./stream-admission";

const encoder = new TextEncoder();

/** Least time between two wakes of a quiet room to remove history grown too old. */
const EXPIRY_WAKE_MS = 60 * 60 * 1000;

/**
 * One chat room: its history, its participants, and an SSE stream per subscriber.
 * Called by the Worker, which has already parsed and validated every argument: over RPC for
 * commands, through `fetch` for streams (see room-stream.ts).
 */
export class ChatRoom extends DurableObject<Env> {
  readonly #config: RoomConfig;
  // The room's parts, built over its storage by #build: again, from nothing, once it is deleted.
  #log!: EventLog;
  #sessions!: SessionStore;
  #sentKeys!: SentKeys;
  #changes!: MessageChanges;
  #control!: RoomControl;
  #moderation!: Moderation;
  #subscribers!: Subscribers;
  #readers!: RoomReaders;
  #participants!: Participants;
  #streams!: StreamAdmission;
  #alarm!: RoomAlarm;
  #search!: MessageSearch;
  #searchPace!: RateLimiter;
  #catchUp!: CatchUp;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#config = readConfig(env);
    this.#build();
  }

  /** Builds the room's parts over what its storage holds, and picks up presence where it was. */
  #build(): void {
    const { ctx } = this;
    const indexed = hasTable(ctx.storage.sql, "message_search_shards");
    this.#search = new MessageSearch(ctx.storage.sql);
    this.#searchPace = new RateLimiter(this.#config.searchBurst, this.#config.searchesPerSecond);
    this.#log = new EventLog(
      ctx.storage.sql,
      { events: this.#config.historyRetained, ms: this.#config.historyRetainedMs },
      (messages, through) => {
        for (const { id, data } of messages) this.#search.remove(id, (JSON.parse(data) as ChatEvent).msg);
        this.#search.forgetThrough(through);
      },
    );
    // A room from before search holds messages the index has not seen (a thousand events at most).
    if (!indexed) this.#log.eachMessage((id, message) => this.#search.index(id, message.msg));
    this.#alarm = new RoomAlarm(ctx.storage);
    const catchUp = new CatchUp(this.#log, this.#config);
    this.#sessions = new SessionStore(ctx.storage.sql);
    this.#sentKeys = new SentKeys(ctx.storage.sql, this.#config.keysPerSession);
    this.#changes = new MessageChanges(this.#log, new Reactions(ctx.storage.sql), this.#search, this.#config);
    this.#control = new RoomControl(ctx.storage.sql);
    this.#moderation = new Moderation(
      this.#control,
      this.#changes,
      new Removals(ctx.storage.sql),
      {
        onlineByName: (name) => this.#sessions.onlineByName(name),
        remove: (token, removal) => {
          // Told first, so that every stream of theirs ends with it, then the session ends.
          const sent = this.#send(removal);
          this.#readers.endOwnedBy(token, sent);
          this.#participants.removed(token, removal.at);
          return sent.id;
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
      (afterId, beforeId) => catchUp.page(afterId, beforeId),
      (stream) => this.#streams.closed(stream),
    );
    this.#readers = new RoomReaders(this.#subscribers, this.#config.readersPerObject, () => this.#log.lastId);
    const presence = new Presence(
      this.#config.presenceGraceMs,
      (token) => this.#readers.countOwnedBy(token),
      (at) => this.#alarm.wake(at),
    );
    this.#streams = new StreamAdmission({
      config: this.#config,
      readers: this.#readers,
      sessions: this.#sessions,
      presence,
      moderation: this.#moderation,
      greeting: (lastEventId) => catchUp.greeting(lastEventId, this.users(), this.#control.settings),
      upstreamStart: (lastEventId) => catchUp.upstreamStart(lastEventId),
      comesBack: (session, now) => this.#publish(this.#participants.joinEvent(session.token, session.name, now)),
    });
    this.#catchUp = catchUp;
    this.#participants = new Participants({
      config: this.#config,
      sessions: this.#sessions,
      sentKeys: this.#sentKeys,
      presence,
      moderation: this.#moderation,
      readers: this.#readers,
      publish: (event) => this.#publish(event),
    });
    void ctx.blockConcurrencyWhile(async () => {
      const alarmAt = await ctx.storage.getAlarm();
      this.#alarm.restore(alarmAt);
      presence.restore(this.#sessions.online(), Date.now());
      this.#expireHistory(Date.now());
      // No stream survives a restart.
      this.#sessions.clearStreaming();
    });
  }

  /**
   * Opens an event stream: history (or what was missed since `lastEventId`), then live events.
   * Past the readers one object serves, the room admits the stream and answers with what a relay
   * needs to serve it, naming the relay in a header (see relay-protocol.ts). A relay's own
   * stream from the room comes here too.
   */
  override async fetch(request: Request): Promise<Response> {
    if (isUpstreamRequest(request)) {
      return new Response(this.#streams.openUpstream(await request.json<UpstreamRequest>()));
    }
    const subscribed = this.#streams.open(await fromRoomRequest(request));
    if (!subscribed.ok) {
      // The Worker sends this answer on untouched, so the refusal is logged here.
      console.warn(JSON.stringify({ event: "stream_refused", status: subscribed.status, error: subscribed.code }));
      return failureResponse(subscribed);
    }
    const headers = new Headers();
    if (subscribed.newPendingToken !== undefined) headers.set(NEW_PENDING_TOKEN_HEADER, subscribed.newPendingToken);
    const { stream } = subscribed;
    if (stream instanceof ReadableStream) return new Response(stream, { headers });
    headers.set(RELAY_HEADER, stream.relay);
    return Response.json(stream, { headers });
  }

  /** A relay's streams closed: they count no more. */
  relayedClosed(ids: string[]): void {
    this.#streams.relayedClosed(ids);
  }

  /** What a relay serves now, by the ids the room gave its streams, as it tells the room now and then. */
  relayCounted(relay: string, ids: string[]): void {
    this.#streams.relayCounted(relay, ids);
  }

  /**
   * A page of the replay a relay's reader needs from before what the relay holds: the same
   * frames a stream the room serves is sent. A relay only ever asks for events it has had.
   */
  relayPage(afterId: number, beforeId: number): { frames: Uint8Array; lastId: number } | null {
    return this.#catchUp.page(afterId, beforeId) ?? null;
  }

  /**
   * A page of the conversation before, after or around an event, each as it is now. Whoever may
   * open a stream may read it: a participant removed from the room, by session or address, may not.
   */
  history(request: { token?: string; client?: string; anchor: HistoryAnchor; limit: number }): Result<HistoryAnswer> {
    const keptOut = this.#moderation.keptOut(request.token, request.client, Date.now());
    if (keptOut) return keptOut;
    return historyPage(this.#log, request.anchor, request.limit);
  }

  /**
   * The messages holding every word of a query, newest first, as they are now. Whoever may open a
   * stream may search; a search costs more than a post, so each session (or address, for a reader
   * who has not joined) is paced.
   */
  search(request: {
    token?: string;
    client?: string;
    query: ParsedQuery;
    before?: number;
    limit: number;
  }): Result<SearchAnswer> {
    const now = Date.now();
    const keptOut = this.#moderation.keptOut(request.token, request.client, now);
    if (keptOut) return keptOut;
    const known = request.token !== undefined && this.#sessions.get(request.token) !== undefined;
    const waitMs = this.#searchPace.take(known ? `session:${request.token}` : `address:${request.client}`, now);
    if (waitMs > 0) {
      return fail(429, "searching_too_often", "You are searching too often; wait a moment.", Math.ceil(waitMs / 1000));
    }
    return { ok: true, ...searchMessages(this.#log, this.#search, request.query, request) };
  }

  /** Joins under `name`, or renames the caller's session; announces it to everyone. */
  join(request: JoinRequest): Result<Joined> {
    return this.#participants.join(request);
  }

  /** Ends a session; everyone is told the participant left. */
  leave(request: { token: string; names?: readonly string[] }): Result<{ name: string }> {
    return this.#participants.leave(request);
  }

  /**
   * Posts a message as the session's participant and returns the event id it got. A message sent
   * again under a `key` the session already used is not posted: the answer is the first one's id.
   */
  post(request: {
    token: string;
    msg: string;
    names?: readonly string[];
    key?: string;
    replyTo?: number;
    credential?: Credential;
  }): Result<{ id: number; repeated: boolean }> {
    const authorized = this.#participants.authorize(request.token, request.names);
    if (!authorized.ok) return authorized;
    const { session } = authorized;
    const earlier = request.key === undefined ? undefined : this.#sentKeys.find(session.token, request.key);
    if (earlier !== undefined) return { ok: true, id: earlier, repeated: true };
    const quoted = request.replyTo === undefined ? undefined : this.#changes.quote(request.replyTo);
    if (quoted && !quoted.ok) return quoted;
    const now = Date.now();
    const allowed = this.#moderation.mayPost(session.token, request.credential, now);
    if (!allowed.ok) return allowed;
    const present = this.#participants.participate(session, now);
    if (!present.ok) return present;
    this.#moderation.posted(session.token, now);
    const message = messageEvent(session.name, request.msg, now, { key: request.key, replyTo: quoted?.quote });
    const id = this.#publish(message, { author: session.token, replyTo: request.replyTo });
    this.#search.index(id, message.msg);
    if (request.key !== undefined) this.#sentKeys.remember(session.token, request.key, id);
    this.#participants.sent(session.token);
    return { ok: true, id, repeated: false };
  }

  /** Replaces the text of one of the participant's own messages, within the edit window. */
  editMessage(request: { token: string; names?: readonly string[]; id: number; msg: string }): Result<ChangeMade> {
    return this.#change(request, (session, now) => this.#changes.edit(session.token, request.id, request.msg, now));
  }

  /**
   * Deletes a message, its text gone from storage: one of the participant's own, or, if they
   * joined with the room's authority, anyone's.
   */
  deleteMessage(request: { token: string; names?: readonly string[]; id: number }): Result<ChangeMade> {
    return this.#change(request, (session, now) => this.#moderation.deletion(session.token, request.id, now));
  }

  /** Adds (`on`) or takes back the participant's reaction to a message. */
  react(request: {
    token: string;
    names?: readonly string[];
    id: number;
    emoji: string;
    on: boolean;
  }): Result<ChangeMade> {
    return this.#change(request, (session, now) =>
      this.#changes.react(session, request.id, request.emoji, request.on, now),
    );
  }

  /**
   * Tells everyone the participant is typing. The signal is ephemeral: a named event with no id,
   * neither stored nor replayed, so it never moves a reader's Last-Event-ID.
   */
  typing(request: { token: string; names?: readonly string[] }): Result<{ name: string }> {
    const authorized = this.#participants.authorize(request.token, request.names);
    if (!authorized.ok) return authorized;
    const { session } = authorized;
    if (!session.online) return fail(409, "not_in_room", "You are not in the room now; join it again.");
    const waitMs = this.#participants.typingWait(session.token, Date.now());
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

  /** What the room's owner, a moderator or the operator asks (see moderation.ts), by key or by session. */
  moderate(request: ModerationRequest): Result<ModerationDone> {
    const known = this.#knownSession(request);
    if (!known.ok) return known;
    return this.#moderation.act(request, Date.now());
  }

  /**
   * Deletes the room, as its owner or the operator: every stream is told and ends, the room's
   * storage is erased, and the object goes on as a room nothing has happened in, whose name can
   * be claimed again.
   */
  deleteRoom(request: Authority): Result<object> {
    const known = this.#knownSession(request);
    if (!known.ok) return known;
    return this.#moderation.deleteRoom(request, (by) => this.#erase(by));
  }

  /** The authority a key, or else a session, holds in the room now; asking changes nothing. */
  authority(request: Authority): Role | null {
    return this.#moderation.authority(request) ?? null;
  }

  /** Who is in the room now, by name. */
  users(): OnlineUser[] {
    return this.#participants.users();
  }

  /** What the owner or a moderator set: read only, so asking never counts as something happening in the room. */
  settings(): RoomSettings {
    return { ...this.#control.settings };
  }

  /**
   * The room's name-independent state: its settings and how many are online for anyone; for
   * its owner or the operator, also how many read it and where.
   */
  overview(request: Authority): Result<RoomOverview> {
    const known = this.#knownSession(request);
    if (!known.ok) return known;
    const public_ = { ...this.#control.settings, online: this.#sessions.onlineCount };
    const role = this.#moderation.authority(request);
    if (role !== "owner" && role !== "operator") return { ok: true, ...public_ };
    return {
      ok: true,
      ...public_,
      readers: this.#readers.size,
      relays: this.#readers.relayed.relays,
      directReaders: this.#readers.directSize,
      lastEventId: this.#log.lastId,
      chunksSent: this.#subscribers.chunksSent,
    };
  }

  /** Counters for operators and tests. */
  stats(): RoomStats {
    return {
      subscribers: this.#readers.size,
      directReaders: this.#readers.directSize,
      relays: this.#readers.relayed.relays,
      relaysReading: this.#readers.relaysReading,
      chunksSent: this.#subscribers.chunksSent,
      catchingUp: this.#subscribers.catchingUp,
      online: this.#sessions.onlineCount,
      lastEventId: this.#log.lastId,
      queuedBytes: this.#subscribers.queuedBytes(),
      limiterKeys: this.#participants.limiterKeys + this.#searchPace.size,
    };
  }

  /**
   * Announces as left every participant who has had no stream for the grace period, and removes
   * history older than the room keeps.
   */
  override async alarm(): Promise<void> {
    this.#alarm.wentOff();
    const now = Date.now();
    this.#participants.leaveIdle(now);
    this.#expireHistory(now);
  }

  /**
   * Removes some of the history the room no longer keeps, and wakes the room when more falls
   * out by age: at once if this left some due, else when the oldest event left grows too old,
   * but no sooner than an hour from now, so that a quiet room whose old events came one by one
   * is not woken for each.
   */
  #expireHistory(now: number): void {
    const { more, next } = this.#log.expire(now);
    if (more) this.#alarm.wake(now);
    else if (next !== undefined) this.#alarm.wake(Math.max(next, now + EXPIRY_WAKE_MS));
  }

  /** A session acting without a key is held to the rules every act of a session is. */
  #knownSession({ credential, token }: Authority): Result<object> {
    return credential === undefined && token !== undefined ? this.#participants.authorize(token) : { ok: true };
  }

  /**
   * Tells every stream the room was deleted and ends it, erases the room's storage, and builds
   * the room afresh over the empty storage, all in one synchronous step, so that no request
   * meets a room half gone. The erasure is committed before the answer leaves: the runtime holds
   * a Durable Object's outgoing messages until its storage has confirmed what it wrote.
   */
  #erase(by: RoomDeleter): void {
    this.#subscribers.endAll(deletedFrame(by, Date.now()));
    // On SQLite storage both act at once: deleteAll() removes the whole database and starts an
    // empty one. The alarm goes first, whatever the compatibility date has deleteAll() do with it.
    const erased = Promise.all([this.ctx.storage.deleteAlarm(), this.ctx.storage.deleteAll()]);
    erased.catch((error: unknown) => {
      console.error(JSON.stringify({ event: "room_not_erased", error: String(error) }));
    });
    this.#build();
  }

  /** Checks a change to a message, then makes it as the participant and publishes it. */
  #change(
    request: { token: string; names?: readonly string[]; id: number },
    plan: (session: Session, now: number) => Result<{ change: PlannedChange }>,
  ): Result<ChangeMade> {
    const authorized = this.#participants.authorize(request.token, request.names);
    if (!authorized.ok) return authorized;
    const { session } = authorized;
    const now = Date.now();
    const planned = plan(session, now);
    if (!planned.ok) return planned;
    const present = this.#participants.participate(session, now);
    if (!present.ok) return present;
    const event = planned.change();
    if (event === undefined && !this.#log.get(request.id)) {
      // Coming back announced the participant, and that event pushed the message out of what is kept.
      return fail(410, "message_expired", `Message ${request.id} is older than the history this room keeps.`);
    }
    return { ok: true, id: event === undefined ? null : this.#publish(event, { target: event.target }) };
  }

  /** Stores an event, sends it to every stream, and returns its id. */
  #publish(event: RoomEvent, links: Omit<EventLinks, "event"> = {}): number {
    return this.#send(event, links).id;
  }

  /** {@link #publish}, returning the frame every stream was sent besides the id. */
  #send(event: RoomEvent, links: Omit<EventLinks, "event"> = {}): SentEvent {
    const data = JSON.stringify(event);
    const name = sseEventName(event);
    const id = this.#log.append(data, { ...links, event: name, at: event.at, message: event.kind === "message" });
    const frame = encoder.encode(encodeMessage({ id, event: name, data }));
    this.#subscribers.broadcast(frame);
    return { id, frame };
  }
}

function hasTable(sql: SqlStorage, name: string): boolean {
  return sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", name).toArray().length > 0;
}
