import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { ChatEvent } from "../src/log/chat-event";
import type { HistoryAnswer } from "../src/log/history-pages";
import type { ChatRoom } from "../src/room/chat-room";
import { expectError } from "./support/expect-error";
import { freshRoom, roomPath } from "./support/rooms";
import { crowd } from "./support/workers/crowd";
import { claim, joinWithKey } from "./support/workers/room-authority";
import { storedText } from "./support/workers/room-storage";
import { act, call, joinAs, leave, openStream, sayOk } from "./support/workers/self-client";

const DAY_MS = 24 * 60 * 60 * 1000;
const RETAINED = Number(env.HISTORY_RETAINED);
const RETAINED_MS = Number(env.HISTORY_RETAINED_DAYS) * DAY_MS;

type Page = Omit<HistoryAnswer, "ok">;

async function history(room: string, query: string, init?: RequestInit): Promise<Page> {
  const response = await call(`${roomPath(room)}/messages?${query}`, init);
  expect(response.status).toBe(200);
  return response.json<Page>();
}

/** What a page shows, line by line: each message's text (or that it was deleted), each notice's. */
function lines(page: Page): string[] {
  return page.events.map(({ event, data }) => {
    const parsed = JSON.parse(data) as ChatEvent & { kind: string };
    if (event === "delete") return "(deleted)";
    return event === undefined ? parsed.msg : `(${event})`;
  });
}

