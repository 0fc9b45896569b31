import { DurableObject } from "cloudflare:workers";
import type { EventSourceMessage } from "eventsource-parser";
import { type RoomConfig, readConfig } from "../common/config";
import { failureResponse } from "../common/responses";
import { fail } from "../common/result";
import type { ChatRoom } from "../room/chat-room";
import {
  RELAY_COMMAND_EVENT,
  type RelayCommand,
  type RelayedAdmission,
  type RelayedStream,
  toUpstreamRequest,
} from "../streams/relay-protocol";
import { encodeMessage } from "../streams/sse";
import type { HistoryPageFrames } from "../streams/subscriber-stream";
import { Subscribers } from "../streams/subscribers";
import { RecentEvents } from "./recent-events";
import { RoomCommands, type SessionCommand } from "./room-commands";
import { Upstream } from "./upstream";

const encoder = new TextEncoder();
const NOTHING = new Uint8Array(0);

/** How long a relay with no reader keeps reading from its room, for a reader coming back. */
const IDLE_MS = 10_000;

/** How long a handed stream waits for the relay to have the events before its history. */
const POSITION_WAIT_MS = 10_000;

/** How soon after a stream closes the room is told, so that many closing at once are told together. */
const CLOSED_REPORT_MS = 50;

/** How many heartbeats apart a relay tells its room every stream it serves. */
const COUNT_EVERY_HEARTBEATS = 4;

/** A reader waiting for the relay to have every event up to `id`. */
interface PositionWaiter {
  id: number;
  resolve: (reached: boolean) => void;
}

/**
 * One relay of a room: it reads one stream from the room and serves it to up to
 * `READERS_PER_OBJECT` readers of its own, with the same streams, flow control and bounds the
 * room uses. The room stays the only authority: it admits every stream, gives its greeting, and
 * tells the relay, in the relay's stream, what happens to its readers' sessions. The relay holds
 * the events it had last, so that a new reader's history and a reader coming back are served
 * here; older ones it asks the room for. Nothing is stored: a relay that restarts has no readers.
 */
