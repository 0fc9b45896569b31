import { concatBytes } from "../common/bytes";
import { clientLimits, type RoomConfig } from "../common/config";
import type { EventLog } from "../log/event-log";
import type { RoomSettings } from "../moderation/room-control";
import { encodeComment, encodeMessage, encodeRetry } from "../streams/sse";
import type { OnlineUser } from "./room-answers";

/** Most events read from storage for one page of a replay. */
const REPLAY_PAGE_EVENTS = 100;

const encoder = new TextEncoder();

/** A relay's stream from the room starts with a comment: a relay needs no greeting, and its readers get theirs from the room. */
const UPSTREAM_GREETING = encoder.encode(encodeComment("relay"));

/** What a new stream is sent before it joins the broadcast: its greeting, then its history, a page at a time. */
export class CatchUp {
  readonly #log: EventLog;
  readonly #config: RoomConfig;
  readonly #limitsFrame: string;

  constructor(log: EventLog, config: RoomConfig) {
    this.#log = log;
    this.#config = config;
    this.#limitsFrame = encodeMessage({ event: "limits", data: JSON.stringify(clientLimits(config)) });
  }

  /**
   * What a new stream starts with (the reconnect delay, who is here, a `gap` notice if the
   * reader missed events that are gone, and the room's limits, so that a page checks input
   * against the server's settings and never a copy), and the id after which its replay starts.
   *
   * The presence event carries that id, so the stream has a position from its first event: a
   * reader cut off before any message arrives (a full room shedding readers, a deploy) comes
   * back with Last-Event-ID and misses nothing, instead of starting over from recent history.
   */
  greeting(
    lastEventId: number | undefined,
    users: OnlineUser[],
    settings: RoomSettings,
  ): { greeting: Uint8Array; afterId: number } {
    const latestId = this.#log.lastId;
    // The first id that may still be stored: retention removed every one before it.
    const oldestId = this.#log.droppedThrough + 1;
    // A new reader is sent the newest messages, joins and leaves as they are now; changes made
    // to them since come too, and change nothing it does not already show.
    const recent = this.#log.historyStart(this.#config.historyOnConnect);
    const unknown = lastEventId !== undefined && lastEventId > latestId;
    const afterId = lastEventId === undefined || unknown ? recent : Math.max(lastEventId, oldestId - 1);
    let greeting = encodeRetry(this.#config.reconnectDelayMs);
    // The newest id tells a page which of what follows is history it need not count as news.
    greeting += encodeMessage({ event: "presence", id: afterId, data: JSON.stringify({ users, latestId }) });
    if (lastEventId !== undefined && (unknown || lastEventId < oldestId - 1)) {
      // The reader missed events that are gone (or holds an id this room never issued):
      // say so before the replay, so the client knows its view has a hole.
      greeting += gapFrame(lastEventId, oldestId, latestId);
    }
    greeting += this.#limitsFrame;
    // What the room's authority set, as it is now; changes to it come later as events with ids.
    greeting += encodeMessage({ event: "settings", data: JSON.stringify(settings) });
    return { greeting: encoder.encode(greeting), afterId };
  }

  /**
   * Where a relay's stream from the room resumes: after the last event the relay holds. One
   * that holds an id this room never issued (its storage was erased and it started over) is
   * told with a `gap` notice, and goes on from the newest event.
   */
  upstreamStart(lastEventId: number): { greeting: Uint8Array; afterId: number } {
    const latestId = this.#log.lastId;
    if (lastEventId <= latestId) return { greeting: UPSTREAM_GREETING, afterId: lastEventId };
    const gap = gapFrame(lastEventId, this.#log.droppedThrough + 1, latestId);
    return { greeting: encoder.encode(gap), afterId: latestId };
  }

  /**
   * The next page of a replay, of events before `beforeId` if given: at least one event, and no
   * more than a quarter of the backlog bound beyond it. If retention deleted events while the
   * reader was catching up, the page starts with a `gap` notice, and is only that when no event
   * the reader has yet to get before `beforeId` is left.
   */
  page(afterId: number, beforeId?: number): { frames: Uint8Array; lastId: number } | undefined {
    const budget = this.#config.maxBacklogBytes / 4;
    const frames: Uint8Array[] = [];
    let bytes = 0;
    let lastId: number | undefined;
    // Ids missing above the retention frontier are changes a later one carries: no gap.
    if (afterId < this.#log.droppedThrough) {
      const gap = encoder.encode(gapFrame(afterId, this.#log.droppedThrough + 1, this.#log.lastId));
      frames.push(gap);
      bytes += gap.byteLength;
      // Every id up to the frontier is gone, so the reader's position moves past it.
      lastId = this.#log.droppedThrough;
    }
    for (const [i, event] of this.#log.replay(afterId, REPLAY_PAGE_EVENTS, beforeId).entries()) {
      const frame = encoder.encode(encodeMessage(event));
      if (i > 0 && bytes + frame.byteLength > budget) break;
      frames.push(frame);
      bytes += frame.byteLength;
      lastId = event.id;
    }
    return lastId === undefined ? undefined : { frames: concatBytes(frames, bytes), lastId };
  }
}

/** The named event that tells a reader some events it asked for are gone. */
function gapFrame(lastEventId: number, oldestId: number, latestId: number): string {
  return encodeMessage({ event: "gap", data: JSON.stringify({ lastEventId, oldestId, latestId }) });
}
