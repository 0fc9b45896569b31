import type { Session } from "./session-store";

/**
 * When each online participant without an open stream was last there, and so when the room
 * must next look for someone to announce as left. The alarm it sets survives the object being
 * evicted; the times it keeps are restored from the sessions' stored `seenAt`.
 */
export class Presence {
  readonly #lastSeen = new Map<string, number>();
  readonly #graceMs: number;
  readonly #streams: (token: string) => number;
  readonly #setAlarm: (at: number) => void;
  #alarmAt: number | null = null;

  /**
   * @param streams how many streams a session has open
   * @param setAlarm asks for the room's alarm (see room-alarm.ts)
   */
  constructor(graceMs: number, streams: (token: string) => number, setAlarm: (at: number) => void) {
    this.#graceMs = graceMs;
    this.#streams = streams;
    this.#setAlarm = setAlarm;
  }

  /**
   * Picks up after a restart. A participant who was streaming when the room stopped lost that
   * stream to the restart, so their grace period starts now: a client that reconnects in time
   * is not announced as having left. Everyone else is counted from when they were last seen.
   * The alarm is asked for again: one left set may be another part's, due later.
   */
  restore(online: Session[], now: number): void {
    for (const session of online) this.#lastSeen.set(session.token, session.streaming ? now : session.seenAt);
    this.schedule(online);
  }

  /** Records that a participant was there at `now`: they joined, posted, or their last stream closed. */
  seen(token: string, now: number): void {
    this.#lastSeen.set(token, now);
    // Any alarm presence already asked for is due no later than this participant's deadline,
    // and the alarm looks at everyone, so only when none is asked for does it need asking.
    if (this.#alarmAt === null && this.#streams(token) === 0) this.#arm(now + this.#graceMs);
  }

  forget(token: string): void {
    this.#lastSeen.delete(token);
  }

  /** Called when the alarm fires: the online participants whose grace period has run out. */
  due(online: Session[], now: number): Session[] {
    this.#alarmAt = null;
    return online.filter((session) => this.#streams(session.token) === 0 && this.#deadline(session, now) <= now);
  }

  /** Sets the alarm for the earliest deadline among online participants without a stream. */
  schedule(online: Session[]): void {
    let due: number | undefined;
    for (const session of online) {
      if (this.#streams(session.token) > 0) continue;
      const at = this.#deadline(session, Date.now());
      if (due === undefined || at < due) due = at;
    }
    if (due !== undefined && (this.#alarmAt === null || due < this.#alarmAt)) this.#arm(due);
  }

  #deadline(session: Session, now: number): number {
    return (this.#lastSeen.get(session.token) ?? now) + this.#graceMs;
  }

  #arm(at: number): void {
    this.#alarmAt = at;
    this.#setAlarm(at);
  }
}
