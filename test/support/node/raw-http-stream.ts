/**
 * A bare-bones HTTP/1.1 GET over a plain socket, handing on the raw bytes of the body (chunked or
 * not). The benchmark reads thousands of event streams from one process through it, with no HTTP
 * client machinery per chunk; the fault tests use it to hold a thousand streams at once and to
 * drop them abruptly (`destroy`, `resetAndDestroy`), which `fetch` cannot do.
 */
import { connect, type Socket } from "node:net";

const CRLF2 = Buffer.from("\r\n\r\n");
const CONNECT_TIMEOUT_MS = 20_000;

/** Opens `path` on `host:port` and calls `onBody` with every piece of the decoded body. */
export function openRawStream(
  host: string,
  port: number,
  path: string,
  onBody: (bytes: Buffer) => void,
  headers: Record<string, string> = {},
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true });
    let head = Buffer.alloc(0);
    let chunked = false;
    let started = false;
    // For chunked bodies: bytes left in the current chunk, or -1 while reading a size line.
    let left = -1;
    let sizeLine = "";
    let skipCrlf = 0;

    const decodeChunked = (data: Buffer) => {
      let i = 0;
      while (i < data.length) {
        if (skipCrlf > 0) {
          const skip = Math.min(skipCrlf, data.length - i);
          i += skip;
          skipCrlf -= skip;
          continue;
        }
        if (left === -1) {
          const newline = data.indexOf(10, i);
          if (newline === -1) {
            sizeLine += data.toString("latin1", i);
            return;
          }
          sizeLine += data.toString("latin1", i, newline);
          left = Number.parseInt(sizeLine.trim(), 16);
          sizeLine = "";
          i = newline + 1;
          if (left === 0) {
            socket.end();
            return;
          }
          continue;
        }
        const take = Math.min(left, data.length - i);
        onBody(data.subarray(i, i + take));
        i += take;
        left -= take;
        if (left === 0) {
          left = -1;
          skipCrlf = 2;
        }
      }
    };

    // A server too busy to answer within the limit counts as refusing.
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy(new Error("no answer within the connect limit")));
    socket.once("error", reject);
    socket.on("data", (data: Buffer) => {
      if (started) {
        if (chunked) decodeChunked(data);
        else onBody(data);
        return;
      }
      head = Buffer.concat([head, data]);
      const end = head.indexOf(CRLF2);
      if (end === -1) return;
      const header = head.toString("latin1", 0, end);
      const status = Number(header.slice(9, 12));
      if (status !== 200) {
        socket.destroy();
        reject(new Error(`stream answered ${status}`));
        return;
      }
      chunked = /\r\ntransfer-encoding:\s*chunked/i.test(header);
      started = true;
      socket.setTimeout(0);
      socket.off("error", reject);
      socket.on("error", () => undefined);
      resolve(socket);
      const rest = head.subarray(end + 4);
      if (rest.length > 0) {
        if (chunked) decodeChunked(rest);
        else onBody(rest);
      }
    });
    const extra = Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join("");
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nAccept: text/event-stream\r\nConnection: keep-alive\r\n${extra}\r\n`,
    );
  });
}
