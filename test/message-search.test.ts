import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MessageSearch, PENDING_MOST, SEARCH_SHARD_IDS } from "../src/conversation/message-search";
import { matchRanges, type ParsedQuery, parseSearchQuery } from "../src/conversation/search-query";
import { freshRoom } from "./support/rooms";

/** Runs `use` on a search index in a new room's storage; each call is one transaction. */
function inRoom(): <T>(use: (search: MessageSearch, sql: SqlStorage) => T) => Promise<T> {
  const stub = env.CHAT_ROOM.getByName(freshRoom("search"));
  return (use) =>
    runInDurableObject(stub, (_room, state) => use(new MessageSearch(state.storage.sql), state.storage.sql));
}

function parsed(text: string): ParsedQuery {
  const result = parseSearchQuery(text);
  if (!result.ok) throw new Error(`${text}: ${result.code}`);
  return result.query;
}

/** Ids of every message that matches, newest first. */
function ids(search: MessageSearch, text: string): number[] {
  return search.find(parsed(text), { limit: 100 }).ids;
}

/** Indexes each text under its place in the list plus one. */
function indexAll(search: MessageSearch, texts: string[]): void {
  texts.forEach((text, i) => {
    search.index(i + 1, text);
  });
}

describe("searching words", () => {
  it("finds words by their start, in any case, with accents or without", async () => {
    const run = inRoom();
    const found = await run((search) => {
      indexAll(search, ["Crème brûlée for dessert", "CREME fraiche", "naïve café", "cafe latte", "nothing at all"]);
      return {
        creme: ids(search, "creme"),
        crème: ids(search, "Crème"),
        shouting: ids(search, "CRÈME"),
        start: ids(search, "cré"),
        brulee: ids(search, "brulee"),
        cafe: ids(search, "cafe"),
        café: ids(search, "café"),
        naive: ids(search, "NAIVE"),
        inside: ids(search, "ème"),
        absent: ids(search, "cremes"),
      };
    });
    expect(found).toEqual({
      creme: [2, 1],
      crème: [2, 1],
      shouting: [2, 1],
      start: [2, 1],
      brulee: [1],
      cafe: [4, 3],
      café: [4, 3],
      naive: [3],
      inside: [],
      absent: [],
    });
  });

  it("takes terms of one or two letters as whole words, and longer ones as starts", async () => {
    const run = inRoom();
    const found = await run((search) => {
      indexAll(search, ["ok then", "okay fine", "I am in", "install it", "a b c"]);
      return {
        ok: ids(search, "ok"),
        oka: ids(search, "oka"),
        in: ids(search, "in"),
        ins: ids(search, "ins"),
        i: ids(search, "I"),
        b: ids(search, "b"),
      };
    });
    expect(found).toEqual({ ok: [1], oka: [2], in: [3], ins: [4], i: [3], b: [5] });
  });

  it("finds only messages holding every term", async () => {
    const run = inRoom();
    const found = await run((search) => {
      indexAll(search, ["lunch at noon", "lunch tomorrow", "noon tomorrow", "lunch tomorrow at noon"]);
      return {
        both: ids(search, "lunch noon"),
        all: ids(search, "tomorrow lunch noon"),
        twice: ids(search, "lunch lunch"),
      };
    });
    expect(found).toEqual({ both: [4, 1], all: [4], twice: [4, 2, 1] });
  });

  it("unifies compatibility forms: full-width letters, ligatures, styled letters", async () => {
    const run = inRoom();
    const found = await run((search) => {
      indexAll(search, ["ＷＩＤＥ letters", "a ﬁne day", "𝐁𝐨𝐥𝐝 text"]);
      return {
        wide: ids(search, "wide"),
        fine: ids(search, "fine"),
        bold: ids(search, "bold"),
        typedWide: ids(search, "ｌｅｔ"),
      };
    });
    expect(found).toEqual({ wide: [1], fine: [2], bold: [3], typedWide: [1] });
  });
});

