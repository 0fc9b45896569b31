/**
 * The product's Worker with one route more, for `npm run bench -- --targets history` only: it
 * fills a room with messages through the room's own `post`, called in a loop inside the object,
 * so that a room of a million messages is seeded in minutes rather than a million requests. Every
 * other request goes to the product's Worker unchanged.
 *
 * With the binding `BENCH_SEARCH_INDEX = "off"` (set only in the benchmark's own workerd config)
 * the search index is given no message, so that posting with and without it can be compared.
 */
import { MessageSearch } from "../../../src/conversation/message-search";
import worker, { ChatRoom as ProductRoom } from "../../../src/index";
import { SEED_PATH, type SeedRequest } from "../seed-route";

export { ChatRelay } from "../../../src/index";

type BenchEnv = Env & { BENCH_SEARCH_INDEX?: string };

/** The room, able to post many messages in one call; bound as CHAT_ROOM in the benchmark's workerd. */
export class ChatRoom extends ProductRoom {
  constructor(ctx: DurableObjectState, env: BenchEnv) {
    // The index is skipped where it is called, inside the room's own post path: nothing else changes.
    if (env.BENCH_SEARCH_INDEX === "off") MessageSearch.prototype.index = () => undefined;
    super(ctx, env);
  }

  /** Posts each text as the session's participant, exactly as `post` does; fails on the first refusal. */
  seed(token: string, texts: string[]): { first: number; last: number } {
    let first = 0;
    let last = 0;
    for (const msg of texts) {
      const posted = this.post({ token, msg });
      if (!posted.ok) throw new Error(`post refused: ${posted.status} ${posted.code}`);
      first ||= posted.id;
      last = posted.id;
    }
    return { first, last };
  }

  /**
   * Posts each text as {@link seed} does, but each in a transaction of its own, as posts that
   * arrive one by one are: the room's storage commits what a post wrote once the object waits.
   */
  async seedOneByOne(token: string, texts: string[]): Promise<{ first: number; last: number }> {
    let first = 0;
    let last = 0;
    for (const msg of texts) {
      ({ last } = this.seed(token, [msg]));
      first ||= last;
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    return { first, last };
  }
}

export default {
  async fetch(request, env, ctx) {
    if (new URL(request.url).pathname !== SEED_PATH) return worker.fetch(request, env, ctx);
    const { room, token, texts, oneByOne } = await request.json<SeedRequest>();
    const stub = (env.CHAT_ROOM as unknown as DurableObjectNamespace<ChatRoom>).getByName(room);
    return Response.json(await (oneByOne ? stub.seedOneByOne(token, texts) : stub.seed(token, texts)));
  },
} satisfies ExportedHandler<BenchEnv>;
