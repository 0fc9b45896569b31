import { readEvents, type SseEvent } from "./sse-client";

/**
 * Reads a room's stream as EventSource does: when the stream breaks or the server is gone, it
 * waits and reconnects with Last-Event-ID. Resolves with every chat event it was sent, in
 * order, once one has `msg` equal to `done`.
 */
export async function readThroughFaults(
  baseUrl: string,
  room: string,
  done: string,
  timeoutMs = 60_000,
): Promise<{ ids: number[]; reconnects: number }> {
  const ids: number[] = [];
  const deadline = Date.now() + timeoutMs;
  let reconnects = -1;
  while (Date.now() < deadline) {
    reconnects++;
    const headers: Record<string, string> = {};
    const last = ids.at(-1);
    if (last !== undefined) headers["Last-Event-ID"] = String(last);
    let response: Response;
    try {
      response = await fetch(`${baseUrl}/r/${room}/stream`, { headers });
      if (response.status !== 200) throw new Error(`status ${response.status}`);
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
      continue;
    }
    const events = readEvents(response);
    try {
      await events.until((event: SseEvent) => {
        if (event.event !== "message" || event.id === undefined) return false;
        ids.push(Number(event.id));
        return (JSON.parse(event.data) as { msg: string }).msg === done;
      }, deadline - Date.now());
      await events.close();
      return { ids, reconnects };
    } catch {
      await events.close();
    }
  }
  throw new Error(`never saw ${done}; got ${ids.length} events`);
}
