/**
 * The runtime's floor: the least a Worker and a Durable Object can do to fan SSE frames out,
 * served by `workerd` exactly as the product is. The same path as the product's (the Worker
 * hands the object's stream response on untouched; posts are RPC calls; one TransformStream
 * per subscriber, written through its controller) and nothing else: no storage, sessions,
 * validation, presence, limits or backpressure. The gap between it and the Node baseline is
 * the runtime's; the gap between it and the product is ours.
 *
 * Served as JavaScript: bench/targets.ts strips the types before handing it to workerd.
 */
import { DurableObject } from "cloudflare:workers";

interface FloorEnv {
  CHAT_ROOM: DurableObjectNamespace<FloorRoom>;
}

const encoder = new TextEncoder();
const STREAM_HEADERS = {
  "Content-Type": "text/event-stream; charset=utf-8",
  "Cache-Control": "no-cache",
  "Content-Encoding": "identity",
};

export class FloorRoom extends DurableObject {
  readonly #streams = new Set<TransformStreamDefaultController<Uint8Array>>();
  #lastId = 0;

  override fetch(): Response {
    let opened: TransformStreamDefaultController<Uint8Array> | undefined;
    const { readable } = new TransformStream<Uint8Array, Uint8Array>(
      {
        start: (controller) => {
          opened = controller;
        },
        cancel: () => {
          if (opened) this.#streams.delete(opened);
        },
      },
      undefined,
      { highWaterMark: 0 },
    );
    if (opened) {
      opened.enqueue(encoder.encode(": open\n\n"));
      this.#streams.add(opened);
    }
    return new Response(readable, { headers: STREAM_HEADERS });
  }

  post(msg: string): number {
    const id = ++this.#lastId;
    const frame = encoder.encode(`id: ${id}\ndata: ${JSON.stringify({ name: "bench", msg })}\n\n`);
    for (const stream of this.#streams) {
      try {
        stream.enqueue(frame);
      } catch {
        this.#streams.delete(stream);
      }
    }
    return id;
  }
}

export default {
  async fetch(request: Request, env: FloorEnv): Promise<Response> {
    const [, , room = "", action] = new URL(request.url).pathname.split("/");
    const stub = env.CHAT_ROOM.get(env.CHAT_ROOM.idFromName(room));
    if (action === "stream") return stub.fetch(request);
    if (action === "users") return Response.json({ name: "bench", token: "floor" }, { status: 201 });
    if (action === "messages") {
      const { msg } = await request.json<{ msg: string }>();
      return Response.json({ id: await stub.post(msg) }, { status: 201 });
    }
    return new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<FloorEnv>;
