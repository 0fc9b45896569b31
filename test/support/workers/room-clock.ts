import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { expect, vi } from "vitest";
import type { ChatRoom } from "../../../src/room/chat-room.ts";
import { roomPath } from "../rooms.ts";
import { call } from "./self-client.ts";

/** The presence grace period of the tests' configuration. */
export const GRACE_MS = Number(env.PRESENCE_GRACE_SECONDS) * 1000;

/** The names of who is online in the room now. */
export async function online(room: string): Promise<string[]> {
  const response = await call(`${roomPath(room)}/users`);
  return (await response.json<{ name: string }[]>()).map((user) => user.name);
}

/** When the room's alarm is set to go off, or null if none is set. */
export function alarmAt(room: string): Promise<number | null> {
  return runInDurableObject(env.CHAT_ROOM.getByName(room), (_: ChatRoom, state) => state.storage.getAlarm());
}

/**
 * Runs the room's alarm now, with the room's clock reading `at`: the test moves the room's time
 * on instead of waiting for it. The room runs in the test's isolate, so it reads the `Date.now`
 * mocked here.
 */
export async function runAlarmAt(room: string, at: number): Promise<void> {
  const clock = vi.spyOn(Date, "now").mockReturnValue(at);
  try {
    expect(await runDurableObjectAlarm(env.CHAT_ROOM.getByName(room))).toBe(true);
  } finally {
    clock.mockRestore();
  }
}

/**
 * Moves the room's time on to `until`: runs each alarm the room sets for before then, at the
 * time it was set for. Returns the alarm still to come, or null if the room set none.
 */
export async function advanceTo(room: string, until: number): Promise<number | null> {
  for (let alarms = 0; alarms < 10; alarms++) {
    const at = await alarmAt(room);
    if (at === null || at >= until) return at;
    await runAlarmAt(room, at);
  }
  throw new Error("the room kept setting alarms");
}

/**
 * Moves the room's time on to the end of a grace period that began when the room found a stream
 * closed, at some time between `closing` and `closed`, and returns that end.
 */
export async function graceDeadline(room: string, closing: number, closed: number): Promise<number> {
  const deadline = await advanceTo(room, closing + GRACE_MS);
  if (deadline === null) throw new Error("no alarm set for the grace period");
  expect(deadline).toBeGreaterThanOrEqual(closing + GRACE_MS);
  expect(deadline).toBeLessThanOrEqual(closed + GRACE_MS);
  return deadline;
}

/** Checks that the room's alarm is set for `deadline`, and that `name` is online until it and gone at it. */
export async function expectGoneAt(room: string, deadline: number, name: string): Promise<void> {
  expect(await alarmAt(room)).toBe(deadline);
  await runAlarmAt(room, deadline - 1);
  expect(await online(room)).toEqual([name]);
  await runAlarmAt(room, deadline);
  expect(await online(room)).toEqual([]);
}