describe("searching Chinese, Japanese and Korean", () => {
  const texts = [
    "我们明天去北京大学",
    "東京都に住んでいます",
    "コーヒーを飲みたい",
    "서울에서 만나요",
    "iPhone買った",
    "京",
    "ひらがなとカタカナ",
  ];

  it("finds any part of two or more characters, and single characters", async () => {
    const run = inRoom();
    const found = await run((search) => {
      indexAll(search, texts);
      const of = (query: string) => ids(search, query);
      return {
        chineseTwo: of("北京"),
        chineseMiddle: of("京大"),
        chineseEnd: of("大学"),
        chineseThree: of("明天去"),
        chineseLong: of("我们明天去北京大学"),
        chineseApart: of("北大"),
        kanji: of("東京"),
        kanjiInside: of("京都"),
        kanjiAndKana: of("住んで"),
        katakana: of("コーヒー"),
        katakanaEnd: of("ヒー"),
        halfWidth: of("ｺｰﾋｰ"),
        hiragana: of("がなとカ"),
        korean: of("서울"),
        koreanParticle: of("에서"),
        koreanEnd: of("만나요"),
        mixed: of("買っ"),
        mixedLatin: of("iphone"),
        mixedQuery: of("iPhone買"),
        oneChar: of("京"),
        lastChar: of("学"),
        koreanLastChar: of("요"),
        nowhere: of("大阪"),
      };
    });
    expect(found).toEqual({
      chineseTwo: [1],
      chineseMiddle: [1],
      chineseEnd: [1],
      chineseThree: [1],
      chineseLong: [1],
      chineseApart: [],
      kanji: [2],
      kanjiInside: [2],
      kanjiAndKana: [2],
      katakana: [3],
      katakanaEnd: [3],
      halfWidth: [3],
      hiragana: [7],
      korean: [4],
      koreanParticle: [4],
      koreanEnd: [4],
      mixed: [5],
      mixedLatin: [5],
      mixedQuery: [5],
      oneChar: [6, 2, 1],
      lastChar: [1],
      koreanLastChar: [4],
      nowhere: [],
    });
  });
});

describe("pages of results", () => {
  it("lists the newest first, a page at a time below the last id seen", async () => {
    const run = inRoom();
    const pages = await run((search) => {
      for (let id = 1; id <= 90; id++) search.index(id, id % 2 === 0 ? `report number ${id}` : `other ${id}`);
      const query = parsed("report");
      const first = search.find(query, { limit: 20 });
      const second = search.find(query, { limit: 20, before: first.ids.at(-1) });
      const last = search.find(query, { limit: 20, before: 10 });
      const exact = search.find(query, { limit: 5, before: 11 });
      return { first, second, last, exact };
    });
    expect(pages.first.ids).toEqual(Array.from({ length: 20 }, (_, i) => 90 - 2 * i));
    expect(pages.first.more).toBe(true);
    expect(pages.second.ids).toEqual(Array.from({ length: 20 }, (_, i) => 50 - 2 * i));
    expect(pages.second.more).toBe(true);
    expect(pages.last).toEqual({ ids: [8, 6, 4, 2], more: false });
    expect(pages.exact).toEqual({ ids: [10, 8, 6, 4, 2], more: false });
  });
});

