/**
 * The baseline: a minimal SSE fan-out on Node's `http`, standing for what this machine can do.
 * It speaks just enough of the chat's API for the load generator (join, post, stream) and
 * writes one pre-encoded frame to every socket. No history, sessions or limits.
 *
 *   node baseline-server.ts <port>
 */
import http from "node:http";

const port = Number(process.argv[2] ?? 8790);
const streams = new Set<http.ServerResponse>();
let lastId = 0;

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => resolve(body));
  });
}

const server = http.createServer(async (req, res) => {
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  if (req.method === "GET" && path.endsWith("/stream")) {
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
    res.write("retry: 2000\n\n");
    streams.add(res);
    res.on("close", () => streams.delete(res));
    return;
  }
  if (req.method === "POST" && path.endsWith("/users")) {
    await readBody(req);
    res.writeHead(201, { "Content-Type": "application/json" });
    res.end('{"token":"baseline"}');
    return;
  }
  if (req.method === "POST" && path.endsWith("/messages")) {
    const { msg } = JSON.parse(await readBody(req)) as { msg: string };
    lastId += 1;
    const data = JSON.stringify({ name: "bench", msg, kind: "message", user: "bench", at: Date.now() });
    const frame = Buffer.from(`id: ${lastId}\ndata: ${data}\n\n`);
    for (const stream of streams) stream.write(frame);
    res.writeHead(201, { "Content-Type": "application/json" });
    res.end(`{"id":${lastId}}`);
    return;
  }
  res.writeHead(404);
  res.end();
});

server.listen(port, "127.0.0.1", () => process.stdout.write(`Ready on http://127.0.0.1:${port}\n`));
