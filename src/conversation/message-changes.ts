import { fail, type Result } from "../common/result";
import type { ChangeEvent, ChatEvent, QuotedMessage } from "../log/chat-event";
import type { EventLog } from "../log/event-log";
import type { MessageSearch } from "./message-search";
import type { Reactions } from "./reactions";

/**
 * A change found allowed, not yet made. Checking comes first and changes nothing, so that a
 * request the room refuses for another reason (its pace, say) leaves everything as it was.
 * Making it rewrites what is stored and returns the event to publish, or nothing when the
 * change would change nothing, or its message has meanwhile left the retained history (the
 * participant's return, announced in between, can push the oldest message out).
 */
export type PlannedChange = () => ChangeEvent | undefined;

/** Edits, deletions, reactions and replies: the ways a message is answered or changed after it was sent. */
export class MessageChanges {
  readonly #log: EventLog;
  readonly #reactions: Reactions;
  readonly #search: MessageSearch;
  readonly #limits: { editWindowMs: number; reactionsPerMessage: number };

  constructor(
    log: EventLog,
    reactions: Reactions,
    search: MessageSearch,
    limits: { editWindowMs: number; reactionsPerMessage: number },
  ) {
    this.#log = log;
    this.#reactions = reactions;
    this.#search = search;
    this.#limits = limits;
  }

  /** The quote a reply to message `id` carries. */
  quote(id: number): Result<{ quote: QuotedMessage }> {
    const found = this.#message(id);
    if (!found.ok) return found;
    return { ok: true, quote: { id, user: found.message.user, msg: found.message.msg } };
  }

  edit(author: string, id: number, msg: string, now: number): Result<{ change: PlannedChange }> {
    const found = this.#ownMessage(author, id, "edit");
    if (!found.ok) return found;
    const { message } = found;
    if (now - message.at > this.#limits.editWindowMs) {
      const window = timeSpan(this.#limits.editWindowMs);
      return fail(403, "edit_window_closed", `A message can be edited for ${window} after it is sent.`);
    }
    return {
      ok: true,
      change: () => {
        if (message.msg === msg || !this.#log.get(id)) return undefined;
        this.#log.rewrite(id, JSON.stringify({ ...message, msg, edited: now }));
        this.#search.replace(id, message.msg, msg);
        this.#requote(id, (quote) => ({ ...quote, msg }));
        // The new text is all an earlier edit said.
        this.#log.removeChanges(id, "edit");
        return { kind: "edit", target: id, user: message.user, msg, at: now };
      },
    };
  }

  /**
   * Deletes a message, by its author or by a moderator: its text, its earlier versions and its
   * quotes in replies leave storage.
   */
  delete(by: { author: string } | { moderator: true }, id: number, now: number): Result<{ change: PlannedChange }> {
    const moderated = "moderator" in by;
    const found = moderated ? this.#message(id) : this.#ownMessage(by.author, id, "delete");
    if (!found.ok) return found;
    const { message } = found;
    return {
      ok: true,
      change: () => {
        if (!this.#log.get(id)) return undefined;
        // It carries when the message was sent: where the message was, a reader later is sent
        // only this, and shows it at that time, under that day, as a reader who saw it does.
        const deletion = { kind: "delete", target: id, user: message.user, at: now, sentAt: message.at } as const;
        const event: ChangeEvent = moderated ? { ...deletion, moderated: true } : deletion;
        // Where the message was, a reader later is sent its deletion; its edits and reactions,
        // which the deletion undoes, go.
        this.#log.rewrite(id, JSON.stringify(event), "delete");
        this.#search.remove(id, message.msg);
        this.#log.removeChanges(id, "edit");
        this.#log.removeChanges(id, "reaction");
        this.#requote(id, ({ user }) => ({ id, user, deleted: true }));
        this.#reactions.forget(id);
        return event;
      },
    };
  }

  /** Adds (`on`) or takes back a participant's reaction; one of each emoji per person and message. */
  react(
    reactor: { token: string; name: string },
    id: number,
    emoji: string,
    on: boolean,
    now: number,
  ): Result<{ change: PlannedChange }> {
    const found = this.#message(id);
    if (!found.ok) return found;
    const { message } = found;
    const has = this.#reactions.has(id, emoji, reactor.token);
    if (on && !has && this.#reactions.count(id) >= this.#limits.reactionsPerMessage) {
      return fail(
        409,
        "too_many_reactions",
        `A message takes at most ${this.#limits.reactionsPerMessage} reactions, and this one has them.`,
      );
    }
    return {
      ok: true,
      change: () => {
        if (on === has || !this.#log.get(id)) return undefined;
        if (on) this.#reactions.add(id, emoji, reactor.token, reactor.name);
        else this.#reactions.remove(id, emoji, reactor.token);
        const reactions = this.#reactions.of(id);
        const { reactions: _previous, ...rest } = message;
        this.#log.rewrite(id, JSON.stringify(Object.keys(reactions).length > 0 ? { ...rest, reactions } : rest));
        const users = reactions[emoji] ?? [];
        // Who reacts with this emoji now is all an earlier change of it said.
        this.#log.removeChanges(id, "reaction", emoji);
        return { kind: "reaction", target: id, user: reactor.name, emoji, users, at: now };
      },
    };
  }

  #ownMessage(author: string, id: number, verb: string): Result<{ message: ChatEvent }> {
    const found = this.#message(id);
    if (!found.ok) return found;
    if (found.author !== author) {
      return fail(403, "not_author", `Only the person who sent a message can ${verb} it.`);
    }
    return found;
  }

  /** Message `id` as it is now, if it is one the room still holds and it is not deleted. */
  #message(id: number): Result<{ message: ChatEvent; author: string | undefined }> {
    const row = this.#log.get(id);
    if (!row) {
      return id <= this.#log.droppedThrough
        ? fail(410, "message_expired", `Message ${id} is older than the history this room keeps.`)
        : fail(404, "no_such_message", `There is no message ${id} in this room.`);
    }
    if (row.event === "delete" && (JSON.parse(row.data) as ChangeEvent).target === id) {
      return fail(410, "message_deleted", `Message ${id} was deleted.`);
    }
    const message = JSON.parse(row.data) as ChatEvent;
    if (row.event !== undefined || message.kind !== "message") {
      return fail(404, "no_such_message", `Event ${id} is not a message.`);
    }
    return { ok: true, message, author: row.author };
  }

  /** Rewrites the quote in every stored reply to message `id`. */
  #requote(id: number, quote: (current: QuotedMessage) => QuotedMessage): void {
    for (const reply of this.#log.repliesTo(id)) {
      const message = JSON.parse(reply.data) as ChatEvent;
      if (message.replyTo === undefined) continue;
      this.#log.rewrite(reply.id, JSON.stringify({ ...message, replyTo: quote(message.replyTo) }));
    }
  }
}

/** A span of time as a sentence says it: in minutes when it is a whole number of them, else in seconds. */
function timeSpan(ms: number): string {
  // To the millisecond: a setting such as 0.7 s comes out of its multiplication as 700.0000000000001 ms.
  const seconds = Math.round(ms) / 1000;
  const [count, unit] = seconds >= 60 && seconds % 60 === 0 ? [seconds / 60, "minute"] : [seconds, "second"];
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}
