/**
 * How text is cut for message search, shared by the index and the query so both cut alike.
 *
 * SQLite's unicode61 tokenizer splits words at spaces and punctuation, which Chinese and
 * Japanese do not use and Korean does not use between a word and its particles (서울에서). So a
 * run of those characters is indexed as its overlapping pairs (東京都 as 東京 京都), and a
 * longer query is asked for as the phrase of its pairs, finding it inside any run. Each
 * character is indexed once more on its own, after the text, so that one character is a word
 * to look up rather than a prefix of thousands of pairs, and so that the last of a run is found
 * too. Those single characters come after every pair, so a phrase of pairs never spans them.
 */

/** Letters and digits of the scripts written without spaces between words. */
const CJK_CLASS = String.raw`[[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Hangul}]&&[\p{L}\p{N}]]`;
const CJK_CHAR = new RegExp(`^${CJK_CLASS}$`, "v");
const CJK_RUN = new RegExp(`${CJK_CLASS}+`, "gv");
/** A run of what the tokenizer keeps (letters, digits, private use) with its accents, CJK apart. */
const QUERY_PIECE = new RegExp(`(${CJK_CLASS}+)|[[\\p{L}\\p{N}\\p{M}\\p{Co}]--${CJK_CLASS}]+`, "gv");
const SEARCHABLE = /[\p{L}\p{N}\p{Co}]/u;
const MARKS = /\p{M}/gu;
/** One character with the accents that follow it, or accents with nothing before them. */
const CLUSTER = /\P{M}\p{M}*|\p{M}+/gu;

export function isCjk(char: string): boolean {
  return CJK_CHAR.test(char);
}

/** Whether the tokenizer would find any word in the text. */
export function isSearchable(text: string): boolean {
  return SEARCHABLE.test(text);
}

/** The overlapping pairs of a run's characters; a run of one character is that character. */
export function bigrams(run: string): string[] {
  const chars = [...run];
  if (chars.length < 2) return chars;
  return chars.slice(1).map((char, i) => chars[i] + char);
}

/**
 * The text the index is given for a message: compatibility forms unified (full-width letters,
 * half-width kana, ligatures), each CJK run replaced by its pairs, then every distinct CJK
 * character once. Removing a message from the index takes this same text again.
 */
export function indexedText(text: string): string {
  const normal = text.normalize("NFKC");
  const singles = new Set<string>();
  const paired = normal.replace(CJK_RUN, (run) => {
    for (const char of run) singles.add(char);
    const chars = [...run];
    return chars.length < 2 ? " " : ` ${bigrams(run).join(" ")} `;
  });
  return singles.size === 0 ? paired : `${paired}\n${[...singles].join(" ")}`;
}

/** A query's pieces: CJK runs, and the words of other scripts between them. */
export function queryPieces(normalQuery: string): { text: string; cjk: boolean }[] {
  return [...normalQuery.matchAll(QUERY_PIECE)].map((match) => ({ text: match[0], cjk: match[1] !== undefined }));
}

/**
 * One character with its accents, as marks compare it: CJK as the index has it (compatibility
 * forms unified, kana keeping their voicing), anything else in lower case without accents, as
 * unicode61 with `remove_diacritics 2` folds it.
 */
export function foldCluster(cluster: string): string {
  const first = String.fromCodePoint(cluster.codePointAt(0) ?? 0);
  if (isCjk(first)) return cluster.normalize("NFKC");
  return cluster.normalize("NFKD").replace(MARKS, "").toLowerCase();
}

/** A word of the query folded as {@link foldCluster} folds text. */
export function foldWord(word: string): string {
  let folded = "";
  for (const [cluster] of word.matchAll(CLUSTER)) folded += foldCluster(cluster);
  return folded;
}

/**
 * A text folded for marking, with where each UTF-16 unit of the folded text came from: the
 * original range of the character (and accents) it was folded from.
 */
export interface FoldedText {
  text: string;
  from: number[];
  to: number[];
}

export function foldText(text: string): FoldedText {
  const folded: FoldedText = { text: "", from: [], to: [] };
  for (const match of text.matchAll(CLUSTER)) {
    const piece = foldCluster(match[0]);
    const start = match.index;
    const end = start + match[0].length;
    folded.text += piece;
    for (let i = 0; i < piece.length; i++) {
      folded.from.push(start);
      folded.to.push(end);
    }
  }
  return folded;
}
