import type { ChangeEvent, ChatEvent, QuotedMessage } from "../../src/log/chat-event.ts";
import type { SseEvent } from "./sse-events.ts";

/** A message as a reader shows it once every event it was sent is applied. */
export interface ShownMessage {
  user: string;
  msg?: string;
  deleted?: true;
  edited?: true;
  replyTo?: QuotedMessage;
  reactions?: Record<string, string[]>;
}

/**
 * What a reader knows of a room, folded from its events exactly as a page applies them: messages
 * by id, with their edits, deletions, quotes and reactions. Each stored event is applied once, in
 * id order; those without an id (typing, the greeting's) and those already applied are passed by.
 */
export class RoomView {
  readonly messages = new Map<number, ShownMessage>();
  /** What the room's owner or moderators set, as the greeting gave it and its changes since. */
  settings: { topic: string; slowModeSeconds: number; readOnly: boolean } | undefined;
  /** Who was removed by a moderator, in the order it came. */
  readonly removed: string[] = [];
  /** The id of every stored event applied, in the order they came. */
  readonly ids: number[] = [];

  apply(event: SseEvent): void {
    if (event.event === "settings") {
      // Whole each time: a stored change (with a `kind` and an id of its own), or the greeting's.
      const data = JSON.parse(event.data) as NonNullable<RoomView["settings"]> & { kind?: string };
      if (data.kind === "settings") {
        const id = Number(event.id);
        if ((this.ids.at(-1) ?? 0) >= id) return;
        this.ids.push(id);
      }
      this.settings = { topic: data.topic, slowModeSeconds: data.slowModeSeconds, readOnly: data.readOnly };
      return;
    }
    if (event.event === "removed") {
      const id = Number(event.id);
      if ((this.ids.at(-1) ?? 0) >= id) return;
      this.ids.push(id);
      this.removed.push((JSON.parse(event.data) as { user: string }).user);
      return;
    }
    if (!["message", "edit", "delete", "reaction"].includes(event.event)) return;
    const id = Number(event.id);
    if ((this.ids.at(-1) ?? 0) >= id) return;
    this.ids.push(id);
    if (event.event === "message") {
      const data = JSON.parse(event.data) as ChatEvent;
      if (data.kind === "message") this.messages.set(id, shown(data));
      return;
    }
    this.#change(id, JSON.parse(event.data) as ChangeEvent);
  }

  /**
   * Applies a page of history (GET /messages), whose events are messages as they are now, as a
   * page does: a message it already holds is kept, since the stream keeps it current and the page
   * may have been answered before a change the stream already brought; any other it takes as given.
   */
  applyPage(events: readonly { id: number; event?: string; data: string }[]): void {
    for (const { id, event, data } of events) {
      if (this.messages.has(id)) continue;
      if (event === "delete") {
        const deletion = JSON.parse(data) as ChangeEvent;
        if (deletion.target === id) this.messages.set(id, { user: deletion.user, deleted: true });
        continue;
      }
      const message = JSON.parse(data) as ChatEvent;
      if (event === undefined && message.kind === "message") this.messages.set(id, shown(message));
    }
  }

  #change(id: number, change: ChangeEvent): void {
    const target = this.messages.get(change.target);
    if (change.kind === "delete") {
      // A deleted message's own row is sent in its place as the deletion.
      if (target || change.target === id) this.messages.set(change.target, { user: change.user, deleted: true });
      this.#requote(change.target, (quote) => ({ id: quote.id, user: quote.user, deleted: true }));
      return;
    }
    if (change.kind === "edit") {
      if (target && !target.deleted) {
        target.msg = change.msg;
        target.edited = true;
      }
      this.#requote(change.target, (quote) => (quote.deleted ? quote : { ...quote, msg: change.msg }));
      return;
    }
    if (!target || target.deleted) return;
    const reactions = { ...target.reactions };
    if (change.users.length > 0) reactions[change.emoji] = change.users;
    else delete reactions[change.emoji];
    // No reactions left reads as a message that never had any.
    if (Object.keys(reactions).length > 0) target.reactions = reactions;
    else delete target.reactions;
  }

  #requote(id: number, quote: (current: QuotedMessage) => QuotedMessage): void {
    for (const message of this.messages.values()) {
      if (message.replyTo?.id === id) message.replyTo = quote(message.replyTo);
    }
  }
}

function shown(data: ChatEvent): ShownMessage {
  const message: ShownMessage = { user: data.user, msg: data.msg };
  if (data.edited !== undefined) message.edited = true;
  if (data.replyTo !== undefined) message.replyTo = data.replyTo;
  const reactions = Object.entries(data.reactions ?? {}).filter(
    (entry): entry is [string, string[]] => entry[1] !== undefined,
  );
  if (reactions.length > 0) message.reactions = Object.fromEntries(reactions);
  return message;
}
