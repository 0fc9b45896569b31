import { env } from "cloudflare:test";
import fc from "fast-check";
import { expect, vi } from "vitest";
import type { OpenedStream } from "../chat-client.ts";
import { RoomView } from "../room-view.ts";
import { freshRoom, roomPath } from "../rooms.ts";
import { sleep } from "../sleep.ts";
import { RoomLife, type Step, steps } from "./room-life.ts";
import { call, openStream } from "./self-client.ts";

/** How a run of the convergence property reads its room. */
export interface ConvergenceOptions {
  /**
   * Readers that are cut now and then and resume with Last-Event-ID, a cut taking one or more
   * of them together. They open at the start, one after another, with the reader that stays
   * among them at a place the property picks.
   */
  resuming: number;
  /** Whether some readers are served by relays: checked once every reader is open, and at the end. */
  throughRelays: boolean;
  /** How often a step is a cut, against once for each other kind of step. */
  cutWeight: number;
  /** Told of every opening of a resuming reader, to see where it is served. */
  moves?: ReaderMoves;
}

/** What is told of resuming readers' openings, each reader by its index. */
export interface ReaderMoves {
  /** Before a resuming reader first opens, or before the readers `cut` are cut to resume. */
  before(room: string, cut: readonly number[]): Promise<void>;
  /** Once `reader` is open again: `open` readers' streams are open once the ends of those cut reach the room. */
  opened(room: string, reader: number, open: number): Promise<void>;
}

/** A reader that is cut now and then, and resumes as EventSource does. */
interface ResumingReader {
  stream: OpenedStream;
  view: RoomView;
  /** What it sends as Last-Event-ID: the last id it read, kept over a connection that read none. */
  position: string;
}

/** A reader that came in partway: its stream from then on, and pages of history before that. */
interface ScrollingReader {
  stream: OpenedStream;
  view: RoomView;
  /** The oldest id it holds, which its next page of history ends before. */
  oldest: number;
  /** Whether history has nothing earlier left to give. */
  atStart: boolean;
  /** The first id its stream can carry. */
  from: number;
}

/**
 * The property that every reader of a room ends with the same view of it, whatever the room
 * went through: one that stayed connected, readers cut at any point (with events unread or not)
 * that resumed with Last-Event-ID, one that opened at the end, and one that came in partway and
 * scrolled back through pages of history. Call it inside the test: it moves `Date.now` on by
 * two seconds a step, so that the room's pace limits never refuse one.
 */
export function convergenceProperty(options: ConvergenceOptions) {
  let clock = Date.now();
  vi.spyOn(Date, "now").mockImplementation(() => clock);
  const tick = () => {
    clock += 2000;
  };
  return fc.asyncProperty(
    fc.array(steps(options.cutWeight), { minLength: 1, maxLength: 30 }),
    fc.nat(30),
    fc.nat(options.resuming),
    (actions, arrival, steadyAt) => converges(options, tick, actions, arrival, steadyAt),
  );
}

/**
 * Waits until the room counts `open` readers' streams: a cut stream's end has reached it,
 * through its relay if it had one. The count is asked for again and again rather than on each
 * heartbeat, since the end often arrives well before the next one and the property waits so
 * after many of its cuts.
 */
export async function untilCounted(room: string, open: number): Promise<void> {
  const stub = env.CHAT_ROOM.getByName(room);
  for (let tries = 0; (await stub.stats()).subscribers !== open; tries++) {
    if (tries > 500) throw new Error(`the room never counted ${open} streams`);
    await sleep(10);
  }
}

