// Unicode's confusables.txt (UTS #39) as the package `unhomoglyph` ships it: each character that
// can be mistaken for another, mapped to its prototype. The package's own function builds a
// regular expression of all 6,000 characters when the module loads, on every start of the
// Worker; the table alone, read one character at a time, is the mapping step of the skeleton.
import prototypes from "unhomoglyph/data.json";
import { nameForm } from "./validate";

const DEFAULT_IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

let prototypeOf: Map<string, string> | undefined;

/**
 * The confusable skeleton of UTS #39: two strings that can be mistaken for each other have the
 * same one. "Оlga" with a Cyrillic О and "Olga" are both "Olga"; "m" is "rn". Not meant to be
 * read, only compared.
 */
export function skeleton(text: string): string {
  // Only the rooms compare names, so a Worker that never does never builds the map.
  prototypeOf ??= new Map(Object.entries(prototypes));
  let mapped = "";
  for (const char of text.normalize("NFD").replace(DEFAULT_IGNORABLE, "")) mapped += prototypeOf.get(char) ?? char;
  return mapped.normalize("NFD");
}

/**
 * What a name is compared by when asking whether it looks like another: its skeleton as written
 * and as lowercased, each lowercased again. Names are the same whatever their case, so "Ivan",
 * whose capital I is read as l, meets "lvan", and "ivan" meets "іvan" with a Cyrillic і. Two
 * names look alike when they share a key; a name that is the same as another under
 * `nameKey` always shares one.
 */
export function lookalikeKeys(name: string): readonly string[] {
  const form = nameForm(name);
  const asWritten = skeleton(form).toLowerCase();
  const lowercased = skeleton(form.toLowerCase()).toLowerCase();
  return asWritten === lowercased ? [asWritten] : [asWritten, lowercased];
}
