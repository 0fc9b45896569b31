import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { ChatEvent } from "../src/log/chat-event";
import { expectError } from "./support/expect-error";
import { freshRoom, roomPath } from "./support/rooms";
import { crowd } from "./support/workers/crowd";
import { claim, joinWithKey } from "./support/workers/room-authority";
import { storedText } from "./support/workers/room-storage";
import { act, call, joinAs, leave, sayOk } from "./support/workers/self-client";

const DAY_MS = 24 * 60 * 60 * 1000;

interface Found {
  results: { id: number; data: string; marks: [number, number][] }[];
  more: boolean;
}

function searchRequest(room: string, fields: Record<string, unknown>, token?: string): Promise<Response> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  return call(`${roomPath(room)}/search`, { method: "POST", headers, body: JSON.stringify(fields) });
}

async function search(room: string, q: string, more: Record<string, unknown> = {}): Promise<Found> {
  const response = await searchRequest(room, { q, ...more });
  expect(response.status).toBe(200);
  return response.json<Found>();
}

async function foundIds(room: string, q: string): Promise<number[]> {
  return (await search(room, q)).results.map((result) => result.id);
}

/** The marked parts of each result's text. */
function markedWords(found: Found): string[][] {
  return found.results.map((result) => {
    const { msg } = JSON.parse(result.data) as ChatEvent;
    return result.marks.map(([from, to]) => msg.slice(from, to));
  });
}

