// @ts-check
/**
 * The room's menu: copying the room's link, making a new room (which the maker owns), and,
 * behind one "Manage room" menu button, the tools of a page that holds the room's key: copying
 * the manage link, handing out and taking back moderator links (the room settings', the owner
 * key's and the deletion's dialogs are wired in app.js). On a phone the room's menu is itself
 * behind a button, and an action closes it.
 */

import { ChatApi } from "../connection/chat-api.js";
import { menuButton } from "./popup-menu.js";
import { keepRoomKey, linkWithKey } from "./room-key.js";

/**
 * Makes a room with a random, hard-to-guess name, owned by its maker, and goes there.
 * @param {(text: string) => void} say
 */
export async function makeNewRoom(say) {
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
}

/**
 * @param {HTMLElement} menu the menu (a popover on a phone)
 * @param {string} room
 * @param {import("./room-key.js").RoomKey} roomKey
 * @param {(text: string) => void} say
 */
export function setUpRoomMenu(menu, room, roomKey, say) {
  const manage = menu.querySelector("#manage-room");
  const manageMenu = menu.querySelector("#manage-menu");
  if (manage instanceof HTMLElement && manageMenu instanceof HTMLElement) menuButton(manage, manageMenu);

  menu.querySelector("#share")?.addEventListener("click", async () => {
    const link = new URL(`/r/${room}/`, location.href).toString();
    try {
      await navigator.clipboard.writeText(link);
      say(`Link copied: ${link}`);
    } catch {
      say(`Share this link: ${link}`);
    }
  });

  menu.querySelector("#new-room")?.addEventListener("click", () => makeNewRoom(say));

  menu.querySelector("#manage-link")?.addEventListener("click", async () => {
    const link = roomKey.manageLink(room);
    try {
      await navigator.clipboard.writeText(link);
      say("Manage link copied. Whoever opens it manages this room: keep it to yourself.");
    } catch {
      say(`Your manage link (keep it to yourself): ${link}`);
    }
  });

  menu.querySelector("#moderator-link")?.addEventListener("click", async () => {
    try {
      const { moderatorKey } = await new ChatApi(`/r/${room}`, () => roomKey.value).makeModeratorKey();
      const link = linkWithKey(room, moderatorKey);
      await navigator.clipboard.writeText(link).then(
        () => say("Moderator link copied. It replaces any earlier one, which stops working."),
        () => say(`Moderator link (it replaces any earlier one): ${link}`),
      );
    } catch (error) {
      say(error instanceof Error ? error.message : String(error));
    }
  });

  menu.querySelector("#revoke-moderators")?.addEventListener("click", async () => {
    try {
      await new ChatApi(`/r/${room}`, () => roomKey.value).revokeModerators();
      say("Moderator rights taken back: moderator links no longer work.");
    } catch (error) {
      say(error instanceof Error ? error.message : String(error));
    }
  });

  // Before the action itself, so that a dialog it opens gives the focus back to the menu's button.
  menu.addEventListener(
    "click",
    (event) => {
      const button = event.target instanceof Element ? event.target.closest("button") : null;
      // A toggle stays in view, so that its new state is seen; so does a button that opens a menu.
      const stays = button?.classList.contains("toggle") || button?.hasAttribute("aria-haspopup");
      if (button && !stays && menu.matches(":popover-open")) menu.hidePopover();
    },
    { capture: true },
  );
}