/** One run of the property: the room takes `actions`, the partway reader arrives at step `arrival`. */
async function converges(
  options: ConvergenceOptions,
  tick: () => void,
  actions: Step[],
  arrival: number,
  steadyAt: number,
): Promise<void> {
  const life = await RoomLife.begin(freshRoom("converge"));
  /** Each stream opened during the run, with the texts deleted before it opened. */
  const laterStreams: { stream: OpenedStream; deleted: string[] }[] = [];
  const resuming: ResumingReader[] = [];
  let steady: OpenedStream | undefined;
  let scrolling: ScrollingReader | undefined;
  /** Resuming readers cut and not yet resumed. */
  let down = 0;
  const open = () => resuming.length - down + (steady ? 1 : 0) + (scrolling ? 1 : 0);

  for (let reader = 0; reader <= options.resuming; reader++) {
    if (reader === steadyAt) steady = await openStream(life.room, { lastEventId: 0 });
    if (reader === options.resuming) break;
    await options.moves?.before(life.room, []);
    resuming.push({ stream: await openStream(life.room, { lastEventId: 0 }), view: new RoomView(), position: "0" });
    await options.moves?.opened(life.room, reader, open());
  }
  if (!steady) throw new Error("the steady reader opens among the others");
  expect((await life.stub.stats()).relays > 0).toBe(options.throughRelays);
  const steadyView = new RoomView();

  for (const [index, step] of actions.entries()) {
    tick();
    if (index === arrival % actions.length) {
      // A reader comes in now: live events from here, and what came before only as pages.
      const oldest = (await life.lastEventId()) + 1;
      const stream = await openStream(life.room, { lastEventId: oldest - 1 });
      scrolling = { stream, view: new RoomView(), oldest, atStart: false, from: oldest };
    }
    if (step.kind === "page") {
      if (!scrolling) continue;
      if (step.readFirst) await readLive(scrolling, await life.lastEventId());
      await scrollBack(life.room, scrolling, step.limit);
      continue;
    }
    if (step.kind === "cut") {
      // Each reader is cut once, with its events read first or not.
      const cut = new Map(step.readers.map(({ reader, readFirst }) => [reader % resuming.length, readFirst]));
      await options.moves?.before(life.room, [...cut.keys()]);
      for (const [reader, readFirst] of cut) {
        const { stream, view } = resuming[reader] as ResumingReader;
        if (readFirst) await readThrough(stream, await life.lastEventId(), view);
      }
      for (const reader of cut.keys()) {
        const cutReader = resuming[reader] as ResumingReader;
        // Cut, perhaps with events still unread in the stream, to resume from the last id read,
        // which a connection that read nothing leaves as it was, as EventSource does.
        cutReader.position = cutReader.stream.reader.lastEventId ?? cutReader.position;
        await cutReader.stream.reader.cancel();
        down += 1;
      }
      if (step.settle) await untilCounted(life.room, open());
      for (const reader of cut.keys()) {
        const cutReader = resuming[reader] as ResumingReader;
        cutReader.stream = await openStream(life.room, { lastEventId: cutReader.position });
        down -= 1;
        laterStreams.push({ stream: cutReader.stream, deleted: [...life.deletedMarkers] });
        await options.moves?.opened(life.room, reader, open());
      }
      continue;
    }
    await life.take(step);
  }

  const last = await life.lastEventId();
  const fresh = await openStream(life.room, { lastEventId: 0 });
  laterStreams.push({ stream: fresh, deleted: [...life.deletedMarkers] });
  expect((await life.stub.stats()).relays > 0).toBe(options.throughRelays);
  await readThrough(steady, last, steadyView);
  for (const reader of resuming) await readThrough(reader.stream, last, reader.view);
  const freshView = new RoomView();
  await readThrough(fresh, last, freshView);
  await Promise.all(
    [steady, fresh, ...resuming.map((reader) => reader.stream)].map((stream) => stream.reader.cancel()),
  );
  if (scrolling) {
    await readLive(scrolling, last);
    await scrolling.stream.reader.cancel();
    while (!scrolling.atStart) await scrollBack(life.room, scrolling, 3);
    // Built from pages of history and its stream, in whatever order they came, it agrees.
    expect(byId(scrolling.view)).toEqual(byId(steadyView));
  }

  const views = [...resuming.map((reader) => reader.view), freshView];
  for (const view of views) {
    expect(view.messages).toEqual(steadyView.messages);
    expect(view.settings).toEqual(steadyView.settings);
  }
  // A reader may miss a change that a later one carries (it is no longer stored once the later
  // one is), and nothing else: the views above are equal. Every id it has, it has once, in order.
  for (const view of [steadyView, ...views]) {
    expect(view.ids.every((id, i) => i === 0 || id > (view.ids[i - 1] ?? 0))).toBe(true);
    expect(view.ids.every((id) => id <= last)).toBe(true);
  }
  expect([...steadyView.messages.keys()]).toEqual(life.posted.map((message) => message.id));
  // A stream opened after a deletion never carries any text the deleted message had.
  for (const { stream, deleted } of laterStreams) {
    for (const marker of deleted) expect(stream.reader.raw).not.toContain(marker);
  }
}

/** Reads the reader's stream through `last`, or only its greeting if `last` came before it did. */
function readLive(reader: ScrollingReader, last: number): Promise<void> {
  return readThrough(reader.stream, last >= reader.from ? last : 0, reader.view);
}

/** Loads the page of history before what the reader holds, as a page does when its reader scrolls up. */
async function scrollBack(room: string, reader: ScrollingReader, limit: number): Promise<void> {
  if (reader.atStart) return;
  const response = await call(`${roomPath(room)}/messages?before=${reader.oldest}&limit=${limit}`);
  expect(response.status).toBe(200);
  const page = (await response.json()) as { events: { id: number; event?: string; data: string }[]; earlier: boolean };
  reader.view.applyPage(page.events);
  reader.oldest = page.events[0]?.id ?? reader.oldest;
  reader.atStart = !page.earlier;
}

/** The messages of a view, by id in order, so that views are compared whatever order they were learned in. */
function byId(view: RoomView) {
  return [...view.messages.entries()].sort(([a], [b]) => a - b);
}

/** Reads until the event with id `last` has arrived, folding every event into `view`. */
async function readThrough(stream: OpenedStream, last: number, view: RoomView): Promise<void> {
  // A stream's greeting is read whatever else it carries: it says the room's settings as they are.
  if (!greeted.has(stream)) {
    for (const event of await stream.reader.until((event) => event.event === "settings", 5000)) view.apply(event);
    greeted.add(stream);
  }
  if ((view.ids.at(-1) ?? 0) >= last) return;
  const events = await stream.reader.until((event) => Number(event.id) >= last && event.event !== "presence", 5000);
  for (const event of events) view.apply(event);
}

/** The streams whose greeting has been read. */
const greeted = new WeakSet<OpenedStream>();
