import { type Credential, sameHash } from "./room-keys";

/** Who may act with a room's authority: its owner, a moderator, or the deployment's operator. */
export type Role = "owner" | "moderator" | "operator";

/** What an owner or moderator sets for everyone in the room. */
export interface RoomSettings {
  topic: string;
  /** Least time between two messages of one participant; 0 is off. Owners and moderators are exempt. */
  slowModeSeconds: number;
  /** Only owners and moderators may post. */
  readOnly: boolean;
}

/**
 * A room's authority and its settings, in SQLite: the hashes of its owner key and of its
 * moderator key (never the keys), and what they set. A room has an owner if it was claimed
 * before anything happened in it, or if the operator gave it one.
 */
export class RoomControl {
  readonly #sql: SqlStorage;
  #ownerHash: string | undefined;
  #moderatorHash: string | undefined;
  #settings: RoomSettings;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS room_control (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      owner_hash TEXT,
      moderator_hash TEXT,
      topic TEXT NOT NULL DEFAULT '',
      slow_mode_seconds INTEGER NOT NULL DEFAULT 0,
      read_only INTEGER NOT NULL DEFAULT 0
    )`);
    sql.exec("INSERT OR IGNORE INTO room_control (id) VALUES (1)");
    const row = sql
      .exec<{
        owner_hash: string | null;
        moderator_hash: string | null;
        topic: string;
        slow_mode_seconds: number;
        read_only: number;
      }>("SELECT owner_hash, moderator_hash, topic, slow_mode_seconds, read_only FROM room_control")
      .one();
    this.#ownerHash = row.owner_hash ?? undefined;
    this.#moderatorHash = row.moderator_hash ?? undefined;
    this.#settings = { topic: row.topic, slowModeSeconds: row.slow_mode_seconds, readOnly: row.read_only === 1 };
  }

  get hasOwner(): boolean {
    return this.#ownerHash !== undefined;
  }

  /** Whether a moderator key is out. */
  get hasModerator(): boolean {
    return this.#moderatorHash !== undefined;
  }

  get settings(): Readonly<RoomSettings> {
    return this.#settings;
  }

  /** The role a credential holds here, if any. */
  role(credential: Credential | undefined): Role | undefined {
    if (credential === undefined) return undefined;
    if ("operator" in credential) return "operator";
    if (sameHash(credential.keyHash, this.#ownerHash)) return "owner";
    if (sameHash(credential.keyHash, this.#moderatorHash)) return "moderator";
    return undefined;
  }

  setOwner(hash: string): void {
    this.#ownerHash = hash;
    this.#sql.exec("UPDATE room_control SET owner_hash = ?", hash);
  }

  /** Sets the moderator key's hash (a new key takes the old one's rights away), or clears it. */
  setModerator(hash: string | undefined): void {
    this.#moderatorHash = hash;
    this.#sql.exec("UPDATE room_control SET moderator_hash = ?", hash ?? null);
  }

  update(settings: RoomSettings): void {
    this.#settings = { ...settings };
    this.#sql.exec(
      "UPDATE room_control SET topic = ?, slow_mode_seconds = ?, read_only = ?",
      settings.topic,
      settings.slowModeSeconds,
      settings.readOnly ? 1 : 0,
    );
  }
}
