import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MessageChanges } from "../src/conversation/message-changes";
import { MessageSearch } from "../src/conversation/message-search";
import { Reactions } from "../src/conversation/reactions";
import type { ChangeEvent, ChatEvent } from "../src/log/chat-event";
import { EventLog } from "../src/log/event-log";
import { form } from "./support/chat-client";
import { expectError } from "./support/expect-error";
import { RoomView } from "./support/room-view";
import { freshRoom, roomPath } from "./support/rooms";
import type { SseEvent } from "./support/sse-events";
import { act, call, joinAs, openStream, sayOk } from "./support/workers/self-client";

const EDIT_WINDOW_MS = Number(env.EDIT_WINDOW_SECONDS) * 1000;
const REACTIONS_PER_MESSAGE = Number(env.REACTIONS_PER_MESSAGE);

afterEach(() => {
  vi.restoreAllMocks();
});

/** Moves the room's clock (it runs in the test's isolate) a minute on, so that no pace limit is met. */
function aMinuteLater(): void {
  vi.spyOn(Date, "now").mockReturnValue(Date.now() + 60_000);
}

async function changed(response: Response): Promise<number | null> {
  expect(response.status).toBe(200);
  return ((await response.json()) as { id: number | null }).id;
}

async function lastEventId(room: string): Promise<number> {
  return (await env.CHAT_ROOM.getByName(room).stats()).lastEventId;
}

/** Every event a new reader of the room is sent, up to the newest stored one. */
async function newReaderEvents(room: string): Promise<{ events: SseEvent[]; raw: string }> {
  const last = await lastEventId(room);
  const stream = await openStream(room);
  const events = await stream.reader.until((event) => Number(event.id) >= last && event.event !== "presence");
  const raw = stream.reader.raw;
  await stream.reader.cancel();
  return { events, raw };
}

/** What a reader folds from a stream opened now: a new reader's, or one resuming after `from`. */
async function viewOf(room: string, from?: number): Promise<RoomView> {
  const last = await lastEventId(room);
  const stream = await openStream(room, from === undefined ? {} : { lastEventId: from });
  const view = new RoomView();
  for (const event of await stream.reader.until((event) => Number(event.id) >= last && event.event !== "presence")) {
    view.apply(event);
  }
  await stream.reader.cancel();
  return view;
}

