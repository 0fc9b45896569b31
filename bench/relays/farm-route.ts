/**
 * What the reader farm's Worker (bench/relays/farm/) answers besides the product's routes, shared
 * by that Worker and the benchmark that drives it from Node.
 */

/** `POST` with {@link FarmOpen}: every farm opens its share of the room's streams. */
export const FARM_OPEN_PATH = "/bench/farm/open";

/** `POST` with {@link FarmQuery}: what every farm's readers have received, summed. */
export const FARM_PROGRESS_PATH = "/bench/farm/progress";

/** Readers spread over `farms` objects, the first farms taking one more where they do not divide evenly. */
export interface FarmOpen {
  room: string;
  farms: number;
  readers: number;
}

/** The messages the room acknowledged, by sequence number: what every reader should have. */
export interface FarmQuery {
  room: string;
  farms: number;
  acknowledged: number[];
}

/** The farms' readers, counted together. */
export interface FarmProgress {
  readers: number;
  /** Streams answered 200 at least once. */
  connected: number;
  /** Streams refused (not 200), which are not opened again, as EventSource gives up on them. */
  refused: number;
  /** The first refusal or failure seen, to explain a run that stalls. */
  firstError: string | null;
  /** Times a stream ended or failed and was opened again with Last-Event-ID. */
  reopened: number;
  expected: number;
  /** Deliveries of acknowledged messages, duplicates included. */
  delivered: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
}

/** Readers farm `index` of `farms` holds, of `readers` in all. */
export function farmShare(readers: number, farms: number, index: number): number {
  return Math.floor(readers / farms) + (index < readers % farms ? 1 : 0);
}