describe("pages of history", () => {
  it("counts messages, bringing the joins and leaves between them, oldest first", async () => {
    const room = freshRoom("pages");
    const ana = await joinAs(room, "Ana");
    const ids: number[] = [];
    for (let i = 1; i <= 6; i++) {
      ids.push(await sayOk(ana, `m${i}`));
      await joinAs(room, `guest${i}`);
    }
    const newest = await history(room, `before=${(ids.at(-1) ?? 0) + 1}&limit=2`);
    expect(lines(newest)).toEqual(["m5", "add user : guest5", "m6"]);
    expect(newest).toMatchObject({ earlier: true, later: true, trimmed: false });
    const older = await history(room, `before=${newest.events[0]?.id}&limit=2`);
    expect(lines(older)).toEqual(["m3", "add user : guest3", "m4", "add user : guest4"]);
    // Fewer messages left than asked for: the page goes back to the start of the room.
    const first = await history(room, `before=${older.events[0]?.id}&limit=5`);
    expect(lines(first)).toEqual(["add user : Ana", "m1", "add user : guest1", "m2", "add user : guest2"]);
    expect(first.earlier).toBe(false);

    const after = await history(room, `after=${ids[3]}&limit=2`);
    expect(lines(after)).toEqual(["add user : guest4", "m5", "add user : guest5", "m6"]);
    expect(after).toMatchObject({ earlier: true, later: true });
    const end = await history(room, `after=${ids[5]}&limit=2`);
    expect(lines(end)).toEqual(["add user : guest6"]);
    expect(end.later).toBe(false);
    expect(end.latestId).toBe(end.events.at(-1)?.id);
  });

  it("keeps every message it counts when a flood of joins came between them, and the newest of the joins", async () => {
    const room = freshRoom("flood");
    const ana = await joinAs(room, "Ana");
    const said = [await sayOk(ana, "one"), await sayOk(ana, "two")];
    for (let i = 0; i < 45; i++) await joinAs(room, `flood${i}`);
    said.push(await sayOk(ana, "three"));
    const page = await history(room, `before=${(said.at(-1) ?? 0) + 1}&limit=3`);
    const messages = page.events.filter((event) => JSON.parse(event.data).kind === "message");
    expect(messages.map((event) => event.id)).toEqual(said);
    // Ten for each message counted, the newest: the last thirty of the forty-five joins.
    const joins = lines(page).filter((line) => line.startsWith("add user"));
    expect(joins).toEqual(Array.from({ length: 30 }, (_, i) => `add user : flood${i + 15}`));
    expect(page.earlier).toBe(true);
  });

  it("gives each message as it is now, and none of the changes that made it so", async () => {
    const room = freshRoom("as-now");
    const ana = await joinAs(room, "Ana");
    const ben = await joinAs(room, "Ben");
    const first = await sayOk(ana, "first");
    const doomed = await sayOk(ben, "doomed words");
    const reply = await (await act(ben, "POST", "/messages", { msg: "a reply", replyTo: first })).json<{
      id: number;
    }>();
    expect((await act(ana, "PATCH", "/messages", { id: first, msg: "first, edited" })).status).toBe(200);
    expect((await act(ben, "POST", "/reactions", { id: first, emoji: "👍" })).status).toBe(200);
    expect((await act(ben, "DELETE", "/messages", { id: doomed })).status).toBe(200);

    const page = await history(room, `after=0&limit=10`);
    expect(page.events.map((event) => event.event)).toEqual([undefined, undefined, undefined, "delete", undefined]);
    const byId = new Map(page.events.map((event) => [event.id, JSON.parse(event.data)]));
    expect(byId.get(first)).toMatchObject({ msg: "first, edited", reactions: { "👍": ["Ben"] } });
    expect(byId.get(first).edited).toBeTypeOf("number");
    expect(byId.get(doomed)).toMatchObject({ kind: "delete", target: doomed });
    expect(byId.get(reply.id)).toMatchObject({ replyTo: { id: first, msg: "first, edited" } });
    expect(JSON.stringify(page)).not.toContain("doomed");
  });

  it("opens around a message, which is always in the page, and says which messages a link cannot open", async () => {
    const room = freshRoom("around");
    const ana = await joinAs(room, "Ana");
    const ben = await joinAs(room, "Ben");
    const ids: number[] = [];
    for (let i = 1; i <= 9; i++) ids.push(await sayOk(i % 2 === 0 ? ben : ana, `m${i}`));
    const middle = await history(room, `around=${ids[4]}&limit=4`);
    expect(lines(middle)).toEqual(["m3", "m4", "m5", "m6"]);
    expect(middle).toMatchObject({ earlier: true, later: true });
    const one = await history(room, `around=${ids[0]}&limit=1`);
    expect(lines(one)).toEqual(["m1"]);
    expect(one).toMatchObject({ earlier: true, later: true });

    expect((await act(ana, "DELETE", "/messages", { id: ids[8] })).status).toBe(200);
    // ids[8] is m9, Ana's; m8 is Ben's, to edit.
    await expectError(await call(`${roomPath(room)}/messages?around=${ids[8]}`), 410, "message_deleted");
    await expectError(await call(`${roomPath(room)}/messages?around=99999`), 404, "no_such_message");
    const edit = await (await act(ben, "PATCH", "/messages", { id: ids[7], msg: "changed" })).json<{ id: number }>();
    await expectError(await call(`${roomPath(room)}/messages?around=${edit.id}`), 404, "no_such_message");
  });

  it.each([
    ["", "none of before, after or around"],
    ["before=1&after=2", "two anchors"],
    ["before=0", "no event 0"],
    ["before=abc", "not a number"],
    ["before=1.5", "not whole"],
    ["before=9999999999999999", "too large"],
    ["around=-1", "negative"],
    ["before=5&limit=0", "no messages"],
    ["before=5&limit=101", "more than a page"],
    ["before=5&limit=ten", "a limit that is not a number"],
  ])("refuses %j (%s) with a clear 400, changing nothing", async (query) => {
    const room = freshRoom("bad-query");
    const ana = await joinAs(room, "Ana");
    const id = await sayOk(ana, "kept");
    await expectError(await call(`${roomPath(room)}/messages?${query}`), 400, "invalid_history_query");
    expect((await env.CHAT_ROOM.getByName(room).stats()).lastEventId).toBe(id);
  });

  it("follows the stream's rules: anyone may read, a removed participant may not", async () => {
    const room = freshRoom("history-access");
    const key = await claim(room);
    const host = await joinWithKey(room, "Host", key);
    const guest = await joinAs(room, "Guest");
    await sayOk(guest, "hello");
    expect((await call(`${roomPath(room)}/messages?before=100`)).status).toBe(200);
    expect((await act(host, "POST", "/removals", { name: "Guest", minutes: 10 })).status).toBe(200);
    const asGuest = { headers: { Authorization: `Bearer ${guest.token}` } };
    const refusedStream = await call(`${roomPath(room)}/stream`, asGuest);
    const refusedHistory = await call(`${roomPath(room)}/messages?before=100`, asGuest);
    expect(refusedHistory.status).toBe(refusedStream.status);
    const [streamBody, historyBody] = [await refusedStream.json(), await refusedHistory.json()];
    expect(historyBody).toEqual(streamBody);
    expect(refusedHistory.status).toBe(403);
  });
});

