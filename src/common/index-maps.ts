/** Small helpers for the maps a room keeps to find streams without a pass over all of them. */

/** Adds `delta` to a count, forgetting counts that reach zero. */
export function bump(counts: Map<string, number>, key: string, delta: number): void {
  const count = (counts.get(key) ?? 0) + delta;
  if (count > 0) counts.set(key, count);
  else counts.delete(key);
}

export function addTo<T>(index: Map<string, Set<T>>, key: string, item: T): void {
  const items = index.get(key);
  if (items) items.add(item);
  else index.set(key, new Set([item]));
}

/** Removes an item from an index, forgetting keys left with none. */
export function removeFrom<T>(index: Map<string, Set<T>>, key: string, item: T): void {
  const items = index.get(key);
  if (!items) return;
  items.delete(item);
  if (items.size === 0) index.delete(key);
}
