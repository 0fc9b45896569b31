import { UNKNOWN_ADDRESS } from "../common/client-address";

/** A participant removed from the room, until when, by their session and their address. */
export interface Removal {
  name: string;
  until: number;
}

/**
 * Who has been removed from a room and until when, in SQLite: by session token and by address
 * (an IPv6 address by its /64), so that neither a new name nor a new session brings them back
 * early. To ban an address the room keeps the one each session last came from, for as long as
 * the session lasts. Removals that have run out are forgotten as they are met.
 */
export class Removals {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS removals (
      name TEXT NOT NULL,
      token TEXT,
      address TEXT,
      until INTEGER NOT NULL
    )`);
    sql.exec("CREATE INDEX IF NOT EXISTS removals_by_token ON removals (token)");
    sql.exec("CREATE INDEX IF NOT EXISTS removals_by_address ON removals (address)");
    sql.exec(`CREATE TABLE IF NOT EXISTS session_addresses (
      token TEXT PRIMARY KEY,
      address TEXT NOT NULL
    )`);
  }

  /** Notes where a session's requests come from. */
  seen(token: string, address: string | undefined): void {
    if (!bannable(address)) return;
    this.#sql.exec(
      "INSERT INTO session_addresses (token, address) VALUES (?, ?) ON CONFLICT (token) DO UPDATE SET address = excluded.address",
      token,
      address,
    );
  }

  /** Removes a participant until `until`: their session and the address it last came from. */
  remove(name: string, token: string, until: number): void {
    const address = this.#sql
      .exec<{ address: string }>("SELECT address FROM session_addresses WHERE token = ?", token)
      .toArray()[0]?.address;
    this.#sql.exec(
      "INSERT INTO removals (name, token, address, until) VALUES (?, ?, ?, ?)",
      name,
      token,
      address ?? null,
      until,
    );
  }

  /** Lifts every removal of a name; false when there was none in force. */
  lift(name: string, now: number): boolean {
    this.#forgetEnded(now);
    return this.#sql.exec("DELETE FROM removals WHERE name = ? RETURNING name", name).toArray().length > 0;
  }

  /** The removal in force for a session or an address, if any. */
  find(token: string | undefined, address: string | undefined, now: number): Removal | undefined {
    this.#forgetEnded(now);
    return this.#sql
      .exec<{ name: string; until: number }>(
        "SELECT name, until FROM removals WHERE token = ? OR address = ? ORDER BY until DESC LIMIT 1",
        token ?? null,
        bannable(address) ? address : null,
      )
      .toArray()[0];
  }

  /** Forgets where a session that has ended came from. */
  forgetSession(token: string): void {
    this.#sql.exec("DELETE FROM session_addresses WHERE token = ?", token);
  }

  /** Forgets where the sessions that have expired came from. */
  forgetEndedSessions(): void {
    this.#sql.exec("DELETE FROM session_addresses WHERE token NOT IN (SELECT token FROM sessions)");
  }

  #forgetEnded(now: number): void {
    this.#sql.exec("DELETE FROM removals WHERE until <= ?", now);
  }
}

/**
 * Whether an address can be kept out. One Cloudflare does not report is shared by everyone, and
 * a loopback address is the machine running `wrangler dev`, where every local tab is one address.
 */
function bannable(address: string | undefined): address is string {
  return (
    address !== undefined && address !== UNKNOWN_ADDRESS && !address.startsWith("127.") && address !== "0:0:0:0::/64"
  );
}
