/**
 * The product's Worker, room and relay unchanged, with a reader farm beside them, for
 * `npm run bench -- --targets relay-farm` only: readers inside workerd, so that a room's 20,000
 * readers need no socket (a process here may hold at most 20,000 open files, and workerd holds
 * two for each connection it accepts). Two routes more drive the farms; every other request goes
 * to the product's Worker.
 */
import worker from "../../../src/index";
import { FARM_OPEN_PATH, FARM_PROGRESS_PATH, type FarmOpen, type FarmQuery, farmShare } from "../farm-route";
import type { ReaderFarm } from "./reader-farm";

export { ChatRelay, ChatRoom } from "../../../src/index";
export { ReaderFarm } from "./reader-farm";

type FarmEnv = Env & { READER_FARM: DurableObjectNamespace<ReaderFarm> };

/** Farm `index` of the room's farms. */
function farm(env: FarmEnv, room: string, index: number): DurableObjectStub<ReaderFarm> {
  return env.READER_FARM.getByName(`${room}/${index}`);
}

const indexes = (farms: number) => Array.from({ length: farms }, (_, index) => index);

export default {
  async fetch(request, env, ctx) {
    const path = new URL(request.url).pathname;
    if (path === FARM_OPEN_PATH) {
      const { room, farms, readers } = await request.json<FarmOpen>();
      await Promise.all(
        indexes(farms).map((index) => farm(env, room, index).open(room, farmShare(readers, farms, index))),
      );
      return Response.json({ opening: readers });
    }
    if (path === FARM_PROGRESS_PATH) {
      const { room, farms, acknowledged } = await request.json<FarmQuery>();
      const each = await Promise.all(indexes(farms).map((index) => farm(env, room, index).progress(acknowledged)));
      const sum = (pick: (progress: (typeof each)[number]) => number) => each.reduce((total, p) => total + pick(p), 0);
      return Response.json({
        readers: sum((p) => p.readers),
        connected: sum((p) => p.connected),
        refused: sum((p) => p.refused),
        firstError: each.find((p) => p.firstError !== null)?.firstError ?? null,
        reopened: sum((p) => p.reopened),
        expected: sum((p) => p.expected),
        delivered: sum((p) => p.delivered),
        lost: sum((p) => p.lost),
        duplicated: sum((p) => p.duplicated),
        outOfOrder: sum((p) => p.outOfOrder),
      });
    }
    return worker.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<FarmEnv>;
