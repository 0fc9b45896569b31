// @ts-check
/**
 * Where the reader left off in each room: the newest message they had read, kept in local
 * storage for the rooms read most recently, so that coming back opens at what is new.
 */

const STORAGE_KEY = "chat.lastRead";
/** Rooms remembered; the one read longest ago is forgotten first. */
const MOST_ROOMS = 50;
/** Writes are gathered: the reader at the newest reads every message that arrives. */
const WRITE_AFTER_MS = 1000;

export class ReadPosition {
  /** @type {number | undefined} */
  #unsaved;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #timer;

  /** @param {string} room */
  constructor(room) {
    this.room = room;
    addEventListener("pagehide", () => this.#save());
  }

  /** The last message read in this room, on an earlier visit or in another tab. */
  get last() {
    const id = read()[this.room]?.[0];
    return typeof id === "number" ? id : undefined;
  }

  /** @param {number} id a message the reader has now read, with all before it */
  read(id) {
    if (this.#unsaved !== undefined && id <= this.#unsaved) return;
    this.#unsaved = id;
    this.#timer ??= setTimeout(() => this.#save(), WRITE_AFTER_MS);
  }

  #save() {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const id = this.#unsaved;
    if (id === undefined) return;
    this.#unsaved = undefined;
    const rooms = read();
    if ((rooms[this.room]?.[0] ?? 0) > id) return;
    rooms[this.room] = [id, Date.now()];
    const kept = Object.entries(rooms)
      .sort(([, a], [, b]) => b[1] - a[1])
      .slice(0, MOST_ROOMS);
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(Object.fromEntries(kept)));
    } catch {
      // Storage full or refused: the next visit opens at the newest, as a first one does.
    }
  }
}

/** @returns {Record<string, [number, number]>} each room's last message read, and when */
function read() {
  try {
    const value = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "{}");
    return value && typeof value === "object" ? value : {};
  } catch {
    return {};
  }
}
