import { env } from "cloudflare:test";
import fc from "fast-check";
import { expect } from "vitest";
import type { ChatRoom } from "../../../src/room/chat-room.ts";
import type { Participant } from "../chat-client.ts";
import { jsonBody } from "../chat-client.ts";
import { roomPath } from "../rooms.ts";
import { act, call, joinAs } from "./self-client.ts";

const PEOPLE = 4;
const EMOJI = ["👍", "❤️", "🎉"];

/** One step of a room's life. `which` picks among the messages posted so far, `reader` among the readers that resume. */
export type Step =
  | { kind: "post"; who: number; text: string; key: number; again: boolean; replyTo: number | undefined }
  | { kind: "edit"; who: number; byAuthor: boolean; which: number; text: string }
  | { kind: "delete"; who: number; byAuthor: boolean; which: number }
  | { kind: "react"; who: number; which: number; emoji: number; on: boolean }
  | { kind: "typing"; who: number }
  | { kind: "settings"; topic: string; readOnly: boolean }
  | { kind: "moderate"; which: number }
  | { kind: "cut"; readers: { reader: number; readFirst: boolean }[]; settle: boolean }
  | { kind: "page"; limit: number; readFirst: boolean };

/** The steps the room itself takes; cuts and pages happen to readers. */
export type RoomStep = Exclude<Step, { kind: "cut" } | { kind: "page" }>;

const who = fc.nat(PEOPLE - 1);
const which = fc.nat(30);
/** Mostly by the message's author, who alone may edit or delete it; sometimes by someone else, who is refused. */
const byAuthor = fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 });
const text = fc.string({ minLength: 1, maxLength: 12 }).filter((value) => value.trim() !== "");

/** Steps of a room's life, a cut `cutWeight` times as likely as each other kind. */
export function steps(cutWeight: number): fc.Arbitrary<Step> {
  return fc.oneof(
    fc.record({
      kind: fc.constant("post" as const),
      who,
      text,
      key: fc.nat(5),
      again: fc.boolean(),
      replyTo: fc.option(which, { nil: undefined }),
    }),
    fc.record({ kind: fc.constant("edit" as const), who, byAuthor, which, text }),
    fc.record({ kind: fc.constant("delete" as const), who, byAuthor, which }),
    fc.record({ kind: fc.constant("react" as const), who, which, emoji: fc.nat(EMOJI.length - 1), on: fc.boolean() }),
    fc.record({ kind: fc.constant("typing" as const), who }),
    // The room's owner sets its topic and read-only, and takes messages down.
    fc.record({
      kind: fc.constant("settings" as const),
      topic: fc.constantFrom("", "plans", "launch"),
      readOnly: fc.boolean(),
    }),
    fc.record({ kind: fc.constant("moderate" as const), which }),
    {
      // Readers are cut together, each with its events read or not, and resume one after
      // another in this order, at once or once the room has counted their streams gone.
      arbitrary: fc.record({
        kind: fc.constant("cut" as const),
        readers: fc.uniqueArray(fc.record({ reader: fc.nat(7), readFirst: fc.boolean() }), {
          minLength: 1,
          maxLength: 3,
          selector: (cut) => cut.reader,
        }),
        settle: fc.boolean(),
      }),
      weight: cutWeight,
    },
    // The reader that came in partway loads a page of what came before it.
    fc.record({ kind: fc.constant("page" as const), limit: fc.integer({ min: 1, max: 4 }), readFirst: fc.boolean() }),
  );
}

/** A message posted, and every text it has had, each marked so that a stream can be searched for it. */
export interface Posted {
  id: number;
  author: number;
  markers: string[];
}

/**
 * A room with an owner and a few participants, taking steps and checking that each did what it
 * must: a refused step changes nothing, a retried send gives the id of the first.
 */
export class RoomLife {
  readonly room: string;
  readonly stub: DurableObjectStub<ChatRoom>;
  /** Every message posted, in order. */
  readonly posted: Posted[] = [];
  /** The markers of every text deleted so far. */
  readonly deletedMarkers: string[] = [];
  readonly #people: Participant[];
  readonly #ownerKey: string;
  readonly #sentUnder = new Map<string, number>();
  #texts = 0;