describe("changing the index", () => {
  it("finds an edited message by its new words only", async () => {
    const run = inRoom();
    await run((search) => indexAll(search, ["meet at the station", "station closed"]));
    const found = await run((search) => {
      search.replace(1, "meet at the station", "meet at the harbour");
      return { old: ids(search, "station"), new: ids(search, "harbour"), kept: ids(search, "meet") };
    });
    expect(found).toEqual({ old: [2], new: [1], kept: [1] });
  });

  it("finds a removed message no more, whether it was indexed long ago or just now", async () => {
    const run = inRoom();
    await run((search) => indexAll(search, ["secret plans", "other plans"]));
    const found = await run((search) => {
      search.remove(1, "secret plans");
      search.index(3, "fresh secret");
      search.remove(3, "fresh secret");
      return { secret: ids(search, "secret"), plans: ids(search, "plans") };
    });
    expect(found).toEqual({ secret: [], plans: [2] });
  });

  it("lets removing a text it never indexed under that id change nothing", async () => {
    const run = inRoom();
    await run((search) => indexAll(search, ["kept words", "🎉🎉", "…"]));
    const found = await run((search) => {
      search.remove(9, "kept words");
      search.remove(2, "🎉🎉");
      search.remove(3, "…");
      return ids(search, "kept");
    });
    expect(found).toEqual([1]);
  });

  it("keeps secure-delete on and no copy of the text, however often the room is built", async () => {
    const run = inRoom();
    const state = await run((search, sql) => {
      search.index(1, "first words");
      search.flush();
      const again = new MessageSearch(sql);
      again.index(2, "second words");
      again.flush();
      return {
        secureDelete: sql.exec("SELECT v FROM message_search_0_config WHERE k = 'secure-delete'").one().v,
        tables: sql
          .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE name LIKE 'message_search%' ORDER BY name")
          .toArray()
          .map((row) => row.name),
      };
    });
    expect(state.secureDelete).toBe(1);
    expect(state.tables).toEqual([
      "message_search_0",
      "message_search_0_config",
      "message_search_0_data",
      "message_search_0_idx",
      "message_search_pending",
      "message_search_shards",
    ]);
  });

  it("holds new messages in a queue that goes into the index when full or before a search, and lets a removed one go from it", async () => {
    const run = inRoom();
    const found = await run((search, sql) => {
      const waiting = () => sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM message_search_pending").one().n;
      for (let id = 1; id < PENDING_MOST; id++) search.index(id, `queued word${id}`);
      const beforeFull = waiting();
      search.index(PENDING_MOST, "queued last");
      const afterFull = waiting();
      search.index(PENDING_MOST + 1, "queued again");
      search.remove(PENDING_MOST + 1, "queued again");
      search.index(PENDING_MOST + 2, "queued later");
      const held = waiting();
      return { beforeFull, afterFull, held, found: ids(search, "queued"), afterSearch: waiting() };
    });
    expect(found.beforeFull).toBe(PENDING_MOST - 1);
    expect(found.afterFull).toBe(0);
    expect(found.held).toBe(1);
    expect(found.found.slice(0, 3)).toEqual([PENDING_MOST + 2, PENDING_MOST, PENDING_MOST - 1]);
    expect(found.found).not.toContain(PENDING_MOST + 1);
    expect(found.afterSearch).toBe(0);
  });

  it("keeps ids in tables of their own, searched newest first and paged across them, and drops a table retention has emptied", async () => {
    const run = inRoom();
    const found = await run((search, sql) => {
      const spread = [3, SEARCH_SHARD_IDS - 1, SEARCH_SHARD_IDS, 2 * SEARCH_SHARD_IDS + 5, 5 * SEARCH_SHARD_IDS];
      for (const id of spread) search.index(id, `harbour report ${id}`);
      const pages: number[][] = [];
      let before: number | undefined;
      for (;;) {
        const page = search.find(parsed("harbour"), before === undefined ? { limit: 2 } : { before, limit: 2 });
        pages.push(page.ids);
        if (!page.more) break;
        before = page.ids.at(-1);
      }
      for (const id of [3, SEARCH_SHARD_IDS - 1]) search.remove(id, `harbour report ${id}`);
      search.forgetThrough(SEARCH_SHARD_IDS);
      const tables = sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'")
        .toArray()
        .map((row) => row.name);
      return { pages, after: ids(search, "harbour"), tables, again: ids(new MessageSearch(sql), "harbour") };
    });
    const newestFirst = [5 * SEARCH_SHARD_IDS, 2 * SEARCH_SHARD_IDS + 5, SEARCH_SHARD_IDS, SEARCH_SHARD_IDS - 1, 3];
    expect(found.pages).toEqual([newestFirst.slice(0, 2), newestFirst.slice(2, 4), newestFirst.slice(4)]);
    // The first table held only ids retention removed; the second still holds one it keeps.
    expect(found.after).toEqual(newestFirst.slice(0, 3));
    expect(found.again).toEqual(newestFirst.slice(0, 3));
    expect(found.tables).not.toContain("message_search_0");
    expect(found.tables).toContain("message_search_1");
  });
});

