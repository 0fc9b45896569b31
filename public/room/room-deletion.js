// @ts-check
/**
 * Deleting the room, for its owner: the Manage room menu opens a dialog that says what is lost
 * and asks for the room's name, typed, before its Delete button can be pressed. Every page hears
 * of a deletion by the room's `deleted` event (this one does not wait for it), and then shows,
 * where the conversation was, that the room is gone and where to go instead.
 */

/**
 * @typedef {"owner" | "operator"} Deleter
 * @typedef {{
 *   dialog: HTMLDialogElement,
 *   room: string,
 *   api: import("../connection/chat-api.js").ChatApi,
 *   token: () => string | undefined,
 *   say: (text: string) => void,
 *   deleted: (by: Deleter) => void,
 * }} RoomDeletionSetup
 *   `token` is the page's session, which deletes the room as its owner if it joined with the key
 */

/**
 * @param {RoomDeletionSetup} setup
 * @returns {() => void} opens the dialog
 */
export function roomDeletion({ dialog, room, api, token, say, deleted }) {
  const input = /** @type {HTMLInputElement} */ (dialog.querySelector("#delete-room-confirm"));
  const button = /** @type {HTMLButtonElement} */ (dialog.querySelector("button[value=delete]"));
  const name = dialog.querySelector("#delete-room-name");
  if (name) name.textContent = room;
  // Compared as the server compares it: a room's name has no case.
  const confirmed = () => input.value.trim().toLowerCase() === room;

  input.addEventListener("input", () => {
    button.disabled = !confirmed();
  });
  input.addEventListener("keydown", (event) => {
    // Enter would press the form's first button, Cancel: it deletes once the name is typed, and
    // does nothing before.
    if (event.key !== "Enter" || event.isComposing) return;
    event.preventDefault();
    if (confirmed()) input.form?.requestSubmit(button);
  });
  dialog.addEventListener("close", async () => {
    if (dialog.returnValue !== "delete" || !confirmed()) return;
    try {
      await api.deleteRoom(room, token());
    } catch (error) {
      say(error instanceof Error ? error.message : String(error));
      return;
    }
    deleted("owner");
  });

  return () => {
    input.value = "";
    button.disabled = true;
    dialog.returnValue = "";
    dialog.showModal();
  };
}

/**
 * What a page says once its room is deleted.
 * @param {Deleter} by
 */
export function deletedText(by) {
  return by === "operator" ? "This room was deleted by the site's operator." : "This room was deleted by its owner.";
}

/**
 * Shows, in the conversation's place, that the room is gone, with the ways on.
 * @param {{ panel: HTMLElement, list: HTMLElement, by: Deleter }} where
 */
export function showRoomDeleted({ panel, list, by }) {
  const text = panel.querySelector("#room-deleted-text");
  if (text) text.textContent = deletedText(by);
  list.hidden = true;
  panel.hidden = false;
}