  private constructor(room: string, people: Participant[], ownerKey: string) {
    this.room = room;
    this.stub = env.CHAT_ROOM.getByName(room);
    this.#people = people;
    this.#ownerKey = ownerKey;
  }

  /** Claims the room and lets its participants in. */
  static async begin(room: string): Promise<RoomLife> {
    const claimed = await call(`${roomPath(room)}/owner`, { method: "POST" });
    const { ownerKey } = (await claimed.json()) as { ownerKey: string };
    const people: Participant[] = [];
    for (let i = 0; i < PEOPLE; i++) people.push(await joinAs(room, `p${i}`));
    return new RoomLife(room, people, ownerKey);
  }

  /** The id of the room's newest event. */
  async lastEventId(): Promise<number> {
    return (await this.stub.stats()).lastEventId;
  }

  async take(step: RoomStep): Promise<void> {
    if (step.kind === "typing") {
      expect((await act(this.#person(step.who), "POST", "/typing")).status).toBe(204);
      return;
    }
    const before = await this.lastEventId();
    if (step.kind === "settings") {
      const response = await this.#asOwner("PATCH", "/room", { topic: step.topic, readOnly: step.readOnly });
      expect(response.status).toBe(200);
      return;
    }
    if (step.kind === "post") {
      await this.#post(step, before);
      return;
    }
    const target = this.posted[step.which % (this.posted.length || 1)];
    if (!target) return;
    if (step.kind === "moderate") {
      const response = await this.#asOwner("DELETE", "/messages", { id: target.id });
      expect([200, 410]).toContain(response.status);
      if (response.status === 200) this.deletedMarkers.push(...target.markers);
      else expect(await this.lastEventId()).toBe(before);
      return;
    }
    const participant = this.#person(step.kind !== "react" && step.byAuthor ? target.author : step.who);
    let response: Response;
    let marker: string | undefined;
    if (step.kind === "edit") {
      const edit = this.#marked(step.text);
      marker = edit.marker;
      response = await act(participant, "PATCH", "/messages", { id: target.id, msg: edit.msg });
    } else if (step.kind === "delete") {
      response = await act(participant, "DELETE", "/messages", { id: target.id });
    } else {
      const emoji = EMOJI[step.emoji];
      response = await act(participant, step.on ? "POST" : "DELETE", "/reactions", { id: target.id, emoji });
    }
    if (response.status !== 200) {
      // Someone else's message, or one already deleted: refused, and nothing changed.
      expect([403, 410]).toContain(response.status);
      expect(await this.lastEventId()).toBe(before);
      return;
    }
    if (marker !== undefined) target.markers.push(marker);
    if (step.kind === "delete") this.deletedMarkers.push(...target.markers);
  }

  async #post(step: Extract<Step, { kind: "post" }>, before: number): Promise<void> {
    // Some sends are retries of an earlier one under the same key.
    const key = step.again
      ? `message-${step.who}-${step.key}-again`
      : `message-${step.who}-${step.key}-${this.#sentUnder.size}`;
    const { msg, marker } = this.#marked(step.text);
    const replyTo = step.replyTo === undefined ? undefined : this.posted[step.replyTo % (this.posted.length || 1)]?.id;
    const response = await act(this.#person(step.who), "POST", "/messages", { msg, key, replyTo });
    if (response.status === 410 || response.status === 403) {
      // A reply to a deleted message, or a post while the room is read-only, is refused and
      // changes nothing.
      expect(await this.lastEventId()).toBe(before);
      return;
    }
    expect([200, 201]).toContain(response.status);
    const { id } = (await response.json()) as { id: number };
    if (response.status === 200) expect(this.#sentUnder.get(key)).toBe(id);
    else this.posted.push({ id, author: step.who, markers: [marker] });
    this.#sentUnder.set(key, id);
  }

  #person(index: number): Participant {
    return this.#people[index] as Participant;
  }

  #marked(value: string): { msg: string; marker: string } {
    this.#texts += 1;
    return { msg: `${value} ~${this.#texts}~`, marker: `~${this.#texts}~` };
  }

  #asOwner(method: string, endpoint: string, fields: object): Promise<Response> {
    return call(`${roomPath(this.room)}${endpoint}`, {
      method,
      ...jsonBody(fields),
      headers: { ...jsonBody({}).headers, "Chat-Room-Key": this.#ownerKey },
    });
  }
}
