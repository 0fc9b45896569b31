import { lookalikeKeys } from "../common/confusables";
import { nameKey } from "../common/validate";

/** A participant: the holder of a token who joined under a name. */
export interface Session {
  token: string;
  name: string;
  /** Whether the room has announced this participant as joined and not yet as left. */
  online: boolean;
  /** When the session last joined, posted or closed its last stream, in milliseconds since the epoch. */
  seenAt: number;
  /** Whether the participant had a stream open when this was stored. */
  streaming: boolean;
}

interface SessionRow extends Record<string, SqlStorageValue> {
  token: string;
  name: string;
  online: number;
  seen_at: number;
  streaming: number;
}

const COLUMNS = "token, name, online, seen_at, streaming";

/**
 * Sessions live in SQLite so that a token handed out before a restart or a deploy still
 * identifies its holder afterwards. Only the online ones are held in memory, by token, by the
 * compared form of their name and by what it looks like, so memory follows who is in the room,
 * not how many ever were, and the checks a join, a post or a stream makes cost a lookup or two.
 * Offline sessions are read from SQLite when their holder comes back.
 */
export class SessionStore {
  readonly #sql: SqlStorage;
  readonly #online = new Map<string, Session>();
  /** Online sessions by {@link nameKey} of their name; a name is held by one of them at most. */
  readonly #onlineByName = new Map<string, Session>();
  /**
   * The tokens of the online sessions behind each of the {@link lookalikeKeys} of online names:
   * more than one where look-alikes were online together before names were compared by look.
   */
  readonly #onlineByLook = new Map<string, Set<string>>();
  /** The online names in display order, sorted again only after someone comes, goes or renames. */
  #sortedNames: readonly string[] | undefined;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS sessions (
      token TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      online INTEGER NOT NULL,
      seen_at INTEGER NOT NULL,
      streaming INTEGER NOT NULL
    )`);
    // Expiry looks for offline sessions idle since a cut-off; this keeps that from reading them all.
    sql.exec("CREATE INDEX IF NOT EXISTS sessions_idle ON sessions (online, seen_at)");
    for (const row of sql.exec<SessionRow>(`SELECT ${COLUMNS} FROM sessions WHERE online = 1`)) {
      this.#remember(fromRow(row));
    }
  }

  get(token: string): Session | undefined {
    const online = this.#online.get(token);
    if (online) return online;
    const row = this.#sql.exec<SessionRow>(`SELECT ${COLUMNS} FROM sessions WHERE token = ?`, token).toArray()[0];
    return row && fromRow(row);
  }

  /** The online session holding `name`, compared as {@link nameKey} compares names. */
  onlineByName(name: string): Session | undefined {
    return this.#onlineByName.get(nameKey(name));
  }

  /** An online session other than `except` whose name looks like `name` (see {@link lookalikeKeys}). */
  onlineLookingLike(name: string, except?: string): Session | undefined {
    for (const key of lookalikeKeys(name)) {
      for (const token of this.#onlineByLook.get(key) ?? []) {
        if (token !== except) return this.#online.get(token);
      }
    }
    return undefined;
  }

  /** The names of everyone online, in display order. */
  onlineNames(): readonly string[] {
    this.#sortedNames ??= [...this.#online.values()].map((session) => session.name).sort((a, b) => a.localeCompare(b));
    return this.#sortedNames;
  }

  online(): Session[] {
    return [...this.#online.values()];
  }

  get onlineCount(): number {
    return this.#online.size;
  }

  save(session: Session): void {
    const held = this.#online.get(session.token);
    if (held && (!session.online || held.name !== session.name)) this.#forget(session.token);
    if (session.online) this.#remember(session);
    this.#sql.exec(
      `INSERT INTO sessions (${COLUMNS}) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (token) DO UPDATE SET
         name = excluded.name, online = excluded.online, seen_at = excluded.seen_at, streaming = excluded.streaming`,
      session.token,
      session.name,
      session.online ? 1 : 0,
      session.seenAt,
      session.streaming ? 1 : 0,
    );
  }

  /** Marks every session as having no stream open, as is true after a restart. */
  clearStreaming(): void {
    this.#sql.exec("UPDATE sessions SET streaming = 0 WHERE streaming = 1");
    for (const session of this.#online.values()) {
      if (session.streaming) this.#remember({ ...session, streaming: false });
    }
  }

  delete(token: string): void {
    this.#forget(token);
    this.#sql.exec("DELETE FROM sessions WHERE token = ?", token);
  }

  /** Forgets offline sessions not seen since `cutoff`, so their tokens stop working; returns how many. */
  expire(cutoff: number): number {
    return this.#sql.exec("DELETE FROM sessions WHERE online = 0 AND seen_at < ?", cutoff).rowsWritten;
  }

  #remember(session: Session): void {
    if (this.#online.get(session.token)?.name !== session.name) {
      this.#sortedNames = undefined;
      for (const key of lookalikeKeys(session.name)) {
        const tokens = this.#onlineByLook.get(key) ?? new Set();
        this.#onlineByLook.set(key, tokens.add(session.token));
      }
    }
    this.#online.set(session.token, session);
    this.#onlineByName.set(nameKey(session.name), session);
  }

  #forget(token: string): void {
    const session = this.#online.get(token);
    if (!session) return;
    this.#sortedNames = undefined;
    this.#online.delete(token);
    const key = nameKey(session.name);
    if (this.#onlineByName.get(key) === session) this.#onlineByName.delete(key);
    for (const look of lookalikeKeys(session.name)) {
      const tokens = this.#onlineByLook.get(look);
      tokens?.delete(token);
      if (tokens?.size === 0) this.#onlineByLook.delete(look);
    }
  }
}

function fromRow(row: SessionRow): Session {
  return {
    token: row.token,
    name: row.name,
    online: row.online === 1,
    seenAt: row.seen_at,
    streaming: row.streaming === 1,
  };
}
