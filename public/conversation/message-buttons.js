// @ts-check
/**
 * What pressing a button on a message does. The buttons carry a `data-action` (see
 * message-item.js), so one listener on the conversation serves them all: opening the reaction
 * picker is done here, everything else is handed to the page's message actions.
 *
 * @typedef {import("../connection/event-feed.js").ChatEvent} ChatEvent
 * @typedef {import("./message-list.js").MessageActions} MessageActions
 */

/**
 * @param {MouseEvent} event a click anywhere in the conversation
 * @param {{
 *   message: (id: number) => ChatEvent | undefined,
 *   jump: (id: number) => boolean,
 *   actions: MessageActions,
 * }} list the messages shown and what can be done with them
 */
export function pressMessageButton(event, list) {
  const button = event.target instanceof Element ? event.target.closest("button[data-action]") : null;
  const item = button?.closest("li.message");
  if (!(button instanceof HTMLElement) || !(item instanceof HTMLElement)) return;
  // A quote jumps to its original from any message, a waiting one too.
  if (button.dataset.action === "jump") {
    if (!list.jump(Number(button.dataset.target))) list.actions.originGone();
    return;
  }
  const id = Number(item.dataset.id);
  const message = list.message(id);
  if (!message) return;
  switch (button.dataset.action) {
    case "open-reactions": {
      const picker = item.querySelector(".reaction-picker");
      if (!(picker instanceof HTMLElement)) return;
      picker.hidden = !picker.hidden;
      button.setAttribute("aria-expanded", String(!picker.hidden));
      if (!picker.hidden) picker.querySelector("button")?.focus();
      return;
    }
    case "toggle-reaction": {
      const emoji = button.dataset.emoji ?? "";
      list.actions.react(id, emoji, button.getAttribute("aria-pressed") !== "true");
      const picker = button.closest(".reaction-picker");
      if (picker instanceof HTMLElement) {
        picker.hidden = true;
        item.querySelector('[data-action="open-reactions"]')?.setAttribute("aria-expanded", "false");
        item.focus();
      }
      return;
    }
    case "reply":
      list.actions.reply(id, message);
      return;
    case "copy-link":
      list.actions.copyLink(id);
      return;
    case "edit":
      list.actions.edit(id, message);
      return;
    case "delete":
      list.actions.remove(id);
      return;
    case "moderate":
      list.actions.moderate(id);
      return;
    case "remove-person":
      list.actions.removePerson(message.name);
      return;
  }
}
