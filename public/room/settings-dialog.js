// @ts-check
/**
 * The owner's and moderators' room settings: a dialog with the topic, slow mode and read-only,
 * filled with the room's current settings and saved in one request. The change shows when its
 * event arrives, for everyone alike.
 *
 * @typedef {import("./room-rules.js").RoomSettings} RoomSettings
 */

/**
 * @param {HTMLDialogElement} dialog
 * @param {() => Readonly<RoomSettings>} current
 * @param {(settings: RoomSettings) => Promise<unknown>} save
 * @param {(text: string) => void} say
 * @returns {() => void} opens the dialog
 */
export function settingsDialog(dialog, current, save, say) {
  const topic = /** @type {HTMLInputElement} */ (dialog.querySelector("#settings-topic"));
  const slowMode = /** @type {HTMLSelectElement} */ (dialog.querySelector("#settings-slow-mode"));
  const readOnly = /** @type {HTMLInputElement} */ (dialog.querySelector("#settings-read-only"));
  dialog.addEventListener("close", async () => {
    if (dialog.returnValue !== "save") return;
    try {
      await save({ topic: topic.value.trim(), slowModeSeconds: Number(slowMode.value), readOnly: readOnly.checked });
      say("");
    } catch (error) {
      say(error instanceof Error ? error.message : String(error));
    }
  });
  return () => {
    const settings = current();
    topic.value = settings.topic;
    // A value set elsewhere (through the API) that the list does not offer is added to it.
    const seconds = String(settings.slowModeSeconds);
    if (![...slowMode.options].some((option) => option.value === seconds)) {
      slowMode.add(new Option(`${seconds} seconds`, seconds));
    }
    slowMode.value = seconds;
    readOnly.checked = settings.readOnly;
    dialog.returnValue = "";
    dialog.showModal();
  };
}
