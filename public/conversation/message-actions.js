// @ts-check
import { ApiError } from "../connection/chat-api.js";

/**
 * What the buttons on a message do: reply and edit go through the composer; delete asks first,
 * in a dialog; a reaction is sent at once. The change shows when its event arrives, for the
 * reader as for everyone else.
 *
 * @typedef {import("./message-list.js").MessageActions} MessageActions
 * @typedef {{
 *   api: import("../connection/chat-api.js").ChatApi,
 *   token: () => string | undefined,
 *   composer: import("../composer/composer-context.js").ComposerContext,
 *   confirmDelete: HTMLDialogElement,
 *   confirmRemoval: HTMLDialogElement,
 *   say: (text: string) => void,
 * }} ActionsSetup
 */

/**
 * @param {ActionsSetup} setup
 * @returns {MessageActions}
 */
export function messageActions({ api, token, composer, confirmDelete, confirmRemoval, say }) {
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

  /** Asks before deleting, in the dialog; `then` runs once the person has said yes. @param {() => void} then */
  const confirm = (then) => {
    confirmDelete.returnValue = "";
    confirmDelete.showModal();
    confirmDelete.addEventListener("close", () => confirmDelete.returnValue === "delete" && then(), { once: true });
  };

  return {
    reply: (id, message) => composer.reply(id, message),
    edit: (id, message) => composer.edit(id, message),
    remove(id) {
      confirm(() => void asParticipant((current) => alreadyDone(api.remove(id, current))));
    },
    moderate(id) {
      confirm(async () => {
        try {
          await alreadyDone(api.moderate(id));
        } catch (error) {
          say(error instanceof Error ? error.message : String(error));
        }
      });
    },
    removePerson(name) {
      const who = confirmRemoval.querySelector("#remove-who");
      if (who) who.textContent = name;
      confirmRemoval.returnValue = "";
      confirmRemoval.showModal();
      confirmRemoval.addEventListener(
        "close",
        async () => {
          if (confirmRemoval.returnValue !== "remove") return;
          const minutes = Number(confirmRemoval.querySelector("select")?.value);
          try {
            await api.removeParticipant(name, minutes);
          } catch (error) {
            say(error instanceof Error ? error.message : String(error));
          }
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
    copyLink(id) {
      const link = messageLink(id);
      navigator.clipboard.writeText(link).then(
        () => say("Link to the message copied."),
        () => say(`Link to the message: ${link}`),
      );
    },
  };
}

/**
 * The room's address with `#message=ID`, which opens the conversation at that message.
 * @param {number} id
 */
export function messageLink(id) {
  const link = new URL(location.pathname, location.href);
  link.hash = new URLSearchParams({ message: String(id) }).toString();
  return link.toString();
}

/**
 * The message a link points to: `#message=ID` in the address's fragment, if there is one.
 * @returns {number | undefined}
 */
export function linkedMessage() {
  const id = Number(new URLSearchParams(location.hash.slice(1)).get("message"));
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

/**
 * A deletion answered "deleted already" (from another tab, or by someone else) did what was asked.
 * @param {Promise<unknown>} deletion
 */
async function alreadyDone(deletion) {
  try {
    await deletion;
  } catch (error) {
    if (!(error instanceof ApiError && error.code === "message_deleted")) throw error;
  }
}
