// @ts-check
/**
 * The room's menu: copying the room's link, making a new room (which the maker owns), copying
 * the owner's manage link, and, on a phone, the menu itself, which an action closes.
 */

import { ChatApi } from "./chat-api.js";
import { keepRoomKey } from "./room-key.js";

/**
 * @param {HTMLElement} menu the menu (a popover on a phone)
 * @param {string} room
 * @param {import("./room-key.js").RoomKey} roomKey
 * @param {(text: string) => void} say
 */
export function setUpRoomMenu(menu, room, roomKey, say) {
  menu.querySelector("#share")?.addEventListener("click", async () => {
    const link = new URL(`/r/${room}/`, location.href).toString();
    try {
      await navigator.clipboard.writeText(link);
      say(`Link copied: ${link}`);
    } catch {
      say(`Share this link: ${link}`);
    }
  });

  menu.querySelector("#new-room")?.addEventListener("click", async () => {
    const alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
    const bytes = crypto.getRandomValues(new Uint8Array(12));
    const name = [...bytes].map((byte) => alphabet[byte % alphabet.length]).join("");
    // Whoever makes a room owns it: the key is answered once, and kept in this browser.
    try {
      const { ownerKey } = await new ChatApi(`/r/${name}`).claim();
      keepRoomKey(name, ownerKey);
    } catch (error) {
      say(`The new room could not be made yours: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    location.assign(`/r/${name}/`);
  });

  menu.querySelector("#manage-link")?.addEventListener("click", async () => {
    const link = roomKey.manageLink(room);
    try {
      await navigator.clipboard.writeText(link);
      say("Manage link copied. Whoever opens it manages this room: keep it to yourself.");
    } catch {
      say(`Your manage link (keep it to yourself): ${link}`);
    }
  });

  menu.addEventListener("click", (event) => {
    const button = event.target instanceof HTMLButtonElement ? event.target : undefined;
    // A toggle stays in view, so that its new state is seen.
    if (button && !button.classList.contains("toggle") && menu.matches(":popover-open")) menu.hidePopover();
  });
}
