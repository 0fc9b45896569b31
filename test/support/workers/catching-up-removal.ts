/**
 * A participant removed while their stream is still being sent the room's history: the room
 * that makes that happen, and what the stream must have carried when it ends.
 */
import { expect } from "vitest";
import type { Participant } from "../chat-client.ts";
import { freshRoom } from "../rooms.ts";
import { nth } from "../round-robin.ts";
import type { EventStreamReader } from "../sse-reader.ts";
import { claim, lastEventId } from "./room-authority.ts";
import { joinAs, sayOk } from "./self-client.ts";

export interface LongHistoryRoom {
  room: string;
  /** The owner's key, to remove with. */
  key: string;
  /** The participant to be removed. */
  troll: Participant;
  /** The id of the last event stored. */
  stored: number;
}

/**
 * A claimed room with "Troll" in it and a history several times the backlog bound, all of it
 * retained with the removal and the leave it brings: a reader from the start is sent it a page
 * at a time, as it takes them.
 */
export async function roomWithLongHistory(prefix: string): Promise<LongHistoryRoom> {
  const room = freshRoom(prefix);
  const key = await claim(room);
  const troll = await joinAs(room, "Troll");
  const writers: Participant[] = [];
  for (let i = 0; i < 10; i++) writers.push(await joinAs(room, `w${i}`));
  const text = "가".repeat(990);
  for (let i = 0; i < 80; i++) await sayOk(nth(writers, i), `${i} ${text}`);
  return { room, key, troll, stored: await lastEventId(room) };
}

/**
 * Reads a removed participant's stream that was still being sent its history to its end, and
 * checks it was sent every stored id once and in order (`1` to `stored`, the first already read
 * as `firstId`), then the removal of `user` (`removalId`) once and last, then the end.
 */
export async function expectHistoryThenRemoval(
  reader: EventStreamReader,
  firstId: number,
  stored: number,
  removalId: number,
  user: string,
): Promise<void> {
  const rest = await reader.until((event) => event.event === "removed", 10_000);
  expect(await reader.endsWithin(2000)).toBe(true);
  await expect(reader.next(100)).rejects.toThrow(/ended/);
  // Every stored id once and in order, then the removal with its id, so that a page resuming
  // from there misses nothing; nothing published after it, the leave included.
  const ids = [firstId, ...rest.flatMap((event) => (event.id === undefined ? [] : [Number(event.id)]))];
  expect(ids).toEqual([...Array.from({ length: stored }, (_, i) => i + 1), removalId]);
  expect(rest.filter((event) => event.event === "removed")).toHaveLength(1);
  expect(rest.at(-1)).toMatchObject({ event: "removed", id: String(removalId) });
  expect(JSON.parse(rest.at(-1)?.data ?? "")).toMatchObject({ kind: "removed", user });
}