export class ChatRelay extends DurableObject<Env> {
  readonly #config: RoomConfig;
  readonly #subscribers: Subscribers;
  readonly #upstream: Upstream;
  #roomName: string | undefined;
  #relay = "";
  /** The last event id the relay holds; -1 until its stream from the room is first opened. */
  #position = -1;
  #recent: RecentEvents;
  readonly #commands = new RoomCommands((command) => this.#apply(command));
  #waiters: PositionWaiter[] = [];
  /** Streams the room handed this relay that wait for the events before their history: the room counts them too. */
  readonly #arriving = new Map<string, RelayedStream>();
  #closedIds: string[] = [];
  /** Whether the relay's stream from the room has caught up since the relay began reading it. */
  #live = false;
  /** Replays waiting for the relay to hold more events, or to have caught up. */
  #replaysWaiting: (() => void)[] = [];
  #closedReport: ReturnType<typeof setTimeout> | undefined;
  #countReport: ReturnType<typeof setInterval> | undefined;
  #idle: ReturnType<typeof setTimeout> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#config = readConfig(env);
    this.#recent = new RecentEvents(-1, this.#config.maxBacklogBytes);
    this.#subscribers = new Subscribers(
      this.#config.maxBacklogBytes,
      this.#config.maxRoomBacklogBytes,
      this.#config.heartbeatMs,
      (afterId, beforeId) => this.#page(afterId, beforeId),
      (stream) => this.#closed(stream.id),
    );
    this.#upstream = new Upstream({
      request: () => {
        // Until the room says the reopened stream has caught up, what comes is history.
        this.#live = false;
        return { relay: this.#relay, lastEventId: this.#position, streams: this.#streams() };
      },
      open: (request) => this.#roomStub().fetch(toUpstreamRequest(request)),
      event: (message) => this.#received(message),
      silenceMs: this.#config.heartbeatMs * 3,
    });
  }

  /** Serves a stream the room admitted and handed to this relay (see relay-protocol.ts). */
  override async fetch(request: Request): Promise<Response> {
    const admission = await request.json<RelayedAdmission>();
    if (this.#roomName === undefined) {
      this.#roomName = admission.room;
      this.#relay = admission.relay;
    }
    clearTimeout(this.#idle ?? null);
    this.#arriving.set(admission.stream.id, admission.stream);
    if (!this.#upstream.running) this.#startReading(admission.afterId);
    const reached = await this.#reached(admission.afterId);
    this.#arriving.delete(admission.stream.id);
    if (!reached) {
      this.#closed(admission.stream.id);
      return failureResponse(fail(503, "relay_unavailable", "The room could not be reached; try again shortly.", 2));
    }
    const { owner, endsAfter } = this.#commands.ownerNow(admission.stream);
    const stream = this.#subscribers.open(encoder.encode(admission.greeting), admission.afterId, owner);
    if (owner.token !== undefined && endsAfter !== undefined) this.#end(owner.token, endsAfter);
    return new Response(stream);
  }

  /** Readers served, for tests and the benchmark. */
  stats(): { readers: number; position: number; recentFrom: number; chunksSent: number } {
    return {
      readers: this.#subscribers.size,
      position: this.#position,
      recentFrom: this.#recent.from,
      chunksSent: this.#subscribers.chunksSent,
    };
  }

  /** A stub made for each call: one to a room that has restarted stays broken, and the relay reads from the room again. */
  #roomStub(): DurableObjectStub<ChatRoom> {
    if (this.#roomName === undefined) {
      throw new Error("a relay reads from its room only once it has been handed a stream");
    }
    return this.env.CHAT_ROOM.getByName(this.#roomName);
  }

  /** Starts reading from the room after `afterId`, the first reader's place, so that the events it needs are held here. */
  #startReading(afterId: number): void {
    this.#position = afterId;
    this.#live = false;
    this.#recent = new RecentEvents(afterId, this.#config.maxBacklogBytes);
    this.#upstream.start();
    this.#countReport = setInterval(
      () =>
        void this.#report(() =>
          this.#roomStub().relayCounted(
            this.#relay,
            this.#streams().map(({ id }) => id),
          ),
        ),
      this.#config.heartbeatMs * COUNT_EVERY_HEARTBEATS,
    );
  }

  #stopReading(): void {
    this.#upstream.stop();
    clearInterval(this.#countReport ?? null);
    this.#position = -1;
    this.#commands.clear();
  }

  /** One event from the room, sent on to every reader that has caught up, or a command for the relay. */
  #received(message: EventSourceMessage): void {
    if (message.event === RELAY_COMMAND_EVENT) {
      this.#command(JSON.parse(message.data) as RelayCommand);
      return;
    }
    const frame = encoder.encode(encodeMessage(message));
    if (message.event === "deleted") {
      // The room was deleted: every reader is told and ends, as on the room itself.
      this.#subscribers.endAll(frame);
      this.#stopReading();
      return;
    }
    if (message.event === "gap") {
      // The relay missed events the room no longer holds: its readers come back to the room,
      // which tells each what it missed.
      this.#subscribers.endAll();
      const gap = JSON.parse(message.data) as { lastEventId: number; oldestId: number; latestId: number };
      const from = gap.lastEventId > gap.latestId ? gap.latestId : gap.oldestId - 1;
      this.#recent.clear(from);
      this.#moveTo(from);
      return;
    }
    if (message.id === undefined) {
      this.#subscribers.broadcast(frame);
      return;
    }
    const id = Number(message.id);
    this.#recent.add({ id, frame });
    this.#moveTo(id);
    this.#subscribers.broadcast(frame);
    // A deleted message's text, and an edited message's earlier text, must reach no later
    // stream: a reader catching up from before is sent those events by the room, as it holds
    // them now.
    if (message.event === "delete" || message.event === "edit") this.#recent.clear(id);
  }

  /** The relay now holds every event up to `id`: commands and readers waiting for it go on. */
  #moveTo(id: number): void {
    this.#position = id;
    this.#wakeReplays();
    this.#commands.reached(id);
    if (this.#waiters.length > 0) {
      const due = this.#waiters.filter((waiter) => waiter.id <= id);
      this.#waiters = this.#waiters.filter((waiter) => waiter.id > id);
      for (const waiter of due) waiter.resolve(true);
    }
  }

  #command(command: RelayCommand): void {
    if (command.op !== "live") {
      this.#commands.receive(command, this.#position);
      return;
    }
    this.#live = true;
    this.#moveTo(Math.max(this.#position, command.afterId));
  }

  #apply(command: SessionCommand): void {
    switch (command.op) {
      case "adopt":
        this.#subscribers.adopt(command.pendingToken, command.token);
        break;
      case "disown":
        this.#subscribers.disown(command.token);
        break;
      case "end":
        this.#end(command.token, command.afterId);
        break;
    }
  }

  /**
   * Ends a session's streams, after `afterId`: the removal that ends them, which the command
   * waited for. One still catching up is sent the history through it, from the room when the
   * relay no longer holds it.
   */
  #end(token: string, afterId: number): void {
    this.#subscribers.endOwnedBy(token, this.#recent.get(afterId) ?? { id: afterId + 1, frame: NOTHING });
  }

  #wakeReplays(): void {
    const waiting = this.#replaysWaiting;
    this.#replaysWaiting = [];
    for (const resolve of waiting) resolve();
  }

  /** Resolves once the relay holds every event up to `id`, or false if it does not in time. */
  #reached(id: number): Promise<boolean> {
    if (id <= this.#position) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = { id, resolve };
      this.#waiters.push(waiter);
      setTimeout(() => {
        this.#waiters = this.#waiters.filter((other) => other !== waiter);
        resolve(false);
      }, POSITION_WAIT_MS);
    });
  }

  /**
   * A reader's history after `afterId`: from the events held here when it can be, else from the
   * room, up to the first event held here. Only the held events can say there are none, in the
   * same step the reader goes live.
   */
  #page(
    afterId: number,
    beforeId = Number.POSITIVE_INFINITY,
  ): HistoryPageFrames | undefined | Promise<HistoryPageFrames> {
    const budget = this.#config.maxBacklogBytes / 4;
    if (afterId >= this.#recent.from) {
      const page = this.#recent.page(afterId, beforeId, budget);
      if (page !== undefined || this.#live || this.#position >= beforeId - 1) return page;
      // What the room is still sending the relay comes here at this reader's pace: going live
      // now, the reader would be sent it all at once, and cut off as too slow.
      return new Promise<void>((resolve) => this.#replaysWaiting.push(resolve)).then(() => ({
        frames: NOTHING,
        lastId: afterId,
      }));
    }
    const until = Math.min(this.#recent.from + 1, beforeId);
    return this.#roomStub()
      .relayPage(afterId, until)
      .then((page) => page ?? { frames: NOTHING, lastId: until - 1 });
  }

  /** Every stream served now, as the room counts them. */
  #streams(): RelayedStream[] {
    const open = this.#subscribers
      .owners()
      .flatMap(({ id, token, pendingToken, client }) =>
        id === undefined ? [] : [{ id, token, pendingToken, client }],
      );
    const arriving = [...this.#arriving.values()].map((stream) => ({
      ...this.#commands.ownerNow(stream).owner,
      id: stream.id,
    }));
    return [...open, ...arriving];
  }

  /** A reader's stream closed: the room is told soon, together with others closing meanwhile. */
  #closed(id: string | undefined): void {
    if (id !== undefined) this.#closedIds.push(id);
    this.#closedReport ??= setTimeout(() => {
      this.#closedReport = undefined;
      const ids = this.#closedIds;
      this.#closedIds = [];
      if (ids.length > 0) void this.#report(() => this.#roomStub().relayedClosed(ids));
    }, CLOSED_REPORT_MS);
    if (this.#subscribers.size === 0) {
      clearTimeout(this.#idle ?? null);
      this.#idle = setTimeout(() => {
        if (this.#subscribers.size === 0) this.#stopReading();
      }, IDLE_MS);
    }
  }

  async #report(call: () => Promise<unknown>): Promise<void> {
    try {
      await call();
    } catch (error) {
      // The room counts again what the relay serves when the relay's stream from it is opened anew.
      console.warn(JSON.stringify({ event: "relay_report_failed", error: String(error) }));
    }
  }
}
