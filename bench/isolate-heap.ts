/**
 * Reads the JavaScript heap of workerd's isolate through its inspector: what a Durable Object's
 * 128 MB limit counts, unlike the process's RSS, which also holds every connection's buffers
 * (on Cloudflare those belong to the front line, not to the object). Garbage is collected first
 * (workerd runs with V8's --expose-gc), so the reading is what is alive.
 */

interface HeapUsage {
  usedSize: number;
  /** Objects the runtime keeps on V8's C++ heap (cppgc): streams, controllers, requests. */
  embedderHeapUsedSize?: number;
  /** ArrayBuffer contents, such as queued frames. */
  backingStorageSize?: number;
}

interface InspectorMessage {
  id?: number;
  method?: string;
  params?: { context?: { id?: number } };
  result?: HeapUsage;
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
        // workerd answers Runtime calls only once Runtime is enabled, which also names the context.
        socket.send(JSON.stringify({ id: 1, method: "Runtime.enable" }));
      };
      socket.onmessage = (event) => {
        const message = JSON.parse(String(event.data)) as InspectorMessage;
        if (message.method === "Runtime.executionContextCreated") {
          const contextId = message.params?.context?.id;
          const expression = 'typeof gc === "function" && gc()';
          socket.send(JSON.stringify({ id: 2, method: "Runtime.evaluate", params: { expression, contextId } }));
        } else if (message.id === 2) {
          socket.send(JSON.stringify({ id: 3, method: "Runtime.getHeapUsage" }));
        } else if (message.id === 3 && message.result) {
          clearTimeout(timer);
          const usage = message.result;
          resolve(usage.usedSize + (usage.embedderHeapUsedSize ?? 0) + (usage.backingStorageSize ?? 0));
        }
      };
    });
  } finally {
    socket.close();
  }
}