describe("editing", () => {
  it("gives the author's message its new text: an edit event for readers, the message as it is now for new ones", async () => {
    const room = freshRoom("edit");
    const mina = await joinAs(room, "Mina");
    const id = await sayOk(mina, "helo");
    const live = await openStream(room, { lastEventId: id });

    const editId = await changed(await act(mina, "PATCH", "/messages", { id, msg: "hello" }));
    const event = (await live.reader.until((received) => received.event === "edit")).at(-1);
    await live.reader.cancel();
    expect(event?.id).toBe(String(editId));
    const edit = JSON.parse(event?.data ?? "") as ChangeEvent;
    expect(edit).toMatchObject({ kind: "edit", target: id, user: "Mina", msg: "hello" });

    const view = await viewOf(room);
    expect(view.messages.get(id)).toEqual({ user: "Mina", msg: "hello", edited: true });
    // The stored message itself was rewritten, not only followed by its edit.
    const { events } = await newReaderEvents(room);
    const stored = events.find((received) => received.id === String(id) && received.event === "message");
    expect(JSON.parse(stored?.data ?? "")).toMatchObject({ msg: "hello", edited: edit.at, name: "Mina" });
  });

  it("changes nothing for the same text, and refuses others, the window's end, and what is not a message", async () => {
    const room = freshRoom("edit-refusals");
    const mina = await joinAs(room, "Mina");
    const leo = await joinAs(room, "Leo");
    const id = await sayOk(mina, "mine");
    const before = await lastEventId(room);

    expect(await changed(await act(mina, "PATCH", "/messages", { id, msg: " mine " }))).toBeNull();
    await expectError(await act(leo, "PATCH", "/messages", { id, msg: "theirs" }), 403, "not_author");
    await expectError(await act(mina, "PATCH", "/messages", { id: id - 1, msg: "a join" }), 404, "no_such_message");
    await expectError(await act(mina, "PATCH", "/messages", { id: 999, msg: "later" }), 404, "no_such_message");
    await expectError(await act(mina, "PATCH", "/messages", { id: "x", msg: "x" }), 400, "invalid_message_id");
    await expectError(await act(mina, "PATCH", "/messages", { id, msg: "" }), 400, "empty_message");
    await expectError(await act(mina, "PATCH", "/messages", { msg: "which?" }), 400, "missing_field");
    const sent = Date.now();
    vi.spyOn(Date, "now").mockReturnValue(sent + EDIT_WINDOW_MS + 1000);
    await expectError(await act(mina, "PATCH", "/messages", { id, msg: "too late" }), 403, "edit_window_closed");
    vi.restoreAllMocks();

    expect(await lastEventId(room)).toBe(before);
    expect((await viewOf(room)).messages.get(id)).toEqual({ user: "Mina", msg: "mine" });
  });

  it("says how long the edit window is: in seconds under a minute or between whole minutes, one or many", async () => {
    const room = freshRoom("edit-window-words");
    const mina = await joinAs(room, "Mina");
    const id = await sayOk(mina, "mine");
    await runInDurableObject(env.CHAT_ROOM.getByName(room), (_room, state) => {
      // The room's own parts over its storage, with windows wrangler.toml could set.
      const refusal = (windowSeconds: number) => {
        const limits = { editWindowMs: windowSeconds * 1000, reactionsPerMessage: REACTIONS_PER_MESSAGE };
        const changes = new MessageChanges(
          new EventLog(state.storage.sql, { events: 100, ms: 86_400_000 }),
          new Reactions(state.storage.sql),
          new MessageSearch(state.storage.sql),
          limits,
        );
        const refused = changes.edit(mina.token, id, "much later", Date.now() + 3_600_000);
        return refused.ok ? undefined : refused.message;
      };
      expect(refusal(30)).toBe("A message can be edited for 30 seconds after it is sent.");
      expect(refusal(1)).toBe("A message can be edited for 1 second after it is sent.");
      expect(refusal(0.7)).toBe("A message can be edited for 0.7 seconds after it is sent.");
      expect(refusal(90)).toBe("A message can be edited for 90 seconds after it is sent.");
      expect(refusal(60)).toBe("A message can be edited for 1 minute after it is sent.");
      expect(refusal(900)).toBe("A message can be edited for 15 minutes after it is sent.");
    });
  });

  it("takes a form body, as the original client's forms send", async () => {
    const room = freshRoom("edit-form");
    const mina = await joinAs(room, "Mina");
    const id = await sayOk(mina, "one");
    const response = await call(`${roomPath(room)}/messages`, {
      method: "PATCH",
      ...form({ id: String(id), msg: "two" }),
      headers: { ...form({}).headers, Authorization: `Bearer ${mina.token}` },
    });
    expect(await changed(response)).toBeGreaterThan(id);
  });
});

