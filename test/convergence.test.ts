import { env } from "cloudflare:test";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { OpenedStream, Participant } from "./support/chat-client";
import { jsonBody } from "./support/chat-client";
import { RoomView } from "./support/room-view";
import { freshRoom, roomPath } from "./support/rooms";
import { act, call, joinAs, openStream } from "./support/self-client";

const PEOPLE = 4;
const EMOJI = ["👍", "❤️", "🎉"];

/** One step of a room's life. `which` picks among the messages posted so far. */
type Action =
  | { kind: "post"; who: number; text: string; key: number; again: boolean; replyTo: number | undefined }
  | { kind: "edit"; who: number; byAuthor: boolean; which: number; text: string }
  | { kind: "delete"; who: number; byAuthor: boolean; which: number }
  | { kind: "react"; who: number; which: number; emoji: number; on: boolean }
  | { kind: "typing"; who: number }
  | { kind: "settings"; topic: string; readOnly: boolean }
  | { kind: "moderate"; which: number }
  | { kind: "cut"; readFirst: boolean }
  | { kind: "page"; limit: number; readFirst: boolean };

const who = fc.nat(PEOPLE - 1);
const which = fc.nat(30);
/** Mostly by the message's author, who alone may edit or delete it; sometimes by someone else, who is refused. */
const byAuthor = fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 });
const text = fc.string({ minLength: 1, maxLength: 12 }).filter((value) => value.trim() !== "");

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({
    kind: fc.constant("post" as const),
    who,
    text,
    key: fc.nat(5),
    again: fc.boolean(),
    replyTo: fc.option(which, { nil: undefined }),
  }),
  fc.record({ kind: fc.constant("edit" as const), who, byAuthor, which, text }),
  fc.record({ kind: fc.constant("delete" as const), who, byAuthor, which }),
  fc.record({ kind: fc.constant("react" as const), who, which, emoji: fc.nat(EMOJI.length - 1), on: fc.boolean() }),
  fc.record({ kind: fc.constant("typing" as const), who }),
  // The room's owner sets its topic and read-only, and takes messages down.
  fc.record({
    kind: fc.constant("settings" as const),
    topic: fc.constantFrom("", "plans", "launch"),
    readOnly: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("moderate" as const), which }),
  fc.record({ kind: fc.constant("cut" as const), readFirst: fc.boolean() }),
  // The reader that came in partway loads a page of what came before it.
  fc.record({ kind: fc.constant("page" as const), limit: fc.integer({ min: 1, max: 4 }), readFirst: fc.boolean() }),
);

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

afterEach(() => {
  vi.restoreAllMocks();
});

