/**
 * The load generator, run in a process of its own: opens N event streams to one room, then
 * publishes ~100-byte messages on one monotonic clock, and reports what arrived, and when, as
 * one line of JSON on stdout.
 *
 *   node load-generator.ts <baseUrl> <room> <subscribers> <rate|max> <seconds> [wait]
 *
 * With `wait`, it waits for a line on stdin between connecting and publishing, so that the
 * server's memory can be read with every subscriber connected and nothing in flight. With
 * BENCH_SPREAD_ADDRESSES=1 in its environment, each subscriber names an address of its own as
 * `CF-Connecting-IP` (see client-addresses.ts), so a deployment's per-address budgets count each
 * reader apart.
 *
 * A fixed rate is an open-loop schedule: message i is due at start + i/rate whether or not
 * earlier posts have been answered, and its latency is counted from when it was due, so a
 * slow server cannot hide its delay. `max` finds the most the room sustains: publishers post
 * as fast as they can while no more than a window of messages is still on its way to some
 * subscriber, and latency counts from each actual send. (Posting as fast as posts are merely
 * acknowledged would only measure how fast backlogs grow until readers are cut off.)
 */
import { performance } from "node:perf_hooks";
import { chatClient, type Participant } from "../test/support/chat-client.ts";
import { clientAddress } from "../test/support/client-addresses.ts";
import { openRawStream } from "../test/support/node/raw-http-stream.ts";
import { SseEventParser } from "../test/support/sse-events.ts";
import { DeliveryLedger } from "./accounting.ts";
import { benchMessage, benchSequence } from "./bench-message.ts";

const MESSAGE_BYTES = 100;
const CONNECT_CONCURRENCY = 100;
/** Posts that may await their answer at once; more wait their turn, their latency counting from when they were due. */
const MAX_PUBLISHERS = 16;
/** Messages that may be published but not yet delivered to every subscriber, in `max` mode. */
const MAX_IN_FLIGHT = 64;
/** After publishing, deliveries are awaited while they keep arriving, for at most this long. */
const DRAIN_LIMIT_MS = 30_000;
/** A wait this long with no new delivery ends the drain: what is missing then is lost. */
const DRAIN_STALL_MS = 3_000;

const [baseUrl = "", room = "bench", subscribersArg = "10", rateArg = "10", secondsArg = "5", waitArg] =
  process.argv.slice(2);
const subscribers = Number(subscribersArg);
const seconds = Number(secondsArg);
const maxRate = rateArg === "max";
const rate = maxRate ? 0 : Number(rateArg);

const spreadAddresses = process.env.BENCH_SPREAD_ADDRESSES === "1";
const client = chatClient(fetch, baseUrl);
const ledger = new DeliveryLedger(subscribers);
/** When each message was due (fixed rate) or sent (max), by sequence number. */
const sentAt: number[] = [];
const acknowledged: number[] = [];
let failedPosts = 0;
let lastDeliveryAt = 0;
let reconnects = 0;
let finished = false;
/** Subscribers that have received each message, and how many messages all of them have. */
const reach: number[] = [];
let complete = 0;
let onComplete: (() => void) | undefined;

/**
 * Opens subscriber `index`'s stream, and opens it again with Last-Event-ID whenever the server
 * cuts it (as it does to a reader that falls too far behind), as EventSource would.
 */
async function openStream(index: number): Promise<void> {
  const { hostname, port } = new URL(baseUrl);
  let lastId = -1;
  const connect = async (): Promise<void> => {
    /** When the chunk being parsed arrived: every event in it was delivered then. */
    let arrivedAt = 0;
    const parser = new SseEventParser(({ data, id }) => {
      const eventId = id === undefined ? -1 : Number(id);
      // The greeting carries the stream's position as its id, so a reader cut off early resumes from it.
      lastId = Math.max(lastId, eventId);
      const seq = benchSequence(data);
      if (seq === -1) return;
      const before = ledger.distinct;
      ledger.record(index, seq, eventId, arrivedAt - (sentAt[seq] ?? arrivedAt));
      if (ledger.distinct > before) {
        const reached = (reach[seq] ?? 0) + 1;
        reach[seq] = reached;
        if (reached === subscribers) {
          complete++;
          onComplete?.();
        }
      }
      lastDeliveryAt = arrivedAt;
    });
    const socket = await openRawStream(
      hostname,
      Number(port),
      `/r/${room}/stream`,
      // The tests' own parser is fast enough here: measured on this machine's one core, 243 ns an
      // event on one-frame chunks, about 4 million events a second, against the ~200,000 the
      // generator must read. Decoding as latin1 keeps it there (TextDecoder made it 834 ns); UTF-8
      // puts no byte below 0x80 inside a character, so line breaks, ids and the ASCII marker read
      // the same either way.
      (bytes) => {
        arrivedAt = performance.now();
        parser.feed(bytes.toString("latin1"));
      },
      {
        ...(lastId >= 0 ? { "Last-Event-ID": String(lastId) } : {}),
        ...(spreadAddresses ? { "CF-Connecting-IP": clientAddress(index) } : {}),
      },
    );
    socket.once("close", () => {
      if (finished) return;
      reconnects++;
      const retry = (): void => {
        if (!finished) connect().catch(() => setTimeout(retry, 200));
      };
      setTimeout(retry, 100);
    });
  };
  await connect();
}