describe("deleting", () => {
  it("removes the text from storage and from every later stream, new or resuming, earlier versions and quotes included", async () => {
    const room = freshRoom("delete");
    const mina = await joinAs(room, "Mina");
    const leo = await joinAs(room, "Leo");
    const start = await lastEventId(room);
    const id = await sayOk(mina, "secret-first-draft");
    await changed(await act(mina, "PATCH", "/messages", { id, msg: "secret-second-draft" }));
    const reply = await sayReply(leo, "what was that?", id);
    await changed(await act(leo, "POST", "/reactions", { id, emoji: "😮" }));
    const live = await openStream(room, { lastEventId: await lastEventId(room) });

    const deleteId = await changed(await act(mina, "DELETE", `/messages?id=${id}`));
    const event = (await live.reader.until((received) => received.event === "delete")).at(-1);
    await live.reader.cancel();
    expect(event?.id).toBe(String(deleteId));
    expect(JSON.parse(event?.data ?? "")).toMatchObject({ kind: "delete", target: id, user: "Mina" });

    for (const from of [undefined, start, id]) {
      const last = await lastEventId(room);
      const stream = await openStream(room, from === undefined ? {} : { lastEventId: from });
      await stream.reader.until((received) => Number(received.id) >= last && received.event !== "presence");
      await stream.reader.cancel();
      expect(stream.reader.raw).not.toMatch(/secret/);
    }
    const view = await viewOf(room, start);
    expect(view.messages.get(id)).toEqual({ user: "Mina", deleted: true });
    expect(view.messages.get(reply)?.replyTo).toEqual({ id, user: "Mina", deleted: true });
    await runInDurableObject(env.CHAT_ROOM.getByName(room), (_room, state) => {
      const sql = state.storage.sql;
      expect(sql.exec("SELECT id FROM events WHERE data LIKE '%secret%'").toArray()).toEqual([]);
      expect(sql.exec("SELECT * FROM reactions WHERE message_id = ?", id).toArray()).toEqual([]);
    });
  });

  it("lets only the author delete, once", async () => {
    const room = freshRoom("delete-refusals");
    const mina = await joinAs(room, "Mina");
    const leo = await joinAs(room, "Leo");
    const id = await sayOk(mina, "mine");
    await expectError(await act(leo, "DELETE", "/messages", { id }), 403, "not_author");
    const edit = await changed(await act(mina, "PATCH", "/messages", { id, msg: "mine, edited" }));
    await changed(await act(mina, "DELETE", "/messages", { id }));
    const after = await lastEventId(room);
    // The edit's own id, now a deletion in its place, was never a message.
    await expectError(await act(leo, "POST", "/reactions", { id: edit, emoji: "👍" }), 404, "no_such_message");
    await expectError(await act(mina, "DELETE", "/messages", { id }), 410, "message_deleted");
    await expectError(await act(mina, "PATCH", "/messages", { id, msg: "back" }), 410, "message_deleted");
    await expectError(await act(leo, "POST", "/reactions", { id, emoji: "👍" }), 410, "message_deleted");
    await expectError(await act(leo, "POST", "/messages", { msg: "re", replyTo: id }), 410, "message_deleted");
    expect(await lastEventId(room)).toBe(after);
  });

  it("carries the message's time, so that a reader there and one who comes later show it under the same day", async () => {
    const room = freshRoom("delete-time");
    const mina = await joinAs(room, "Mina");
    const id = await sayOk(mina, "soon gone");
    const live = await openStream(room, { lastEventId: id - 1 });
    const [sent] = await live.reader.chatUntil((data) => data.msg === "soon gone");
    const sentAt = sent?.data.at;
    expect(sentAt).toBeTypeOf("number");
    // Deleted a day later, when the day line before it would no longer be today's.
    vi.spyOn(Date, "now").mockReturnValue(Date.now() + 24 * 60 * 60 * 1000);
    const deletion = await changed(await act(mina, "DELETE", `/messages?id=${id}`));
    const seen = (await live.reader.until((event) => event.event === "delete")).at(-1);
    await live.reader.cancel();
    const expected = { kind: "delete", target: id, user: "Mina", at: Date.now(), sentAt };
    expect(JSON.parse(seen?.data ?? "")).toEqual(expected);

    // Where the message was, a new reader is sent the same deletion.
    const { events } = await newReaderEvents(room);
    expect(
      events.filter((event) => event.event === "delete").map((event) => [Number(event.id), JSON.parse(event.data)]),
    ).toEqual([
      [id, expected],
      [deletion, expected],
    ]);
  });

  it("refuses a message older than the room's history with 410", async () => {
    const room = freshRoom("expired");
    const mina = await joinAs(room, "Mina");
    const id = await sayOk(mina, "old");
    for (let i = 0; i < Number(env.HISTORY_RETAINED); i++) {
      await runInDurableObject(env.CHAT_ROOM.getByName(room), async (chatRoom) => {
        const posted = chatRoom.post({ token: mina.token, msg: `filler ${i}` });
        expect(posted.ok).toBe(true);
        aMinuteLater();
      });
    }
    vi.restoreAllMocks();
    await expectError(await act(mina, "DELETE", "/messages", { id }), 410, "message_expired");
  });
});

