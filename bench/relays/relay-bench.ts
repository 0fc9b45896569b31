/**
 * A room past one object, in workerd alone: the same readers and the same load, once with relays
 * taking every reader past READERS_PER_OBJECT and once with the room serving every reader itself,
 * each point on a freshly started server. Besides what the fan-out points measure, it reads from
 * the room (`GET /room`, as the operator) how many relays served the readers and how many chunks
 * the room itself wrote for each message.
 *
 * Under load the room puts several frames in one chunk, so its chunks per message at 10 messages
 * a second say how far behind it fell more than what a message costs it. What a message costs is
 * counted at a rate this machine sustains at every reader count (the chunk point), with
 * heartbeats (one chunk per stream every HEARTBEAT_SECONDS, whatever is posted) put off past it.
 */
import { startWorkerd } from "../../test/support/node/workerd.ts";
import { measurePoint, type PointResult } from "../fan-out-point.ts";
import { BENCH_VARS } from "../targets.ts";
import { type RoomCounters, roomCounters } from "./room-counters.ts";

/** Readers one object serves with relays, as deployed by default. */
export const READERS_PER_OBJECT = 1000;

/** The operator's token for the run, so that `GET /room` answers with the room's counts; the server is local. */
const OPERATOR_TOKEN = "bench-operator";

/** Seconds between heartbeats at the chunk point: longer than the point lasts. */
const QUIET_HEARTBEAT_SECONDS = 600;

/** With relays, or the room serving every reader itself. */
export type RelayMode = "relays" | "one object";

export interface RelayPoint {
  mode: RelayMode;
  readersPerObject: number;
  /** Whether this is the chunk point: a rate every reader count sustains, and no heartbeats. */
  chunkPoint: boolean;
  /** Relays serving readers once every reader had connected. */
  relays: number;
  /** Readers the room served itself then. */
  directReaders: number;
  /**
   * Chunks the room wrote per acknowledged message while publishing and draining (heartbeats
   * included, but for the chunk point); null where the room does not count them.
   */
  roomChunksPerMessage: number | null;
  point: PointResult;
}

export interface RelayBenchOptions {
  readers: number[];
  /**
   * Readers one object serves with relays; READERS_PER_OBJECT unless given. A small number puts
   * many relays between the room and the same readers, so that what each relay adds to a
   * message stands out against the room alone.
   */
  readersPerObject?: number;
  rates: (number | "max")[];
  /** Messages a second at the chunk point. */
  chunkRate: number;
  seconds: number;
  limitMs: number;
  serverCpu?: string;
  generatorCpu?: string;
}

/**
 * Vars for one server: every bench reader comes from the one local address (workerd alone names
 * none, so the deployment's per-address budgets do not apply), so the room's caps are raised
 * past the readers; `readersPerObject` at or above the readers keeps them all in the room.
 */
function relayVars(readersPerObject: number, chunkPoint: boolean): Record<string, string> {
  return {
    ...BENCH_VARS,
    MAX_SUBSCRIBERS: "100000",
    MAX_STREAMS_PER_CLIENT: "100000",
    READERS_PER_OBJECT: String(readersPerObject),
    ADMIN_TOKEN: OPERATOR_TOKEN,
    ...(chunkPoint ? { HEARTBEAT_SECONDS: String(QUIET_HEARTBEAT_SECONDS) } : {}),
  };
}

/** Runs one point in one mode on a server of its own. */
async function relayPoint(
  mode: RelayMode,
  readers: number,
  rate: number | "max",
  chunkPoint: boolean,
  options: RelayBenchOptions,
): Promise<RelayPoint> {
  const withRelays = options.readersPerObject ?? READERS_PER_OBJECT;
  const readersPerObject = mode === "relays" ? withRelays : Math.max(withRelays, readers);
  const target = await startWorkerd({ vars: relayVars(readersPerObject, chunkPoint), cpu: options.serverCpu });
  try {
    const room = `relays-${readers}-${rate}-${Date.now().toString(36)}`;
    let connected: RoomCounters | undefined;
    const point = await measurePoint(target, readers, rate, {
      room,
      seconds: options.seconds,
      limitMs: options.limitMs,
      generatorCpu: options.generatorCpu,
      spreadAddresses: false,
      beforePublishing: async () => {
        connected = await roomCounters(target.url, room, OPERATOR_TOKEN);
      },
    });
    const after = await roomCounters(target.url, room, OPERATOR_TOKEN);
    const chunks =
      connected?.chunksSent == null || after.chunksSent === null ? null : after.chunksSent - connected.chunksSent;
    return {
      mode,
      readersPerObject,
      chunkPoint,
      relays: connected?.relays ?? 0,
      directReaders: connected?.directReaders ?? 0,
      roomChunksPerMessage: chunks === null ? null : chunks / Math.max(1, point.acknowledged),
      point: { ...point, target: mode === "relays" ? "workerd, relays" : "workerd, one object" },
    };
  } catch (error) {
    const tail = target.output().split("\n").slice(-10).join("\n");
    throw new Error(`${String(error)}\nserver output:\n${tail}`);
  } finally {
    await target.stop();
  }
}

/**
 * Every point, with and without relays one after the other at each count and rate, so that the
 * two are measured under the same conditions. `onPoint` hears of each as it is done.
 */
export async function runRelayBench(
  options: RelayBenchOptions,
  onPoint: (result: RelayPoint) => void,
): Promise<{ points: RelayPoint[]; failures: string[] }> {
  const points: RelayPoint[] = [];
  const failures: string[] = [];
  const runs = [
    { rate: options.chunkRate, chunkPoint: true },
    ...options.rates.map((rate) => ({ rate, chunkPoint: false })),
  ];
  for (const readers of options.readers) {
    for (const { rate, chunkPoint } of runs) {
      for (const mode of ["relays", "one object"] as const) {
        try {
          const result = await relayPoint(mode, readers, rate, chunkPoint, options);
          points.push(result);
          onPoint(result);
        } catch (error) {
          failures.push(`${mode}, N=${readers}, rate=${rate}: ${String(error)}`);
        }
      }
    }
  }
  return { points, failures };
}
