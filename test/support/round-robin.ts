/** The `i`-th item of a list taken round and round, for spreading posts over participants. */
export function nth<T>(items: readonly T[], i: number): T {
  const item = items[i % items.length];
  if (item === undefined) throw new Error("empty list");
  return item;
}
