// @ts-check
/**
 * Replacing the owner key, for a leaked manage link: the owner's Manage room menu opens a dialog
 * that says what it does and asks first; the new key is kept at once (so this browser's other
 * tabs go on with it) and its manage link shown in a second dialog, to copy. Every page hears of
 * a replacement by the room's `owner_key` event and asks the room whether the key it keeps still
 * works: one that does not is forgotten, its tools go, and the page says so.
 */

const LOST = "The owner key was replaced; this page no longer manages the room.";

/**
 * @typedef {{
 *   confirm: HTMLDialogElement,
 *   shown: HTMLDialogElement,
 *   room: string,
 *   roomKey: import("./room-key.js").RoomKey,
 *   api: import("../connection/chat-api.js").ChatApi,
 *   token: () => string | undefined,
 *   say: (text: string) => void,
 *   lost: () => void,
 * }} OwnerKeySetup
 *   `confirm` asks before replacing, `shown` shows the new manage link; `token` is the page's
 *   session, sent along so that it stays the owner's; `lost` hides the tools of a key that no
 *   longer works
 */

/**
 * @param {OwnerKeySetup} setup
 * @returns {{ ask: () => void, replaced: () => Promise<void> }} `ask` opens the first dialog;
 *   `replaced` is for the room's `owner_key` event
 */
export function ownerKeyReplacement({ confirm, shown, room, roomKey, api, token, say, lost }) {
  const link = /** @type {HTMLInputElement} */ (shown.querySelector("#new-manage-link"));
  const copied = /** @type {HTMLElement} */ (shown.querySelector("#new-manage-link-copied"));
  /** This page's own replacement, until it is answered. @type {Promise<void> | undefined} */
  let replacing;

  shown.querySelector("#copy-new-manage-link")?.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(link.value);
      copied.textContent = "Manage link copied. Keep it to yourself.";
    } catch {
      link.select();
      copied.textContent = "The link is selected: copy it from the field.";
    }
  });

  confirm.addEventListener("close", () => {
    if (confirm.returnValue !== "replace") return;
    replacing = replace().finally(() => {
      replacing = undefined;
    });
  });

  async function replace() {
    try {
      const { ownerKey } = await api.replaceOwnerKey(token());
      roomKey.keep(ownerKey);
    } catch (error) {
      say(error instanceof Error ? error.message : String(error));
      return;
    }
    say("The owner key was replaced: the old manage link no longer works.");
    link.value = roomKey.manageLink(room);
    copied.textContent = "";
    shown.returnValue = "";
    shown.showModal();
  }

  return {
    ask() {
      confirm.returnValue = "";
      confirm.showModal();
    },
    async replaced() {
      // The room may tell of this page's own replacement before answering it: the new key first.
      await replacing;
      const key = roomKey.value;
      if (key === undefined) return;
      let role;
      try {
        ({ role } = await api.role());
      } catch {
        // Unheard, the key is kept: an action it no longer allows is refused with the reason.
        return;
      }
      // Another tab of this browser may have kept the new key meanwhile: that one works.
      if (role !== null || roomKey.value !== key) return;
      roomKey.forget(key);
      lost();
      say(LOST);
    },
  };
}
