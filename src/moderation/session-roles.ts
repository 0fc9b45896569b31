import type { Role } from "./room-control";

/**
 * Which sessions joined with a room's authority (its owner key, the operator's token, or a
 * moderator key), so that the online list marks them and they post and moderate with that
 * authority without sending the key again. Kept in SQLite so the marks outlive an eviction, and
 * in memory, where the online list and every post read them; a mark goes with its session, and an
 * owner's or a moderator's with the key it joined with. The operator's is kept apart from the
 * owner's (the online list shows both as the owner), because no key the room hands out is the
 * operator's token: replacing the owner key leaves it standing.
 */
export class SessionRoles {
  readonly #sql: SqlStorage;
  readonly #roles = new Map<string, Role>();

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec("CREATE TABLE IF NOT EXISTS session_roles (token TEXT PRIMARY KEY, role TEXT NOT NULL)");
    for (const { token, role } of sql.exec<{ token: string; role: string }>("SELECT token, role FROM session_roles")) {
      if (role === "owner" || role === "moderator" || role === "operator") this.#roles.set(token, role);
    }
  }

  get(token: string): Role | undefined {
    return this.#roles.get(token);
  }

  /** Every marked session, by token. */
  entries(): IterableIterator<[string, Role]> {
    return this.#roles.entries();
  }

  /** Marks a session, or takes its mark away. */
  set(token: string, role: Role | undefined): void {
    if (role === undefined) {
      if (!this.#roles.delete(token)) return;
      this.#sql.exec("DELETE FROM session_roles WHERE token = ?", token);
      return;
    }
    if (this.#roles.get(token) === role) return;
    this.#roles.set(token, role);
    this.#sql.exec(
      "INSERT INTO session_roles (token, role) VALUES (?, ?) ON CONFLICT (token) DO UPDATE SET role = excluded.role",
      token,
      role,
    );
  }

  /** Takes every moderator's mark away, when the key they joined with stops working. */
  clearModerators(): void {
    for (const [token, role] of this.#roles) if (role === "moderator") this.#roles.delete(token);
    this.#sql.exec("DELETE FROM session_roles WHERE role = 'moderator'");
  }

  /**
   * Takes every owner's mark away, when the key they joined with is replaced, but for the session
   * `keeping` (the one that replaced it), which goes on as the owner.
   */
  clearOwners(keeping: string | undefined): void {
    for (const [token, role] of this.#roles) if (role === "owner" && token !== keeping) this.#roles.delete(token);
    this.#sql.exec("DELETE FROM session_roles WHERE role = 'owner' AND token IS NOT ?", keeping ?? null);
  }

  /** Forgets the marks of sessions that no longer exist. */
  forgetEndedSessions(): void {
    const ended = this.#sql
      .exec<{ token: string }>(
        "DELETE FROM session_roles WHERE token NOT IN (SELECT token FROM sessions) RETURNING token",
      )
      .toArray();
    for (const { token } of ended) this.#roles.delete(token);
  }
}
