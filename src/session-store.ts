import { nameKey } from "./validate";

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

/**
 * Sessions live in SQLite so that a token handed out before a restart or a deploy still
 * identifies its holder afterwards. Reads are served from memory: a room has few participants.
 */
export class SessionStore {
  readonly #sql: SqlStorage;
  readonly #byToken = new Map<string, Session>();

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS sessions (
      token TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      online INTEGER NOT NULL,
      seen_at INTEGER NOT NULL,
      streaming INTEGER NOT NULL
    )`);
    for (const row of sql.exec<SessionRow>("SELECT token, name, online, seen_at, streaming FROM sessions")) {
      this.#byToken.set(row.token, {
        token: row.token,
        name: row.name,
        online: row.online === 1,
        seenAt: row.seen_at,
        streaming: row.streaming === 1,
      });
    }
  }

  get(token: string): Session | undefined {
    return this.#byToken.get(token);
  }

  /** The online session holding `name`, compared as {@link nameKey} compares names. */
  onlineByName(name: string): Session | undefined {
    const wanted = nameKey(name);
    for (const session of this.#byToken.values()) {
      if (session.online && nameKey(session.name) === wanted) return session;
    }
    return undefined;
  }

  online(): Session[] {
    return [...this.#byToken.values()].filter((session) => session.online);
  }

  save(session: Session): void {
    this.#byToken.set(session.token, session);
    this.#sql.exec(
      `INSERT INTO sessions (token, name, online, seen_at, streaming) VALUES (?, ?, ?, ?, ?)
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
    for (const [token, session] of this.#byToken) {
      if (session.streaming) this.#byToken.set(token, { ...session, streaming: false });
    }
  }

  delete(token: string): void {
    this.#byToken.delete(token);
    this.#sql.exec("DELETE FROM sessions WHERE token = ?", token);
  }

  /** Forgets offline sessions not seen since `cutoff`, so their tokens stop working. */
  expire(cutoff: number): void {
    for (const session of this.#byToken.values()) {
      if (!session.online && session.seenAt < cutoff) this.delete(session.token);
    }
  }
}
