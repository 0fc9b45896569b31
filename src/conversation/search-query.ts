import { fail, type Result } from "../common/result";
import { bigrams, foldText, foldWord, isCjk, isSearchable, queryPieces } from "./search-text";

/** Longest query, in characters as typed. */
export const SEARCH_QUERY_MAX_LENGTH = 200;
/** Most terms a query may hold; each is one more list of messages for the index to walk. */
export const SEARCH_QUERY_MAX_TERMS = 8;
/** The shortest term of a spaced script that is searched for as the start of words. */
const SHORTEST_PREFIX = 3;

/**
 * How a term finds a message: CJK anywhere inside a run; other words by their start from three
 * characters on, and as whole words when shorter (as a prefix, one or two letters start most
 * words of a room, and the index keeps no prefixes that short).
 */
export type SearchTermKind = "cjk" | "prefix" | "word";

export interface SearchTerm {
  kind: SearchTermKind;
  /** The term as the index is asked for it (compatibility forms unified), which folds it alike. */
  text: string;
  /** The term folded as marks compare it. */
  folded: string;
}

/** A query split into the terms a message must all contain. */
export interface ParsedQuery {
  terms: SearchTerm[];
}

/**
 * Reads what a person typed into a search box. Only letters and digits count: quotes, `*`,
 * `-`, `^`, `:`, parentheses and the like separate words and never reach the index as syntax,
 * and words such as `OR` or `NEAR` are searched for as words.
 */
export function parseSearchQuery(raw: string): Result<{ query: ParsedQuery }> {
  // Counted as typed, before compatibility forms could lengthen it; the first test spares
  // splitting a huge string into characters.
  if (raw.length > SEARCH_QUERY_MAX_LENGTH * 2 || [...raw.trim()].length > SEARCH_QUERY_MAX_LENGTH) {
    return fail(400, "query_too_long", `A search is at most ${SEARCH_QUERY_MAX_LENGTH} characters.`);
  }
  const terms: SearchTerm[] = [];
  const seen = new Set<string>();
  for (const piece of queryPieces(raw.normalize("NFKC"))) {
    if (!isSearchable(piece.text)) continue;
    const folded = piece.cjk ? piece.text : foldWord(piece.text);
    const kind: SearchTermKind = piece.cjk ? "cjk" : [...folded].length < SHORTEST_PREFIX ? "word" : "prefix";
    const key = `${kind}:${folded}`;
    if (seen.has(key)) continue;
    seen.add(key);
    terms.push({ kind, text: piece.text, folded });
  }
  if (terms.length === 0) return fail(400, "query_empty", "A search needs at least one letter or digit.");
  if (terms.length > SEARCH_QUERY_MAX_TERMS) {
    return fail(400, "query_too_many_terms", `A search has at most ${SEARCH_QUERY_MAX_TERMS} words.`);
  }
  return { ok: true, query: { terms } };
}

/**
 * The FTS5 MATCH expression for a query: each term a double-quoted string (a `"` inside
 * doubled, though terms hold only letters and digits), all of them required.
 */
export function matchExpression(query: ParsedQuery): string {
  return query.terms.map(termExpression).join(" AND ");
}

function termExpression(term: SearchTerm): string {
  const quoted = (text: string) => `"${text.replaceAll('"', '""')}"`;
  switch (term.kind) {
    case "cjk":
      // One or two characters are one token of the index; more are the phrase of their pairs.
      return quoted(bigrams(term.text).join(" "));
    case "word":
      return quoted(term.text);
    case "prefix":
      return `${quoted(term.text)}*`;
  }
}

/**
 * Where a message's text matches a query, as `[from, to)` UTF-16 offsets into the text as
 * stored, in order and never overlapping: CJK terms wherever they occur, a prefix term as the
 * whole word it starts, a shorter term where it is a whole word.
 */
export function matchRanges(text: string, query: ParsedQuery): [number, number][] {
  const folded = foldText(text);
  const found: [number, number][] = [];
  for (const term of query.terms) {
    if (term.folded.length === 0) continue;
    for (let at = folded.text.indexOf(term.folded); at !== -1; at = folded.text.indexOf(term.folded, at + 1)) {
      let end = at + term.folded.length;
      if (term.kind !== "cjk") {
        if (isWordChar(charBefore(folded.text, at))) continue;
        if (term.kind === "word" && isWordChar(charAt(folded.text, end))) continue;
        while (isWordChar(charAt(folded.text, end))) end += charAt(folded.text, end).length;
      }
      found.push([folded.from[at] ?? 0, folded.to[end - 1] ?? text.length]);
    }
  }
  return merged(found);
}

/** A character of a word of a script written with spaces, as the tokenizer reads words. */
function isWordChar(char: string): boolean {
  return char !== "" && isSearchable(char) && !isCjk(char);
}

function charAt(text: string, index: number): string {
  const code = text.codePointAt(index);
  return code === undefined ? "" : String.fromCodePoint(code);
}

function charBefore(text: string, index: number): string {
  if (index === 0) return "";
  const low = text.charCodeAt(index - 1);
  const isTrail = low >= 0xdc00 && low <= 0xdfff && index >= 2;
  return charAt(text, isTrail ? index - 2 : index - 1);
}

function merged(ranges: [number, number][]): [number, number][] {
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  for (const range of ranges) {
    const last = out.at(-1);
    if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else out.push([range[0], range[1]]);
  }
  return out;
}
