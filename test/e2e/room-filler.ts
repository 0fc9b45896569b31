/** A participant who fills a room with numbered messages from Node, as fast as the room takes them. */
export interface Filler {
  /** The ids of the messages posted, by their number (from 1). */
  ids: number[];
  /** Posts messages `message <n>` until there are `count`, one at a time, in order. */
  fill(count: number): Promise<void>;
  /** Deletes message number `n`. */
  remove(n: number): Promise<void>;
}

/** Joins `room` as `name` and returns a filler for it. */
export async function roomFiller(baseUrl: string, room: string, name = "writer"): Promise<Filler> {
  const base = `${baseUrl}/r/${room}`;
  const joined = await fetch(`${base}/users`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name }),
  });
  if (joined.status !== 201) throw new Error(`join refused: ${joined.status}`);
  const { token } = (await joined.json()) as { token: string };
  const headers = { "Content-Type": "application/json", Authorization: `Bearer ${token}` };
  const ids: number[] = [];
  return {
    ids,
    async fill(count) {
      while (ids.length < count) {
        const response = await fetch(`${base}/messages`, {
          method: "POST",
          headers,
          body: JSON.stringify({ msg: `message ${ids.length + 1}` }),
        });
        if (response.status !== 201) throw new Error(`post refused: ${response.status} ${await response.text()}`);
        ids.push(((await response.json()) as { id: number }).id);
      }
    },
    async remove(n) {
      const response = await fetch(`${base}/messages`, {
        method: "DELETE",
        headers,
        body: JSON.stringify({ id: ids[n - 1] }),
      });
      if (response.status !== 200) throw new Error(`delete refused: ${response.status}`);
    },
  };
}

/** Limits raised so a test can fill a room quickly. */
export const FILL_VARS = { RATE_BURST: "100000", RATE_PER_SECOND: "100000" };
