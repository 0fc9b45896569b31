// @ts-check
/**
 * The room's owner or moderator key, if this browser holds one. It is kept per room in local
 * storage, and arrives on another device through a manage link, where it travels in the URL's
 * fragment: browsers never send a fragment to the server, so no log ever holds it. The page
 * takes it out of the address bar as soon as it has kept it.
 */

const KEY_PARAMETER = "key";

export class RoomKey {
  /** @param {string} room */
  constructor(room) {
    this.storageKey = storageKeyOf(room);
    const fragment = new URLSearchParams(location.hash.slice(1));
    const arrived = fragment.get(KEY_PARAMETER);
    if (arrived) {
      localStorage.setItem(this.storageKey, arrived);
      // Only the key leaves the address: a link to a message in the same fragment stays.
      fragment.delete(KEY_PARAMETER);
      const rest = fragment.toString();
      history.replaceState(null, "", location.pathname + location.search + (rest ? `#${rest}` : ""));
    }
  }

  /** @returns {string | undefined} */
  get value() {
    return localStorage.getItem(this.storageKey) ?? undefined;
  }

  /**
   * Keeps a new key for the room, this one replacing the key held before, in every tab of this browser.
   * @param {string} key
   */
  keep(key) {
    localStorage.setItem(this.storageKey, key);
  }

  /**
   * Drops `key`, which no longer works, unless another tab of this browser has kept a new key in
   * its place meanwhile.
   * @param {string} key
   */
  forget(key) {
    if (this.value === key) localStorage.removeItem(this.storageKey);
  }

  /**
   * Calls `listener` when another tab of this browser keeps or drops the key, as opening a manage
   * link there does.
   * @param {() => void} listener
   */
  onChange(listener) {
    addEventListener("storage", (event) => {
      if (event.storageArea === localStorage && (event.key === null || event.key === this.storageKey)) listener();
    });
  }

  /**
   * The link that opens the room with this key, on any device.
   * @param {string} room
   */
  manageLink(room) {
    return linkWithKey(room, this.value ?? "");
  }
}

/**
 * Keeps the key of a room this browser has just made.
 * @param {string} room
 * @param {string} key
 */
export function keepRoomKey(room, key) {
  localStorage.setItem(storageKeyOf(room), key);
}

/** @param {string} room */
function storageKeyOf(room) {
  return `chat.roomKey.${room}`;
}

/**
 * A link that opens the room holding `key`, which travels in the fragment.
 * @param {string} room
 * @param {string} key
 */
export function linkWithKey(room, key) {
  const link = new URL(`/r/${room}/`, location.href);
  link.hash = new URLSearchParams({ [KEY_PARAMETER]: key }).toString();
  return link.toString();
}
