// @ts-check
/**
 * Work that the tabs of one browser do one at a time, such as joining a room or sending its
 * waiting messages. A Web Lock is held for all the browser's tabs of an origin, and given up when
 * its tab closes. Browsers offer them only in a secure context (https, or localhost); elsewhere the
 * work runs at once, and what the room remembers (a session's name, a message's key) is all that
 * keeps two tabs from doing it twice.
 */

/**
 * @template T
 * @param {string} name
 * @param {() => Promise<T>} task
 * @returns {Promise<T>}
 */
export function oneTabAtATime(name, task) {
  // The lock's promise settles with the task's, which the DOM's types do not see through.
  return navigator.locks ? /** @type {Promise<T>} */ (navigator.locks.request(name, task)) : task();
}
