import { expect } from "vitest";

/** What one reader that reconnects through faults was sent. */
export interface ReaderResult {
  ids: number[];
  reconnects: number;
}

/**
 * Checks the promise of a fault test: every reader reconnected at least once, saw ids strictly
 * increasing, and saw every acknowledged message. Returns a one-line account for the test log.
 */
export function expectNothingLost(
  label: string,
  sent: number,
  acknowledged: number[],
  results: ReaderResult[],
): string {
  for (const { ids, reconnects } of results) {
    expect(reconnects).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1] ?? 0);
    for (const id of acknowledged) expect(ids).toContain(id);
  }
  return (
    `${label}: sent ${sent}, acknowledged ${acknowledged.length}, delivered ${results.map((r) => r.ids.length).join("/")} ` +
    `to ${results.length} readers after ${results.map((r) => r.reconnects).join("/")} reconnects, lost 0`
  );
}