describe("search", () => {
  it("finds words and their starts, accents and case folded, newest first, and marks them", async () => {
    const room = freshRoom("search-words");
    const ana = await joinAs(room, "Ana");
    const creme = await sayOk(ana, "Crème brûlée for dessert");
    const cream = await sayOk(ana, "whipped cream on top");
    await sayOk(ana, "nothing to see here");
    expect(await foundIds(room, "creme")).toEqual([creme]);
    expect(await foundIds(room, "CRÈME")).toEqual([creme]);
    expect(await foundIds(room, "cre")).toEqual([cream, creme]);
    expect(await foundIds(room, "brulee dessert")).toEqual([creme]);
    expect(await foundIds(room, "dessert cream")).toEqual([]);
    const found = await search(room, "cre des");
    // The words found by their start are marked whole, as written.
    expect(markedWords(found)).toEqual([["Crème", "dessert"]]);
  });

  it("finds Korean, Japanese and Chinese by any part of two characters or more", async () => {
    const room = freshRoom("search-cjk");
    const ana = await joinAs(room, "Ana");
    const korean = await sayOk(ana, "서울에서 만나요");
    const japanese = await sayOk(ana, "東京都でラーメンを食べた");
    const chinese = await sayOk(ana, "我们明天去北京大学");
    expect(await foundIds(room, "서울")).toEqual([korean]);
    expect(await foundIds(room, "울에서")).toEqual([korean]);
    expect(await foundIds(room, "京都")).toEqual([japanese]);
    expect(await foundIds(room, "ラーメン")).toEqual([japanese]);
    expect(await foundIds(room, "北京")).toEqual([chinese]);
    expect(await foundIds(room, "北京大学")).toEqual([chinese]);
    expect(await foundIds(room, "京大")).toEqual([chinese]);
    expect(await foundIds(room, "大阪")).toEqual([]);
    expect(markedWords(await search(room, "ラーメン"))).toEqual([["ラーメン"]]);
  });

  it("pages older results with before", async () => {
    const room = freshRoom("search-pages");
    const say = await crowd(room, 12);
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) ids.push(await say(i, `report number ${i}`));
    const first = await search(room, "report", { limit: 5 });
    expect(first.results.map((result) => result.id)).toEqual(ids.slice(7).reverse());
    expect(first.more).toBe(true);
    const second = await search(room, "report", { limit: 5, before: first.results.at(-1)?.id });
    expect(second.results.map((result) => result.id)).toEqual(ids.slice(2, 7).reverse());
    const last = await search(room, "report", { limit: 5, before: second.results.at(-1)?.id });
    expect(last.results.map((result) => result.id)).toEqual(ids.slice(0, 2).reverse());
    expect(last.more).toBe(false);
  });

  it("follows edits, deletions by the author or a moderator, and expiry, in the index and in storage", async () => {
    const room = freshRoom("search-changes");
    const key = await claim(room);
    const host = await joinWithKey(room, "Host", key);
    const ana = await joinAs(room, "Ana");
    const edited = await sayOk(ana, "zebrafirst draft");
    expect((await act(ana, "PATCH", "/messages", { id: edited, msg: "giraffesecond draft" })).status).toBe(200);
    expect(await foundIds(room, "zebrafirst")).toEqual([]);
    expect(await foundIds(room, "giraffesecond")).toEqual([edited]);
    const found = await search(room, "giraffesecond");
    expect(JSON.parse(found.results[0]?.data ?? "{}")).toMatchObject({ msg: "giraffesecond draft" });

    const byAuthor = await sayOk(ana, "pelicanown words");
    const byModerator = await sayOk(ana, "walrusout of line");
    expect((await act(ana, "DELETE", "/messages", { id: byAuthor })).status).toBe(200);
    expect((await act(host, "DELETE", "/messages", { id: byModerator })).status).toBe(200);
    expect(await foundIds(room, "pelicanown")).toEqual([]);
    expect(await foundIds(room, "walrusout")).toEqual([]);

    // The room is left alone for longer than it keeps anything.
    const start = Date.now();
    expect((await leave(ana)).status).toBe(200);
    expect((await leave(host)).status).toBe(200);
    const stub = env.CHAT_ROOM.getByName(room);
    const clock = vi.spyOn(Date, "now").mockReturnValue(start + Number(env.HISTORY_RETAINED_DAYS) * DAY_MS + DAY_MS);
    try {
      while (await runDurableObjectAlarm(stub)) {}
    } finally {
      clock.mockRestore();
    }
    expect(await foundIds(room, "giraffesecond")).toEqual([]);
    const stored = await storedText(room);
    for (const word of ["zebrafirst", "giraffesecond", "pelicanown", "walrusout", "ebrafirst", "iraffesecond"]) {
      expect(stored).not.toContain(word);
    }
  });

  it.each([
    ['"unbalanced', 200],
    ["*", 400],
    ["-", 400],
    ["NEAR(", 200],
    ["a OR b", 200],
    ["NOT AND OR", 200],
    ["text:secret", 200],
    ["^start", 200],
    ["😀🎉", 400],
    ["x".repeat(10_000), 400],
    ["one two three four five six seven eight nine", 400],
    ["", 400],
    ["   ", 400],
  ])("answers the query %j with results or a clear 400, never a 500", async (q, status) => {
    const room = freshRoom("search-hostile");
    const ana = await joinAs(room, "Ana");
    await sayOk(ana, "a secret start, near the text");
    const response = await searchRequest(room, { q });
    expect(response.status).toBe(status);
    const body = await response.json<{ error?: string; results?: unknown[] }>();
    if (status === 400) expect(body.error).toMatch(/^(query_|missing_field)/);
    else expect(Array.isArray(body.results)).toBe(true);
  });

  it.each([[{ q: "x", limit: 0 }], [{ q: "x", limit: 51 }], [{ q: "x", before: "soon" }], [{ q: 5 }], [{}]])(
    "refuses the request %j with a clear 400",
    async (fields) => {
      const response = await searchRequest(freshRoom("search-bad"), fields);
      expect(response.status).toBe(400);
    },
  );

  it("paces searching per participant, with Retry-After, and follows the stream's rules", async () => {
    const room = freshRoom("search-pace");
    const key = await claim(room);
    const host = await joinWithKey(room, "Host", key);
    const ana = await joinAs(room, "Ana");
    await sayOk(ana, "something to find");
    const burst = Number(env.SEARCH_RATE_BURST);
    for (let i = 0; i < burst; i++) expect((await searchRequest(room, { q: "something" }, ana.token)).status).toBe(200);
    const paced = await searchRequest(room, { q: "something" }, ana.token);
    expect(paced.headers.get("Retry-After")).toMatch(/^\d+$/);
    await expectError(paced, 429, "searching_too_often");
    // Another participant has a pace of their own.
    expect((await searchRequest(room, { q: "something" }, host.token)).status).toBe(200);

    expect((await act(host, "POST", "/removals", { name: "Ana", minutes: 10 })).status).toBe(200);
    const stream = await call(`${roomPath(room)}/stream`, { headers: { Authorization: `Bearer ${ana.token}` } });
    const refused = await searchRequest(room, { q: "something" }, ana.token);
    expect(refused.status).toBe(stream.status);
    expect(await refused.json()).toEqual(await stream.json());
  });
});
