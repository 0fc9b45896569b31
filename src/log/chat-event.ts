/** What kind of thing happened in a room. */
export type ChatEventKind = "message" | "join" | "leave";

/**
 * The message a reply answers, as it is now: its text follows the original's edits and is
 * dropped when the original is deleted or expires.
 */
export interface QuotedMessage {
  id: number;
  user: string;
  msg?: string;
  deleted?: true;
  /** The original is older than the history the room keeps, and its text went with it. */
  expired?: true;
}

/** Who reacted with each emoji, in the order they did. */
export type Reactions = Partial<Record<string, string[]>>;

/**
 * The JSON carried in every chat event's `data`. `name` and `msg` are exactly what the original
 * chat sent (notices have an empty `name`); the other fields are for richer clients.
 */
export interface ChatEvent {
  name: string;
  msg: string;
  kind: ChatEventKind;
  /** Who the event is about: the sender, or who joined or left. */
  user: string;
  /** Server time in milliseconds since the epoch. */
  at: number;
  /**
   * The key the sender's page gave a message, so that it knows its own send when it arrives.
   * Keys only count within the sender's session, so showing one to others gives them nothing.
   */
  key?: string;
  /** The message this one answers. */
  replyTo?: QuotedMessage;
  /** When the text was last edited. */
  edited?: number;
  reactions?: Reactions;
  /** On a join: the one who joined holds the room's owner or a moderator key. */
  role?: "owner" | "moderator";
}

/**
 * A change to an earlier message (`target`). Each is a named SSE event, so the original
 * client's `onmessage` never sees one; a stored message already carries every change made to
 * it, and applying a change twice leaves it as applying it once, so a reader may be sent both.
 */
export type ChangeEvent =
  | { kind: "edit"; target: number; user: string; msg: string; at: number }
  | {
      kind: "delete";
      target: number;
      user: string;
      at: number;
      /** When the deleted message was sent: its line is shown at that time, under that day. */
      sentAt: number;
      moderated?: true;
    }
  | { kind: "reaction"; target: number; user: string; emoji: string; users: string[]; at: number };

/** What the room's owner or a moderator set for everyone: the whole of it, each time. */
export interface SettingsEvent {
  kind: "settings";
  topic: string;
  slowModeSeconds: number;
  readOnly: boolean;
  at: number;
}

/** A participant removed from the room by its owner or a moderator (`until` set), or let back early. */
export type RemovalEvent =
  | { kind: "removed"; user: string; until: number; at: number }
  | { kind: "lifted"; user: string; at: number };

/** The owner made a new moderator key, or took moderator rights back: whoever moderated no longer does. */
export interface ModeratorsEvent {
  kind: "moderators";
  at: number;
}

/** The owner key was replaced (or the operator gave the room its first owner): whoever held the old one owns it no more. */
export interface OwnerKeyEvent {
  kind: "owner_key";
  at: number;
}

export type RoomEvent = ChatEvent | ChangeEvent | SettingsEvent | RemovalEvent | ModeratorsEvent | OwnerKeyEvent;

/** The SSE event name an event is sent under: none for what the original chat showed. */
export function sseEventName(event: RoomEvent): Exclude<RoomEvent, ChatEvent>["kind"] | undefined {
  return event.kind === "message" || event.kind === "join" || event.kind === "leave" ? undefined : event.kind;
}

export function messageEvent(
  user: string,
  msg: string,
  at: number,
  { key, replyTo }: { key?: string; replyTo?: QuotedMessage } = {},
): ChatEvent {
  const event: ChatEvent = { name: user, msg, kind: "message", user, at };
  if (key !== undefined) event.key = key;
  if (replyTo !== undefined) event.replyTo = replyTo;
  return event;
}

export function joinEvent(user: string, at: number): ChatEvent {
  return { name: "", msg: `add user : ${user}`, kind: "join", user, at };
}

export function leaveEvent(user: string, at: number): ChatEvent {
  return { name: "", msg: `left user : ${user}`, kind: "leave", user, at };
}
