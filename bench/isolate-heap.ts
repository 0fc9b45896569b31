/**
 * Reads the JavaScript heap of workerd's isolate through its inspector: what a Durable Object's
 * 128 MB limit counts, unlike the process's RSS, which also holds every connection's buffers
 * (on Cloudflare those belong to the front line, not to the object).
 */

interface HeapUsage {
  usedSize: number;
  /** Objects the runtime keeps on V8's C++ heap (cppgc): streams, controllers, requests. */
  embedderHeapUsedSize?: number;
  /** ArrayBuffer contents, such as queued frames. */
  backingStorageSize?: number;
}

/** Bytes in use in the isolate served at `inspectorUrl` (ws://host:port/main), or undefined if it does not answer. */
export async function isolateHeapBytes(inspectorUrl: string, timeoutMs = 5_000): Promise<number | undefined> {
  const socket = new WebSocket(inspectorUrl);
  try {
    return await new Promise<number | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      socket.onerror = () => {
        clearTimeout(timer);
        resolve(undefined);
      };
      socket.onopen = () => {
        // workerd answers Runtime.getHeapUsage only once Runtime is enabled.
        socket.send(JSON.stringify({ id: 1, method: "Runtime.enable" }));
        socket.send(JSON.stringify({ id: 2, method: "Runtime.getHeapUsage" }));
      };
      socket.onmessage = (event) => {
        const message = JSON.parse(String(event.data)) as { id?: number; result?: HeapUsage };
        if (message.id !== 2 || !message.result) return;
        clearTimeout(timer);
        const usage = message.result;
        resolve(usage.usedSize + (usage.embedderHeapUsedSize ?? 0) + (usage.backingStorageSize ?? 0));
      };
    });
  } finally {
    socket.close();
  }
}
