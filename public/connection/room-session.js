// @ts-check
/**
 * This browser's session in a room, shared by all its tabs: one browser is one participant, so
 * a tab opened again, or a second one, goes on as the same person, and what one tab does (join,
 * rename, leave, be removed) the others follow. It is kept per room in local storage; another
 * tab's change arrives by the `storage` event. To be someone else, one uses another browser
 * profile or a private window.
 *
 * @typedef {{
 *   token?: string, name: string, role?: "owner" | "moderator", removedUntil?: number,
 *   deletedBy?: "owner" | "operator",
 * }} Session
 *   `token` is missing once the participant has left, was removed (then `removedUntil` says until
 *   when), or the room was deleted (then `deletedBy` says by whom)
 */

export class RoomSession {
  /**
   * @param {string} room
   * @param {string | null} name the name this browser last joined a room under
   * @param {(now: Session | undefined, before: Session | undefined) => void} onChange another tab
   *   changed the session
   */
  constructor(room, name, onChange) {
    this.storageKey = `chat.session.${room}`;
    // Pages before this one kept the token per tab, and joined with it under the last name: a tab
    // still holding one takes it along once, rather than join anew and find its own name taken.
    const perTab = sessionStorage.getItem(`chat.token.${room}`);
    sessionStorage.removeItem(`chat.token.${room}`);
    if (perTab && name && !this.current) this.#store({ token: perTab, name });
    addEventListener("storage", (event) => {
      if (event.storageArea !== localStorage || (event.key !== null && event.key !== this.storageKey)) return;
      onChange(parse(event.newValue), parse(event.oldValue));
    });
  }

  /** @returns {Session | undefined} */
  get current() {
    return parse(localStorage.getItem(this.storageKey));
  }

  /** The session's token, while this browser is in the room. */
  get token() {
    return this.current?.token;
  }

  /** @param {{ token: string, name: string, role?: "owner" | "moderator" }} joined */
  joined({ token, name, role }) {
    this.#store(role === undefined ? { token, name } : { token, name, role });
  }

  /** The participant left. */
  left() {
    localStorage.removeItem(this.storageKey);
  }

  /**
   * A moderator removed the participant until `until`.
   * @param {string} name
   * @param {number} until
   */
  removed(name, until) {
    this.#store({ name, removedUntil: until });
  }

  /**
   * The room was deleted, and the session with it; the browser's other tabs are told by whom.
   * @param {string} name
   * @param {"owner" | "operator"} by
   */
  roomDeleted(name, by) {
    this.#store({ name, deletedBy: by });
  }

  /** @param {Session} session */
  #store(session) {
    localStorage.setItem(this.storageKey, JSON.stringify(session));
  }
}

/**
 * @param {string | null} stored
 * @returns {Session | undefined}
 */
function parse(stored) {
  try {
    const session = JSON.parse(stored ?? "null");
    return typeof session?.name === "string" ? session : undefined;
  } catch {
    return undefined;
  }
}
