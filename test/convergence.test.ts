import { env } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonBody, type OpenedStream, type Participant } from "./support/chat-client";
import { freshRoom, roomPath } from "./support/rooms";
import { call, joinAs, openStream } from "./support/self-client";

/** What a reader knows of the room once it has folded every event it was sent. */
type View = { id: number; name: string; msg: string; kind: string }[];

type Action =
  | { kind: "post"; who: number; text: string; key: number; again: boolean }
  | { kind: "typing"; who: number }
  | { kind: "cut"; readFirst: boolean };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({
    kind: fc.constant("post" as const),
    who: fc.nat(3),
    text: fc.string({ minLength: 1, maxLength: 12 }).filter((text) => text.trim() !== ""),
    key: fc.nat(5),
    again: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("typing" as const), who: fc.nat(3) }),
  fc.record({ kind: fc.constant("cut" as const), readFirst: fc.boolean() }),
);

function post(participant: Participant, msg: string, key: string): Promise<Response> {
  const { headers, ...body } = jsonBody({ msg, key });
  return call(`${roomPath(participant.room)}/messages`, {
    method: "POST",
    ...body,
    headers: { ...headers, Authorization: `Bearer ${participant.token}` },
  });
}

/** Reads until the event with id `last` has arrived, folding chat events into `view`. */
async function readThrough(stream: OpenedStream, last: number, view: View): Promise<void> {
  if ((view.at(-1)?.id ?? 0) >= last) return;
  const events = await stream.reader.chatUntil((_, id) => id >= last, 5000);
  for (const { id, data } of events) {
    // An event the reader already has would be a double: keep it, so the comparison shows it.
    view.push({ id, name: data.name, msg: data.msg, kind: data.kind });
  }
}

describe("convergence", () => {
  it("gives a reader that dropped anywhere and resumed with Last-Event-ID the same view as one that stayed", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 24 }), async (actions) => {
        const room = freshRoom("converge");
        const stub = env.CHAT_ROOM.getByName(room);
        const people = [];
        for (let i = 0; i < 4; i++) people.push(await joinAs(room, `p${i}`));
        const steady = await openStream(room, { lastEventId: 0 });
        let dropping = await openStream(room, { lastEventId: 0 });
        let position = "0";
        const steadyView: View = [];
        const droppingView: View = [];
        const sentUnder = new Map<string, number>();
        let posts = 0;

        for (const step of actions) {
          if (step.kind === "post") {
            const participant = people[step.who] as Participant;
            // Some sends are retries of an earlier one under the same key.
            const key = step.again
              ? `message-${step.who}-${step.key}-again`
              : `message-${step.who}-${step.key}-${sentUnder.size}`;
            const response = await post(participant, step.text, key);
            expect([200, 201]).toContain(response.status);
            const { id } = (await response.json()) as { id: number };
            if (response.status === 200) expect(sentUnder.get(key)).toBe(id);
            else posts += 1;
            sentUnder.set(key, id);
          } else if (step.kind === "typing") {
            const participant = people[step.who] as Participant;
            await call(`${roomPath(room)}/typing`, {
              method: "POST",
              headers: { Authorization: `Bearer ${participant.token}` },
            });
          } else {
            if (step.readFirst) await readThrough(dropping, (await stub.stats()).lastEventId, droppingView);
            // Cut, perhaps with events still unread in the stream, and resume from the last id read,
            // which a connection that read nothing leaves as it was, as EventSource does.
            position = dropping.reader.lastEventId ?? position;
            await dropping.reader.cancel();
            dropping = await openStream(room, { lastEventId: position });
          }
        }

        const last = (await stub.stats()).lastEventId;
        await readThrough(steady, last, steadyView);
        await readThrough(dropping, last, droppingView);
        await Promise.all([steady.reader.cancel(), dropping.reader.cancel()]);

        expect(droppingView).toEqual(steadyView);
        // Every stored event once, in order; typing signals, which have no id, never among them.
        expect(steadyView.map((event) => event.id)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
        expect(steadyView.filter((event) => event.kind === "message")).toHaveLength(posts);
      }),
      { numRuns: 12 },
    );
  }, 60_000);
});