/** Whether any row of the index's shadow tables holds `text` as UTF-8 bytes. */
function storedAnywhere(sql: SqlStorage, text: string): boolean {
  const needle = new TextEncoder().encode(text);
  const tables = sql
    .exec<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'message\\_search\\_%' ESCAPE '\\' AND sql NOT LIKE 'CREATE VIRTUAL%'",
    )
    .toArray();
  expect(tables.length).toBeGreaterThan(0);
  for (const { name } of tables) {
    for (const row of sql.exec(`SELECT * FROM "${name}"`)) {
      for (const value of Object.values(row)) {
        const bytes =
          value instanceof ArrayBuffer
            ? new Uint8Array(value)
            : typeof value === "string"
              ? new TextEncoder().encode(value)
              : undefined;
        if (bytes && contains(bytes, needle)) return true;
      }
    }
  }
  return false;
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

describe("removed text in the database", () => {
  // Words of the index are stored after the part they share with the word before them, so the
  // words checked for start with letters no other word here starts with, and are first seen
  // stored whole; the CJK check is of single characters, which the other text shares no bytes of.
  const filler = Array.from({ length: 300 }, (_, i) => `alpha bravo charlie delta echo foxtrot golf hotel ${i}`);

  it("leaves no byte of a removed or edited message's words in the index's tables", async () => {
    const run = inRoom();
    await run((search) => {
      indexAll(search, filler);
      search.index(1001, "xylophone quietly");
      search.index(1002, "zucchini 秘密");
      search.index(1003, "kept wording");
    });
    const before = await run((_search, sql) =>
      ["xylophone", "zucchini", "秘", "quietly"].map((word) => storedAnywhere(sql, word)),
    );
    expect(before).toEqual([true, true, true, true]);

    await run((search) => {
      search.remove(1001, "xylophone quietly");
      search.replace(1002, "zucchini 秘密", "edited away");
      // Indexed and removed within one transaction, before the index wrote it out.
      search.index(1004, "yodeling");
      search.remove(1004, "yodeling");
    });
    const after = await run((search, sql) => ({
      stored: ["xylophone", "zucchini", "秘", "quietly", "yodeling"].map((word) => storedAnywhere(sql, word)),
      found: ["xylophone", "zucchini", "秘密", "yodeling"].map((word) => ids(search, word)),
      kept: ids(search, "wording"),
      edited: ids(search, "edited"),
    }));
    expect(after).toEqual({
      stored: [false, false, false, false, false],
      found: [[], [], [], []],
      kept: [1003],
      edited: [1002],
    });
  });
});

