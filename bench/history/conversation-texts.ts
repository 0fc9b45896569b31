/**
 * The messages a history benchmark room is filled with: the same for the same index, so that the
 * words searched for are known without reading the room back. Most words come from a vocabulary
 * of a few thousand, drawn as natural language draws them (a few words very often, most rarely);
 * one word is in about one message in seven, one message in ten holds a word no other holds, and
 * one in twenty is written in Chinese or Japanese.
 */

/** In about 15% of messages: a search for it matches far more messages than a page holds. */
export const COMMON_WORD = "coffee";
/** Starts a few dozen words of the vocabulary; three letters are indexed as a term of their own. */
export const SHORT_PREFIX = "kal";
/** The same words, by a prefix longer than the index keeps, so the index merges their lists. */
export const LONG_PREFIX = "kalo";
/** Two CJK characters, found inside longer runs as the index's pair of them. */
export const CJK_TERM = "会議";

const SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "te", "vo", "zi", "pa", "do", "fe", "gu", "ho", "ji", "bi"];
const VOCABULARY = [
  ...SYLLABLES.flatMap((a) => SYLLABLES.map((b) => a + b)),
  ...SYLLABLES.flatMap((a) => SYLLABLES.flatMap((b) => SYLLABLES.map((c) => a + b + c))),
];
/** Zipf's law, flattened at the top so that no one word of the vocabulary is in most messages. */
const CUMULATIVE = (() => {
  let sum = 0;
  return VOCABULARY.map((_, rank) => (sum += 1 / (rank + 20)));
})();
const CJK_PHRASES = [
  "今天的会議改到下午三点",
  "明日の会議は十時からです",
  "東京駅で会いましょう",
  "我们明天见",
  "天气很好，出去走走吧",
  "ありがとうございます",
  "这个问题我们下次再讨论",
  "会議室の予約をお願いします",
];
const UNIQUE_EVERY = 10;
const CJK_EVERY = 20;

/** A small fast generator of numbers in [0, 1), seeded by the message's index. */
function random(seed: number): () => number {
  let state = (seed * 0x9e3779b1) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function word(next: () => number): string {
  const total = CUMULATIVE.at(-1) ?? 1;
  const target = next() * total;
  let low = 0;
  let high = CUMULATIVE.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((CUMULATIVE[middle] ?? 0) < target) low = middle + 1;
    else high = middle;
  }
  return VOCABULARY[low] ?? "ka";
}

/** The word only message `index` holds, or undefined if it holds none; letters only, as a person's would be. */
export function uniqueWord(index: number): string | undefined {
  if (index % UNIQUE_EVERY !== 3) return undefined;
  let letters = "";
  for (let rest = index; rest > 0 || letters === ""; rest = Math.floor(rest / 26)) {
    letters += String.fromCharCode(97 + (rest % 26));
  }
  return `xq${letters}`;
}

/** The text of the message seeded `index`th (from 0) into a benchmark room. */
export function messageText(index: number): string {
  const next = random(index + 1);
  if (index % CJK_EVERY === 11) {
    const phrase = CJK_PHRASES[Math.floor(next() * CJK_PHRASES.length)] ?? "";
    return next() < 0.5 ? phrase : `${phrase} ${word(next)}`;
  }
  const words: string[] = [];
  const count = 3 + Math.floor(next() * 12);
  for (let i = 0; i < count; i++) words.push(word(next));
  if (next() < 0.15) words.splice(Math.floor(next() * words.length), 0, COMMON_WORD);
  const unique = uniqueWord(index);
  if (unique !== undefined) words.push(unique);
  const text = words.join(" ");
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}${next() < 0.3 ? "?" : "."}`;
}

/** A message index below `count` that holds a word of its own, picked by `pick` in [0, 1). */
export function indexWithUniqueWord(count: number, pick: number): number {
  const slots = Math.floor((count - 4) / UNIQUE_EVERY) + 1;
  return Math.min(slots - 1, Math.floor(pick * slots)) * UNIQUE_EVERY + 3;
}
