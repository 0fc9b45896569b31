/** What kind of thing happened in a room. */
export type ChatEventKind = "message" | "join" | "leave";

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
}

export function messageEvent(user: string, msg: string, at: number, key?: string): ChatEvent {
  return key === undefined
    ? { name: user, msg, kind: "message", user, at }
    : { name: user, msg, kind: "message", user, at, key };
}

export function joinEvent(user: string, at: number): ChatEvent {
  return { name: "", msg: `add user : ${user}`, kind: "join", user, at };
}

export function leaveEvent(user: string, at: number): ChatEvent {
  return { name: "", msg: `left user : ${user}`, kind: "leave", user, at };
}