async function sayReply(participant: Awaited<ReturnType<typeof joinAs>>, msg: string, replyTo: number) {
  const response = await act(participant, "POST", "/messages", { msg, replyTo });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: number }).id;
}

describe("replies", () => {
  it("carry a quote of the original that follows its edits", async () => {
    const room = freshRoom("reply");
    const mina = await joinAs(room, "Mina");
    const leo = await joinAs(room, "Leo");
    const id = await sayOk(mina, "lunch at 12?");
    const reply = await sayReply(leo, "yes", id);
    let view = await viewOf(room);
    expect(view.messages.get(reply)).toEqual({
      user: "Leo",
      msg: "yes",
      replyTo: { id, user: "Mina", msg: "lunch at 12?" },
    });

    await changed(await act(mina, "PATCH", "/messages", { id, msg: "lunch at 1?" }));
    view = await viewOf(room);
    expect(view.messages.get(reply)?.replyTo).toEqual({ id, user: "Mina", msg: "lunch at 1?" });
    // The stored reply itself quotes the text as it is now, for a reader whose history starts after the edit.
    const { events } = await newReaderEvents(room);
    const stored = events.find((received) => received.id === String(reply) && received.event === "message");
    expect(JSON.parse(stored?.data ?? "").replyTo).toEqual({ id, user: "Mina", msg: "lunch at 1?" });
  });

  it("refuses an unknown original, and a reply id that is not a number", async () => {
    const room = freshRoom("reply-refusals");
    const leo = await joinAs(room, "Leo");
    const before = await lastEventId(room);
    await expectError(await act(leo, "POST", "/messages", { msg: "re", replyTo: 50 }), 404, "no_such_message");
    await expectError(await act(leo, "POST", "/messages", { msg: "re", replyTo: before }), 404, "no_such_message");
    await expectError(await act(leo, "POST", "/messages", { msg: "re", replyTo: "first" }), 400, "invalid_message_id");
    expect(await lastEventId(room)).toBe(before);
  });
});

