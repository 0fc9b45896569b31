// @ts-check
import { ApiError } from "./chat-api.js";

/**
 * What the buttons on a message do: reply and edit go through the composer; delete asks first,
 * in a dialog; a reaction is sent at once. The change shows when its event arrives, for the
 * reader as for everyone else.
 *
 * @typedef {import("./message-list.js").MessageActions} MessageActions
 * @typedef {{
 *   api: import("./chat-api.js").ChatApi,
 *   token: () => string | undefined,
 *   composer: import("./composer-context.js").ComposerContext,
 *   confirmDelete: HTMLDialogElement,
 *   say: (text: string) => void,
 * }} ActionsSetup
 */

/**
 * @param {ActionsSetup} setup
 * @returns {MessageActions}
 */
export function messageActions({ api, token, composer, confirmDelete, say }) {
  /** @param {(token: string) => Promise<unknown>} call */
  const asParticipant = async (call) => {
    const current = token();
    if (!current) {
      say("Join the room first.");
      return;
    }
    try {
      await call(current);
    } catch (error) {
      say(error instanceof Error ? error.message : String(error));
    }
  };

  return {
    reply: (id, message) => composer.reply(id, message),
    edit: (id, message) => composer.edit(id, message),
    remove(id) {
      confirmDelete.returnValue = "";
      confirmDelete.showModal();
      confirmDelete.addEventListener(
        "close",
        () => {
          if (confirmDelete.returnValue !== "delete") return;
          void asParticipant((current) =>
            api.remove(id, current).catch((error) => {
              // Deleted already, from another tab perhaps: what was asked for is done.
              if (!(error instanceof ApiError && error.code === "message_deleted")) throw error;
            }),
          );
        },
        { once: true },
      );
    },
    react(id, emoji, on) {
      void asParticipant(async (current) => {
        // The page tells its own reactions by name, the room by session: after a rename, say,
        // they can differ. When the room finds nothing to change, the reaction was the other
        // way round there, so the press is taken as a toggle of the room's state.
        const answer = await api.react(id, emoji, on, current);
        if (answer.id === null) await api.react(id, emoji, !on, current);
      });
    },
    originGone() {
      say("The original message is no longer in the history shown here.");
    },
  };
}
