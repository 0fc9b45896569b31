/** One event as an EventSource would dispatch it. */
export interface SseEvent {
  event: string;
  data: string;
  id: string | undefined;
}

/** Reads the events of a streamed SSE response from a real server, with timeouts. */
export interface EventReader {
  until(predicate: (event: SseEvent) => boolean, timeoutMs: number): Promise<SseEvent[]>;
  close(): Promise<void>;
}

export function readEvents(response: Response): EventReader {
  if (!response.body) throw new Error("no body");
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let lastId: string | undefined;
  let pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;

  const parse = (): SseEvent[] => {
    const events: SseEvent[] = [];
    for (;;) {
      const end = /\r\n\r\n|\n\n|\r\r/.exec(buffer);
      if (!end) return events;
      const block = buffer.slice(0, end.index);
      buffer = buffer.slice(end.index + end[0].length);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split(/\r\n|\r|\n/)) {
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "event") event = value;
        else if (field === "data") data.push(value);
        else if (field === "id") lastId = value;
      }
      if (data.length > 0) events.push({ event, data: data.join("\n"), id: lastId });
    }
  };

  return {
    async until(predicate, timeoutMs) {
      const seen: SseEvent[] = [];
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (const event of parse()) {
          seen.push(event);
          if (predicate(event)) return seen;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out; events so far: ${JSON.stringify(seen)}`);
        pending ??= reader.read();
        const result = await Promise.race([
          pending,
          new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), left)),
        ]);
        if (result === "timeout") continue;
        pending = undefined;
        if (result.done) throw new Error(`stream ended; events so far: ${JSON.stringify(seen)}`);
        buffer += decoder.decode(result.value, { stream: true });
      }
    },
    async close() {
      await reader.cancel().catch(() => undefined);
    },
  };
}