describe("convergence", () => {
  it("gives a reader that dropped anywhere and resumed with Last-Event-ID the same view as one that stayed", async () => {
    // Each step happens two seconds after the last, so that the room's pace limits never refuse one.
    let clock = Date.now();
    vi.spyOn(Date, "now").mockImplementation(() => clock);
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 30 }), fc.nat(30), async (actions, arrival) => {
        const room = freshRoom("converge");
        const stub = env.CHAT_ROOM.getByName(room);
        const claimed = await call(`${roomPath(room)}/owner`, { method: "POST" });
        const { ownerKey } = (await claimed.json()) as { ownerKey: string };
        const asOwner = (method: string, endpoint: string, fields: object) =>
          call(`${roomPath(room)}${endpoint}`, {
            method,
            ...jsonBody(fields),
            headers: { ...jsonBody({}).headers, "Chat-Room-Key": ownerKey },
          });
        const people: Participant[] = [];
        for (let i = 0; i < PEOPLE; i++) people.push(await joinAs(room, `p${i}`));
        const steady = await openStream(room, { lastEventId: 0 });
        let dropping = await openStream(room, { lastEventId: 0 });
        let position = "0";
        const steadyView = new RoomView();
        const droppingView = new RoomView();
        const sentUnder = new Map<string, number>();
        /** Every message posted, and every text it has had, each marked so a stream can be searched for it. */
        const posted: { id: number; author: number; markers: string[] }[] = [];
        const deletedMarkers: string[] = [];
        /** Each stream opened during the run, with the texts deleted before it opened. */
        const laterStreams: { stream: OpenedStream; deleted: string[] }[] = [];
        let texts = 0;
        const marked = (value: string) => {
          texts += 1;
          return { msg: `${value} ~${texts}~`, marker: `~${texts}~` };
        };

        let scrolling: ScrollingReader | undefined;

        for (const [index, step] of actions.entries()) {
          clock += 2000;
          if (index === arrival % actions.length) {
            // A reader comes in now: live events from here, and what came before only as pages.
            const oldest = (await stub.stats()).lastEventId + 1;
            const stream = await openStream(room, { lastEventId: oldest - 1 });
            scrolling = { stream, view: new RoomView(), oldest, atStart: false, from: oldest };
          }
          if (step.kind === "page") {
            if (!scrolling) continue;
            if (step.readFirst) await readLive(scrolling, (await stub.stats()).lastEventId);
            await scrollBack(room, scrolling, step.limit);
            continue;
          }
          if (step.kind === "typing" || step.kind === "cut") {
            if (step.kind === "typing") {
              expect((await act(people[step.who] as Participant, "POST", "/typing")).status).toBe(204);
              continue;
            }
            if (step.readFirst) await readThrough(dropping, (await stub.stats()).lastEventId, droppingView);
            // Cut, perhaps with events still unread in the stream, and resume from the last id read,
            // which a connection that read nothing leaves as it was, as EventSource does.
            position = dropping.reader.lastEventId ?? position;
            await dropping.reader.cancel();
            dropping = await openStream(room, { lastEventId: position });
            laterStreams.push({ stream: dropping, deleted: [...deletedMarkers] });
            continue;
          }
          const before = (await stub.stats()).lastEventId;
          if (step.kind === "settings") {
            const response = await asOwner("PATCH", "/room", { topic: step.topic, readOnly: step.readOnly });
            expect(response.status).toBe(200);
            continue;
          }
          if (step.kind === "post") {
            const participant = people[step.who] as Participant;
            // Some sends are retries of an earlier one under the same key.
            const key = step.again
              ? `message-${step.who}-${step.key}-again`
              : `message-${step.who}-${step.key}-${sentUnder.size}`;
            const { msg, marker } = marked(step.text);
            const replyTo = step.replyTo === undefined ? undefined : posted[step.replyTo % (posted.length || 1)]?.id;
            const response = await act(participant, "POST", "/messages", { msg, key, replyTo });
            if (response.status === 410 || response.status === 403) {
              // A reply to a deleted message, or a post while the room is read-only, is refused
              // and changes nothing.
              expect((await stub.stats()).lastEventId).toBe(before);
              continue;
            }
            expect([200, 201]).toContain(response.status);
            const { id } = (await response.json()) as { id: number };
            if (response.status === 200) expect(sentUnder.get(key)).toBe(id);
            else posted.push({ id, author: step.who, markers: [marker] });
            sentUnder.set(key, id);
            continue;
          }
          const target = posted[step.which % (posted.length || 1)];
          if (!target) continue;
          if (step.kind === "moderate") {
            const response = await asOwner("DELETE", "/messages", { id: target.id });
            expect([200, 410]).toContain(response.status);
            if (response.status === 200) deletedMarkers.push(...target.markers);
            else expect((await stub.stats()).lastEventId).toBe(before);
            continue;
          }
          const byAuthor = step.kind !== "react" && step.byAuthor;
          const participant = people[byAuthor ? target.author : step.who] as Participant;
          let response: Response;
          let marker: string | undefined;
          if (step.kind === "edit") {
            const edit = marked(step.text);
            marker = edit.marker;
            response = await act(participant, "PATCH", "/messages", { id: target.id, msg: edit.msg });
          } else if (step.kind === "delete") {
            response = await act(participant, "DELETE", "/messages", { id: target.id });
          } else {
            const emoji = EMOJI[step.emoji];
            response = await act(participant, step.on ? "POST" : "DELETE", "/reactions", { id: target.id, emoji });
          }
          if (response.status !== 200) {
            // Someone else's message, or one already deleted: refused, and nothing changed.
            expect([403, 410]).toContain(response.status);
            expect((await stub.stats()).lastEventId).toBe(before);
            continue;
          }
          if (marker !== undefined) target.markers.push(marker);
          if (step.kind === "delete") deletedMarkers.push(...target.markers);
        }

        const last = (await stub.stats()).lastEventId;
        const fresh = await openStream(room, { lastEventId: 0 });
        laterStreams.push({ stream: fresh, deleted: [...deletedMarkers] });
        await readThrough(steady, last, steadyView);
        await readThrough(dropping, last, droppingView);
        const freshView = new RoomView();
        await readThrough(fresh, last, freshView);
        await Promise.all([steady.reader.cancel(), dropping.reader.cancel(), fresh.reader.cancel()]);
        if (scrolling) {
          await readLive(scrolling, last);
          await scrolling.stream.reader.cancel();
          while (!scrolling.atStart) await scrollBack(room, scrolling, 3);
          // Built from pages of history and its stream, in whatever order they came, it agrees.
          expect(byId(scrolling.view)).toEqual(byId(steadyView));
        }

        expect(droppingView.messages).toEqual(steadyView.messages);
        expect(freshView.messages).toEqual(steadyView.messages);
        expect(droppingView.settings).toEqual(steadyView.settings);
        expect(freshView.settings).toEqual(steadyView.settings);
        // A reader may miss a change that a later one carries (it is no longer stored once the
        // later one is), and nothing else: the views above are equal. Every id it has, it has
        // once, in order.
        for (const view of [steadyView, droppingView, freshView]) {
          expect(view.ids.every((id, i) => i === 0 || id > (view.ids[i - 1] ?? 0))).toBe(true);
          expect(view.ids.every((id) => id <= last)).toBe(true);
        }
        expect([...steadyView.messages.keys()]).toEqual(posted.map((message) => message.id));
        // A stream opened after a deletion never carries any text the deleted message had.
        for (const { stream, deleted } of laterStreams) {
          for (const marker of deleted) expect(stream.reader.raw).not.toContain(marker);
        }
      }),
      { numRuns: 25 },
    );
  }, 120_000);
});
