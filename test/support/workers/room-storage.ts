import { env, runInDurableObject } from "cloudflare:test";
import type { ChatRoom } from "../../../src/room/chat-room";

/**
 * Every row of every table of a room's database, by table: what a trace would be found in. The
 * runtime's own tables (the alarm's) cannot be read and hold nothing the room was told; a virtual
 * table (the search index) keeps its rows in tables of its own, which are read instead.
 */
export function everyRow(room: string | undefined): Promise<Record<string, Record<string, SqlStorageValue>[]>> {
  return runInDurableObject(env.CHAT_ROOM.getByName(room ?? "lobby"), (_instance: ChatRoom, state) => {
    const { sql } = state.storage;
    const tables = sql.exec<{ name: string }>(
      `SELECT name FROM sqlite_master
       WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'
       ORDER BY name`,
    );
    return Object.fromEntries(
      tables.toArray().map(({ name }) => [name, sql.exec(`SELECT * FROM "${name}"`).toArray()]),
    );
  });
}

/** Everything a room's database holds, as text (bytes read as UTF-8), to look for words in. */
export async function storedText(room: string | undefined): Promise<string> {
  const decoder = new TextDecoder();
  const tables = Object.values(await everyRow(room));
  return tables
    .flat()
    .map((row) =>
      Object.values(row)
        .map((value) => (value instanceof ArrayBuffer ? decoder.decode(value) : String(value)))
        .join(" "),
    )
    .join("\n");
}
