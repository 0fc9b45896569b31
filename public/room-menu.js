// @ts-check
/**
 * The room's menu: copying the room's link, making a new room, and, on a phone, the menu
 * itself, which an action closes.
 */

/**
 * @param {HTMLElement} menu the menu (a popover on a phone)
 * @param {string} room
 * @param {(text: string) => void} say
 */
export function setUpRoomMenu(menu, room, say) {
  menu.querySelector("#share")?.addEventListener("click", async () => {
    const link = new URL(`/r/${room}/`, location.href).toString();
    try {
      await navigator.clipboard.writeText(link);
      say(`Link copied: ${link}`);
    } catch {
      say(`Share this link: ${link}`);
    }
  });

  menu.querySelector("#new-room")?.addEventListener("click", () => {
    const alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
    const bytes = crypto.getRandomValues(new Uint8Array(12));
    const name = [...bytes].map((byte) => alphabet[byte % alphabet.length]).join("");
    location.assign(`/r/${name}/`);
  });

  menu.addEventListener("click", (event) => {
    const button = event.target instanceof HTMLButtonElement ? event.target : undefined;
    // A toggle stays in view, so that its new state is seen.
    if (button && !button.classList.contains("toggle") && menu.matches(":popover-open")) menu.hidePopover();
  });
}
