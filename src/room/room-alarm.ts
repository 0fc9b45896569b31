/**
 * The room's one alarm, shared by what needs waking: presence (who to announce as left) and
 * retention (history that has grown too old in a room nothing is written to). Each asks for a
 * time; the alarm is set for the earliest asked since it last went off, and whoever asked asks
 * again when it goes off, since each looks only at what is due then.
 */
export class RoomAlarm {
  readonly #storage: DurableObjectStorage;
  #at: number | null = null;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
  }

  /** Picks up the alarm a restart left set. */
  restore(at: number | null): void {
    this.#at = at;
  }

  /** Wakes the room at `at`, unless it is already woken sooner. */
  wake(at: number): void {
    if (this.#at !== null && this.#at <= at) return;
    this.#at = at;
    this.#storage.setAlarm(at).catch((error: unknown) => {
      console.error(JSON.stringify({ event: "alarm_not_set", error: String(error) }));
    });
  }

  /** The alarm went off: nothing is set until someone asks again. */
  wentOff(): void {
    this.#at = null;
  }
}