describe("queries a person types", () => {
  const ok = "ok";
  const cases: [string, string][] = [
    ['"', "query_empty"],
    ['""', "query_empty"],
    ['"hello', ok],
    ['hello"world', ok],
    ['"hello" AND "world"', ok],
    ["*", "query_empty"],
    ["hel*", ok],
    ["*hello*", ok],
    ["-hello", ok],
    ["hello -world", ok],
    ["NEAR(hello world)", ok],
    ['NEAR("a" "b", 2)', ok],
    ["hello OR world", ok],
    ["AND", ok],
    ["NOT", ok],
    ["OR OR OR", ok],
    ["text:hello", ok],
    ["{text}: hello", ok],
    ["message_search:hello", ok],
    ["^hello", ok],
    ["hello^2", ok],
    ["(hello", ok],
    ["hello)", ok],
    ["'; DROP TABLE events; --", ok],
    ["hello\u0000world", ok],
    ["🎉🎉🎉", "query_empty"],
    ["👍🏽 great", ok],
    ["...", "query_empty"],
    ["!@#$%^&*()", "query_empty"],
    ["   ", "query_empty"],
    ["", "query_empty"],
    ["\u0301", "query_empty"],
    ["\ud800", "query_empty"],
    ["مرحبا", ok],
    ["שלום עולם", ok],
    ["हिन्दी", ok],
    ["Ελληνικά", ok],
    ["x".repeat(200), ok],
    ["我".repeat(200), ok],
    ["x".repeat(201), "query_too_long"],
    ["hello ".repeat(2000), "query_too_long"],
    ["a".repeat(10 * 1024), "query_too_long"],
    ["one two three four five six seven eight", ok],
    ["one two three four five six seven eight nine", "query_too_many_terms"],
    ["a b c d e f g h i j k l m n o p", "query_too_many_terms"],
    ["same same same same same same same same same", ok],
  ];

  it.each(cases)("%j is answered with results or a clear refusal", async (text, expected) => {
    const run = inRoom();
    const outcome = await run((search) => {
      indexAll(search, ["hello world", "OR AND NOT near", "我我我", "x".repeat(250)]);
      const result = parseSearchQuery(text);
      if (!result.ok) return { code: result.code, status: result.status, message: result.message };
      const page = search.find(result.query, { limit: 20 });
      return { code: ok, ids: page.ids, marks: matchRanges(text, result.query) };
    });
    expect(outcome.code).toBe(expected);
    if (outcome.code !== ok) {
      expect(outcome.status).toBe(400);
      expect(outcome.message?.length).toBeGreaterThan(10);
    }
  });

  it("searches operator words as words", async () => {
    const run = inRoom();
    const found = await run((search) => {
      indexAll(search, ["hello world", "OR AND NOT near", "x".repeat(250)]);
      return { or: ids(search, "OR"), near: ids(search, "NEAR(hello"), long: ids(search, "x".repeat(200)) };
    });
    expect(found).toEqual({ or: [2], near: [], long: [3] });
  });
});

describe("marks", () => {
  const marks = (text: string, query: string) => matchRanges(text, parsed(query));
  const at = (text: string, part: string, from = 0): [number, number] => {
    const start = text.indexOf(part, from);
    return [start, start + part.length];
  };

  it("marks the whole word a term starts, with accents or without", () => {
    const text = "Crème brûlée, crémeux! Not increment.";
    expect(marks(text, "creme")).toEqual([at(text, "Crème"), at(text, "crémeux")]);
    expect(marks(text, "CRÉ brul")).toEqual([at(text, "Crème"), at(text, "brûlée"), at(text, "crémeux")]);
  });

  it("marks short terms only where they are whole words", () => {
    const text = "ok, okay. OK!";
    expect(marks(text, "ok")).toEqual([at(text, "ok"), at(text, "OK")]);
  });

  it("marks CJK terms wherever they occur, overlapping terms as one range", () => {
    const chinese = "我们明天去北京大学";
    expect(marks(chinese, "北京")).toEqual([at(chinese, "北京")]);
    expect(marks(chinese, "北京 京大")).toEqual([at(chinese, "北京大")]);
    expect(marks(chinese, "学")).toEqual([at(chinese, "学")]);
    const korean = "서울에서 만나요";
    expect(marks(korean, "서울")).toEqual([at(korean, "서울")]);
    const japanese = "コーヒーを飲みたい";
    expect(marks(japanese, "ｺｰﾋｰ")).toEqual([at(japanese, "コーヒー")]);
  });

  it("gives offsets in UTF-16 units of the text as stored", () => {
    const decomposed = "Cre\u0301me";
    expect(marks(decomposed, "crème")).toEqual([[0, decomposed.length]]);
    const bold = "𝐇𝐞𝐥𝐥𝐨 world";
    expect(marks(bold, "hello")).toEqual([[0, 10]]);
    const emoji = "🎉 café";
    expect(marks(emoji, "cafe")).toEqual([at(emoji, "café")]);
    const dotted = "İstanbul";
    expect(marks(dotted, "istanbul")).toEqual([[0, dotted.length]]);
    const mixed = "iPhone買った";
    expect(marks(mixed, "iphone 買っ")).toEqual([[0, "iPhone買っ".length]]);
  });

  it("marks nothing where nothing matches", () => {
    expect(marks("nothing here", "else")).toEqual([]);
    expect(marks("", "word")).toEqual([]);
  });
});