describe("a new reader's history", () => {
  it("holds the newest messages however many joins and leaves came after them", async () => {
    const room = freshRoom("joins-after");
    const onConnect = Number(env.HISTORY_ON_CONNECT);
    const say = await crowd(room, onConnect);
    const said: string[] = [];
    for (let i = 0; i < onConnect; i++) {
      said.push(`m${i}`);
      await say(i, `m${i}`);
    }
    for (let i = 0; i < onConnect * 2; i++) await joinAs(room, `g${i}`);
    const reader = await openStream(room);
    const shown = await reader.reader.chatUntil((data) => data.msg === `add user : g${onConnect * 2 - 1}`);
    const messages = shown.filter((event) => event.data.kind === "message").map((event) => event.data.msg);
    expect(messages).toEqual(said);
    await reader.reader.cancel();
  });
});

/** Rows of the room's events table, by id. */
function storedIds(room: string): Promise<number[]> {
  return runInDurableObject(env.CHAT_ROOM.getByName(room), (_room: ChatRoom, state) =>
    state.storage.sql
      .exec<{ id: number }>("SELECT id FROM events ORDER BY id")
      .toArray()
      .map((row) => row.id),
  );
}

describe("retention", () => {
  it("keeps the newest events up to the count, and says a page asked for before them is gone", async () => {
    const room = freshRoom("count");
    const say = await crowd(room, RETAINED + 20);
    let last = 0;
    for (let i = 0; i < RETAINED + 20; i++) last = await say(i, `n${i}`);
    const stored = await storedIds(room);
    expect(stored).toHaveLength(RETAINED);
    expect(stored[0]).toBe(last - RETAINED + 1);
    const top = await history(room, `before=${stored[0] ?? 0}&limit=10`);
    expect(top).toMatchObject({ events: [], earlier: false, trimmed: true });
    await expectError(await call(`${roomPath(room)}/messages?before=${(stored[0] ?? 0) - 1}`), 410, "history_expired");
    await expectError(await call(`${roomPath(room)}/messages?around=${(stored[0] ?? 0) - 1}`), 410, "message_expired");
  });

  it("refuses an edit as expired when coming back pushed the message out of what is kept", async () => {
    const room = freshRoom("edit-at-the-edge");
    const mina = await joinAs(room, "Mina");
    const edge = await sayOk(mina, "at the edge");
    // Mina is announced as gone, then the room fills until her message is the oldest it keeps.
    const stub = env.CHAT_ROOM.getByName(room);
    // Each alarm at its time, until the one that finds her grace period over.
    for (let alarms = 0; (await stub.users()).length > 0 && alarms < 3; alarms++) {
      const alarm = await runInDurableObject(stub, (_room: ChatRoom, state) => state.storage.getAlarm());
      const clock = vi.spyOn(Date, "now").mockReturnValue((alarm ?? 0) + 1);
      try {
        expect(await runDurableObjectAlarm(stub)).toBe(true);
      } finally {
        clock.mockRestore();
      }
    }
    expect(await stub.users()).toEqual([]);
    const say = await crowd(room, RETAINED);
    let last = (await stub.stats()).lastEventId;
    for (let i = 0; last < edge + RETAINED - 1; i++) last = await say(i, `filler ${i}`);
    expect((await storedIds(room))[0]).toBe(edge);
    // Her edit brings her back: the join that says so is one event too many for the message.
    await expectError(await act(mina, "PATCH", "/messages", { id: edge, msg: "edited" }), 410, "message_expired");
  });

  it("takes an expired message's text out of the quotes in the replies it keeps", async () => {
    const room = freshRoom("expired-quote");
    const say = await crowd(room, RETAINED + 10);
    const ana = await joinAs(room, "Ana");
    const original = await sayOk(ana, "a quoted secret");
    for (let i = 0; i < 5; i++) await say(i, `before the answer ${i}`);
    const answered = await act(ana, "POST", "/messages", { msg: "my answer", replyTo: original });
    const reply = (await answered.json<{ id: number }>()).id;
    let last = reply;
    for (let i = 5; last < original + RETAINED; i++) last = await say(i, `after the answer ${i}`);
    const stored = await storedIds(room);
    expect(stored).not.toContain(original);
    expect(stored).toContain(reply);
    const page = await history(room, `around=${reply}&limit=1`);
    expect(JSON.parse(page.events[0]?.data ?? "{}").replyTo).toEqual({ id: original, user: "Ana", expired: true });
    expect(await storedText(room)).not.toContain("quoted secret");
  });

  it("removes events older than the room keeps, by its alarm when nothing is written, bytes and all", async () => {
    const room = freshRoom("age");
    const ana = await joinAs(room, "Ana");
    const old = await sayOk(ana, "an old secret");
    // Nobody is left to announce as gone, so the alarm left is retention's.
    expect((await leave(ana)).status).toBe(200);
    const start = Date.now();
    const stub = env.CHAT_ROOM.getByName(room);
    const alarmAt = () => runInDurableObject(stub, (_room: ChatRoom, state) => state.storage.getAlarm());
    // The alarm presence asked for when Ana joined goes off first, and finds nobody to announce.
    const presence = vi.spyOn(Date, "now").mockReturnValue((await alarmAt()) ?? start);
    try {
      expect(await runDurableObjectAlarm(stub)).toBe(true);
    } finally {
      presence.mockRestore();
    }
    const alarm = await alarmAt();
    // The room wakes when its oldest event grows too old.
    expect(alarm).toBeGreaterThanOrEqual(start - 1000 + RETAINED_MS);
    expect(alarm).toBeLessThanOrEqual(Date.now() + RETAINED_MS);

    const later = vi.spyOn(Date, "now").mockReturnValue(start + RETAINED_MS + DAY_MS);
    try {
      expect(await runDurableObjectAlarm(stub)).toBe(true);
    } finally {
      later.mockRestore();
    }
    expect(await storedIds(room)).toEqual([]);
    await expectError(await call(`${roomPath(room)}/messages?around=${old}`), 410, "message_expired");
    const bytes = await storedText(room);
    expect(bytes).not.toContain("an old secret");
  });

  it("trims a few events a write, never the whole log at once", async () => {
    const room = freshRoom("bounded-trim");
    const say = await crowd(room, 30);
    for (let i = 0; i < 30; i++) await say(i, `x${i}`);
    const removedByOneWrite = await runInDurableObject(
      env.CHAT_ROOM.getByName(room),
      async (_room: ChatRoom, state) => {
        const { EventLog } = await import("../src/log/event-log");
        // The same room under a much lower count: one write brings it a few events closer.
        const log = new EventLog(state.storage.sql, { events: 5, ms: RETAINED_MS });
        const count = () => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM events").one().n;
        const before = count();
        log.append("{}", { at: Date.now(), message: false });
        return before + 1 - count();
      },
    );
    expect(removedByOneWrite).toBeGreaterThan(0);
    expect(removedByOneWrite).toBeLessThanOrEqual(4);
  });
});