async function connectAll(): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < subscribers) {
      const index = next++;
      for (let attempt = 1; ; attempt++) {
        try {
          await openStream(index);
          break;
        } catch (error) {
          if (attempt === 5) throw error;
          await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, subscribers) }, worker));
  return performance.now() - started;
}

/** Posts still awaiting their answer, and posts waiting for one of those to finish. */
let posting = 0;
const waitingToPost: (() => void)[] = [];

async function publish(seq: number, publisher: Participant): Promise<void> {
  if (posting >= MAX_PUBLISHERS) await new Promise<void>((resolve) => waitingToPost.push(resolve));
  posting++;
  try {
    const response = await client.say(publisher, benchMessage(seq, MESSAGE_BYTES));
    // Read to the end, so that the connection goes back to the pool.
    await response.arrayBuffer();
    if (response.status >= 200 && response.status < 300) acknowledged.push(seq);
    else failedPosts++;
  } catch {
    failedPosts++;
  } finally {
    posting--;
    waitingToPost.shift()?.();
  }
}

async function publishAtRate(publisher: Participant, start: number): Promise<void> {
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const inFlight: Promise<void>[] = [];
  for (let seq = 0; seq < total; seq++) {
    const due = start + seq * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    sentAt[seq] = due;
    inFlight.push(publish(seq, publisher));
  }
  await Promise.all(inFlight);
}

async function publishAtMax(publisher: Participant, start: number): Promise<void> {
  let seq = 0;
  const windowOpen = async () => {
    while (seq - complete - failedPosts >= MAX_IN_FLIGHT) {
      await new Promise<void>((resolve) => {
        onComplete = resolve;
        setTimeout(resolve, 50);
      });
    }
  };
  const worker = async () => {
    while (performance.now() - start < seconds * 1000) {
      await windowOpen();
      const mine = seq++;
      sentAt[mine] = performance.now();
      await publish(mine, publisher);
    }
  };
  await Promise.all(Array.from({ length: MAX_PUBLISHERS }, worker));
}

async function main(): Promise<void> {
  const publisher = await client.joinAs(room, "bench");
  const connectMs = await connectAll();
  process.stdout.write(`${JSON.stringify({ event: "connected", connectMs })}\n`);
  if (waitArg === "wait") await new Promise((resolve) => process.stdin.once("data", resolve));

  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  if (maxRate) await publishAtMax(publisher, start);
  else await publishAtRate(publisher, start);
  const publishedAt = performance.now();

  const expected = () => acknowledged.length * subscribers;
  let progressAt = performance.now();
  let seen = ledger.distinct;
  let stalled = false;
  while (ledger.distinct < expected() && performance.now() - publishedAt < DRAIN_LIMIT_MS) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (ledger.distinct > seen) {
      seen = ledger.distinct;
      progressAt = performance.now();
    } else if (performance.now() - progressAt > DRAIN_STALL_MS) {
      stalled = true;
      break;
    }
  }
  finished = true;
  const elapsedMs = Math.max(lastDeliveryAt, publishedAt) - start;
  const cpu = process.cpuUsage(cpuBefore);
  const counted = ledger.summarize(acknowledged.sort((a, b) => a - b));
  // Deliveries still arriving when the drain limit ends the run are late, not lost.
  const summary = stalled ? { ...counted, late: 0 } : { ...counted, lost: 0, late: counted.lost };
  process.stdout.write(
    `${JSON.stringify({
      event: "done",
      subscribers,
      rate: maxRate ? "max" : rate,
      connectMs,
      sent: sentAt.length,
      acknowledged: acknowledged.length,
      failedPosts,
      reconnects,
      ...summary,
      deliveriesPerSecond: summary.delivered / (elapsedMs / 1000),
      generatorCpu: (cpu.user + cpu.system) / 1000 / elapsedMs,
    })}\n`,
  );
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