describe("reactions", () => {
  it("are toggled per person and emoji, each event carrying everyone who reacted with it", async () => {
    const room = freshRoom("react");
    const mina = await joinAs(room, "Mina");
    const leo = await joinAs(room, "Leo");
    const id = await sayOk(mina, "we shipped");
    const live = await openStream(room, { lastEventId: id });

    const first = Number(await changed(await act(leo, "POST", "/reactions", { id, emoji: "🎉" })));
    expect(await changed(await act(leo, "POST", "/reactions", { id, emoji: "🎉" }))).toBeNull();
    await changed(await act(mina, "POST", "/reactions", { id, emoji: "🎉" }));
    await changed(await act(mina, "POST", "/reactions", { id, emoji: "👍" }));
    await changed(await act(leo, "DELETE", `/reactions?id=${id}&emoji=${encodeURIComponent("🎉")}`));
    expect(await changed(await act(leo, "DELETE", "/reactions", { id, emoji: "🎉" }))).toBeNull();

    const events = await live.reader.until((received) => Number(received.id) >= first + 3);
    await live.reader.cancel();
    const reactions = events.filter((event) => event.event === "reaction").map((event) => JSON.parse(event.data));
    expect(reactions.map(({ emoji, users }) => ({ emoji, users }))).toEqual([
      { emoji: "🎉", users: ["Leo"] },
      { emoji: "🎉", users: ["Leo", "Mina"] },
      { emoji: "👍", users: ["Mina"] },
      { emoji: "🎉", users: ["Mina"] },
    ]);
    expect((await viewOf(room)).messages.get(id)?.reactions).toEqual({ "👍": ["Mina"], "🎉": ["Mina"] });
  });

  it("refuses an emoji outside the set and one past the limit, changing nothing", async () => {
    const room = freshRoom("react-refusals");
    const people = [];
    for (let i = 0; i <= REACTIONS_PER_MESSAGE; i++) people.push(await joinAs(room, `p${i}`));
    const [author] = people;
    if (!author) throw new Error("nobody joined");
    const id = await sayOk(author, "react to me");
    await expectError(await act(author, "POST", "/reactions", { id, emoji: "🍕" }), 400, "unknown_emoji");
    await expectError(await act(author, "POST", "/reactions", { id }), 400, "missing_field");
    for (const person of people.slice(0, REACTIONS_PER_MESSAGE)) {
      await changed(await act(person, "POST", "/reactions", { id, emoji: "👍" }));
    }
    const before = await lastEventId(room);
    const last = people.at(-1);
    if (!last) throw new Error("nobody joined");
    await expectError(await act(last, "POST", "/reactions", { id, emoji: "👍" }), 409, "too_many_reactions");
    expect(await lastEventId(room)).toBe(before);
    // Taking one back is always allowed.
    await changed(await act(author, "DELETE", "/reactions", { id, emoji: "👍" }));
  });

  it("need a session, as every change does", async () => {
    const room = freshRoom("react-anonymous");
    const mina = await joinAs(room, "Mina");
    const id = await sayOk(mina, "hi");
    const response = await call(`${roomPath(room)}/reactions`, {
      method: "POST",
      ...form({ id: String(id), emoji: "👍" }),
    });
    await expectError(response, 401, "not_joined");
    const crossSite = await call(`${roomPath(room)}/messages?id=${id}`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${mina.token}`, Origin: "https://elsewhere.example" },
    });
    await expectError(crossSite, 403, "cross_site");
  });
});

describe("history", () => {
  it("gives a new reader the newest messages as they are now: changes take no place in it", async () => {
    const room = freshRoom("history-window");
    const mina = await joinAs(room, "Mina");
    const ids = [];
    for (let i = 0; i < Number(env.HISTORY_ON_CONNECT); i++) {
      ids.push(await sayOk(mina, `message ${i}`));
      aMinuteLater();
    }
    const last = ids.at(-1) ?? 0;
    for (const emoji of ["👍", "❤️", "😂", "🎉", "😮", "😢"]) {
      await changed(await act(mina, "POST", "/reactions", { id: last, emoji }));
      await changed(await act(mina, "DELETE", "/reactions", { id: last, emoji }));
      aMinuteLater();
    }
    await changed(await act(mina, "PATCH", "/messages", { id: last, msg: "edited" }));
    vi.restoreAllMocks();

    const view = await viewOf(room);
    expect([...view.messages.keys()]).toEqual(ids);
    expect(view.messages.get(last)).toEqual({ user: "Mina", msg: "edited", edited: true });
  });

  it("keeps change events out of the original client's onmessage: each is a named event", async () => {
    const room = freshRoom("named-changes");
    const mina = await joinAs(room, "Mina");
    const id = await sayOk(mina, "x");
    const live = await openStream(room, { lastEventId: id });
    const reaction = await changed(await act(mina, "POST", "/reactions", { id, emoji: "👍" }));
    const edit = await changed(await act(mina, "PATCH", "/messages", { id, msg: "y" }));
    const deletion = await changed(await act(mina, "DELETE", "/messages", { id }));
    const received = await live.reader.until((event) => event.id === String(deletion));
    await live.reader.cancel();
    expect(
      received
        .filter((event) => ["message", "edit", "delete", "reaction"].includes(event.event))
        .map((event) => [event.event, Number(event.id)]),
    ).toEqual([
      ["reaction", reaction],
      ["edit", edit],
      ["delete", deletion],
    ]);
    // Later, the deletion is all there is of the message: where it was, and as the change.
    const { events } = await newReaderEvents(room);
    const messages = events.filter((event) => event.event === "message").map((event) => JSON.parse(event.data));
    expect(messages.map((data: ChatEvent) => data.kind)).toEqual(["join"]);
    expect(
      events
        .filter((event) => ["message", "edit", "delete", "reaction"].includes(event.event))
        .map((event) => [event.event, Number(event.id)]),
    ).toEqual([
      ["message", id - 1],
      ["delete", id],
      ["delete", deletion],
    ]);
  });

  it("keeps one stored change of each kind per message, so changing it often pushes no history out", async () => {
    const room = freshRoom("superseded");
    const mina = await joinAs(room, "Mina");
    const leo = await joinAs(room, "Leo");
    const first = await sayOk(mina, "the first message");
    const id = await sayOk(mina, "react to me");
    const resumeFrom = await lastEventId(room);
    // More changes than the room retains events, each person acting once a second.
    for (let i = 0; i < Number(env.HISTORY_RETAINED) + 10; i++) {
      await changed(await act(leo, i % 2 === 0 ? "POST" : "DELETE", "/reactions", { id, emoji: "👍" }));
      await changed(await act(mina, "PATCH", "/messages", { id, msg: `edit ${i}` }));
      // A second on: inside the pace limit, and all of it inside the edit window.
      vi.spyOn(Date, "now").mockReturnValue(Date.now() + 1000);
    }
    vi.restoreAllMocks();
    await runInDurableObject(env.CHAT_ROOM.getByName(room), (_room, state) => {
      const rows = state.storage.sql
        .exec<{ event: string | null; count: number }>(
          "SELECT event, COUNT(*) AS count FROM events WHERE target = ? GROUP BY event ORDER BY event",
          id,
        )
        .toArray();
      expect(rows).toEqual([
        { event: "edit", count: 1 },
        { event: "reaction", count: 1 },
      ]);
    });
    // Nothing was pushed out: a new reader still has the first message, and a reader that
    // resumes from before the changes gets no gap and ends with the message as it is.
    expect((await viewOf(room)).messages.get(first)).toEqual({ user: "Mina", msg: "the first message" });
    const last = await lastEventId(room);
    const stream = await openStream(room, { lastEventId: resumeFrom });
    const events = await stream.reader.until((event) => Number(event.id) >= last && event.event !== "presence");
    await stream.reader.cancel();
    expect(events.map((event) => event.event)).not.toContain("gap");
    const view = new RoomView();
    view.messages.set(id, { user: "Mina", msg: "react to me" });
    for (const event of events) view.apply(event);
    const lastEdit = `edit ${Number(env.HISTORY_RETAINED) + 9}`;
    // Leo's last press took his reaction back.
    expect(view.messages.get(id)).toEqual({ user: "Mina", msg: lastEdit, edited: true });
  });
});

describe("storage", () => {
  it("adds the columns changes need to a room made before them, keeping its events", async () => {
    const room = freshRoom("migrate");
    const mina = await joinAs(room, "Mina");
    await sayOk(mina, "before");
    await runInDurableObject(env.CHAT_ROOM.getByName(room), async (_room, state) => {
      const sql = state.storage.sql;
      sql.exec("ALTER TABLE events RENAME TO events_new");
      sql.exec("CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT NOT NULL)");
      sql.exec("INSERT INTO events (id, data) SELECT id, data FROM events_new");
      sql.exec("DROP TABLE events_new");
      const { EventLog } = await import("../src/log/event-log");
      const log = new EventLog(sql, { events: 100, ms: 86_400_000 });
      const id = log.append("{}", { event: "edit", target: 1, at: Date.now(), message: false });
      expect(log.replay(id - 1, 1)).toEqual([{ id, event: "edit", data: "{}" }]);
      // The rows kept from before are read as what they are: the message counts in a page of history.
      const page = log.before(id, 10);
      expect(page.events.filter((event) => event.data.includes("before"))).toHaveLength(1);
      expect(page.events.every((event) => event.event !== "edit")).toBe(true);
    });
  });
});
